import { ApiError } from '../errors';
import { sendImage } from '../downloads';
import type { Route } from '../router';
import type { Generation } from '../state/generation';

/** The repository results land in when the request names none (an emulator choice; §17 q9). */
const DEFAULT_RESULTS_REPO = 'oxen-generations';

/**
 * A generation's `result_url`: a file in an Oxen repository on the API origin, downloaded with the
 * API key, unlike the presigned SSE `url` (oxen-api.md §15).
 */
export function resultUrl(apiUrl: string, generation: Generation): string {
  const { namespace, repo, directory } = generation.target;
  const folders = (directory ?? '').split('/').filter((folder) => folder !== '');
  const repoPath = [namespace, repo ?? DEFAULT_RESULTS_REPO].map(encodeURIComponent).join('/');
  const filePath = [...folders, `${generation.id}.png`].map(encodeURIComponent).join('/');
  return `${apiUrl}/api/repos/${repoPath}/file/main/${filePath}`;
}

export const fileRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/repos\/[^/]+\/[^/]+\/file\/main\/(?:.+\/)?([0-9a-f-]+)\.png$/,
    handle(ctx, { res, path, params: [id] }) {
      const generation = ctx.queue.get(id);
      const png = ctx.results.get(id);
      if (!generation?.resultUrl || !png || new URL(generation.resultUrl).pathname !== path) {
        throw new ApiError(404, 'resource_not_found', 'File not found');
      }
      // Where a redirect fault points: the object store, with a fresh signature, as Oxen's file API would.
      return sendImage(res, png, ctx.faults.downloadPlan(), ctx.timers, ctx.presigner.urlFor(id));
    },
  },
];
