import { createHash } from 'node:crypto';
import { FormData } from 'undici';
import { z } from 'zod';
import { OxenProtocolError } from './errors';
import type { OxenTransport } from './transport';

/**
 * Uploads a local image to an Oxen repository the user named, so a model can fetch it by URL
 * (style references and image inputs take URLs only: oxen-api.md §14). One call uploads and
 * commits: `PUT /api/repos/{namespace}/{repo}/file/{branch}/{directory}` with a multipart `file`
 * part; the file's URL is then `GET /api/repos/{namespace}/{repo}/file/{branch}/{path}` on the
 * API origin. The key goes with it through OxenTransport, i.e. to the API origin only.
 */

export const STYLE_REFERENCE_REPOSITORY_SETTING = 'oxenImageStudio.styleReferenceRepository';
/** Folder of the repository the references go in; names are content hashes, never the user's file names. */
export const STYLE_REFERENCE_FOLDER = 'style-references';

export interface RepositoryLocation {
  namespace: string;
  repo: string;
  branch: string;
}

export type RepositorySetting =
  | { kind: 'unset' }
  | { kind: 'invalid'; message: string }
  | { kind: 'ok'; location: RepositoryLocation };

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,199}$/;

/** `namespace/repo` or `namespace/repo/branch` (the branch may contain `/`); `main` by default. */
export function parseRepositorySetting(value: unknown): RepositorySetting {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return { kind: 'unset' };
  if (typeof value !== 'string') return { kind: 'invalid', message: 'must be a string like "namespace/repo" or "namespace/repo/branch"' };
  const [namespace = '', repo = '', ...rest] = value.trim().split('/');
  const branch = rest.length > 0 ? rest.join('/') : 'main';
  if (!NAME.test(namespace) || !NAME.test(repo)) {
    return { kind: 'invalid', message: 'must be "namespace/repo" or "namespace/repo/branch" (letters, digits, ".", "_", "-")' };
  }
  if (!BRANCH.test(branch) || branch.split('/').some((part) => part === '' || part === '.' || part === '..') || branch.endsWith('.lock')) {
    return { kind: 'invalid', message: `has an invalid branch name "${branch}"` };
  }
  return { kind: 'ok', location: { namespace, repo, branch } };
}

/** Refusal: the user has not said which repository local images may be uploaded to. */
export class NoUploadRepositoryError extends Error {
  readonly setting = STYLE_REFERENCE_REPOSITORY_SETTING;
  constructor(readonly reason: 'unset' | 'invalid', detail?: string) {
    super(
      reason === 'unset'
        ? `No repository is configured for uploading local images; set ${STYLE_REFERENCE_REPOSITORY_SETTING} to "namespace/repo".`
        : `The setting ${STYLE_REFERENCE_REPOSITORY_SETTING} ${detail ?? 'is not valid'}.`,
    );
    this.name = new.target.name;
  }
}

/** CommitResponse (SERVER-SPEC 0.52): the fields the extension relies on; others are tolerated. */
export const commitResponseSchema = z.looseObject({
  status: z.literal('success'),
  status_message: z.string().optional(),
  commit: z.looseObject({
    id: z.string().min(1).max(200),
    parent_ids: z.array(z.string()).optional(),
    message: z.string().optional(),
    author: z.string().optional(),
    email: z.string().optional(),
    timestamp: z.string().optional(),
  }),
});

export interface UploadedFile {
  /** What a model fetches: the file's URL on the API origin. */
  url: string;
  /** Path inside the repository. */
  path: string;
  commitId: string;
}

export interface UploadOptions {
  commitMessage?: string;
  /** Commit author; Oxen attributes the commit to the key's user when absent. */
  author?: { name: string; email: string };
  signal?: AbortSignal;
}

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };

function encodedPath(parts: readonly string[]): string {
  return parts.flatMap((part) => part.split('/')).map(encodeURIComponent).join('/');
}

/** The repository path of an image: a content hash, so the same picture is stored once and names leak nothing. */
export function styleReferencePath(bytes: Uint8Array, extension: 'png' | 'jpg' | 'webp'): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  return `${STYLE_REFERENCE_FOLDER}/${hash}.${extension}`;
}

/** The URL of a file in a repository, as GET returns it (and as a provider fetches it). */
export function repositoryFileUrl(transport: OxenTransport, location: RepositoryLocation, filePath: string): string {
  const repoPath = encodedPath([location.namespace, location.repo]);
  return transport.apiUrl(`/api/repos/${repoPath}/file/${encodedPath([location.branch, filePath])}`).toString();
}

/** Uploads and commits one file into `folder` of the repository; resolves with its URL. */
export async function uploadRepositoryFile(
  transport: OxenTransport,
  location: RepositoryLocation,
  filePath: string,
  bytes: Uint8Array,
  options: UploadOptions = {},
): Promise<UploadedFile> {
  const slash = filePath.lastIndexOf('/');
  const folder = slash < 0 ? '' : filePath.slice(0, slash);
  const fileName = filePath.slice(slash + 1);
  const extension = fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase();
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: CONTENT_TYPES[extension] ?? 'application/octet-stream' }), fileName);
  form.append('message', options.commitMessage ?? `Add ${fileName}`);
  if (options.author) {
    form.append('name', options.author.name);
    form.append('email', options.author.email);
  }
  const repoPath = encodedPath([location.namespace, location.repo]);
  const resource = encodedPath(folder === '' ? [location.branch] : [location.branch, folder]);
  const answer = await transport.requestMultipart('PUT', `/api/repos/${repoPath}/file/${resource}`, form, { signal: options.signal });
  const parsed = commitResponseSchema.safeParse(answer);
  if (!parsed.success) {
    throw new OxenProtocolError('Oxen answered the upload in an unexpected shape (no commit).');
  }
  return { url: repositoryFileUrl(transport, location, filePath), path: filePath, commitId: parsed.data.commit.id };
}

/**
 * Uploads a local style reference to the repository in `setting` (the raw setting value),
 * refusing with NoUploadRepositoryError when none (or an invalid one) is configured: nothing is
 * sent then.
 */
export async function uploadStyleReference(
  transport: OxenTransport,
  setting: unknown,
  bytes: Uint8Array,
  extension: 'png' | 'jpg' | 'webp',
  options: UploadOptions = {},
): Promise<UploadedFile> {
  const parsed = parseRepositorySetting(setting);
  if (parsed.kind === 'unset') throw new NoUploadRepositoryError('unset');
  if (parsed.kind === 'invalid') throw new NoUploadRepositoryError('invalid', parsed.message);
  return uploadRepositoryFile(transport, parsed.location, styleReferencePath(bytes, extension), bytes, {
    commitMessage: 'Add a style reference (Oxen Image Studio)',
    ...options,
  });
}
