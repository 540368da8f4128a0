import { ApiError } from '../errors';
import { sendJson } from '../http';
import type { Route } from '../router';

/** The model registry, OpenAI-style (oxen-api.md §11). */
export const modelRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/ai\/models$/,
    handle(ctx, { res }) {
      sendJson(res, 200, { object: 'list', data: ctx.catalog.presentAll() });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/ai\/models\/([^/]+)$/,
    handle(ctx, { res, params: [id] }) {
      const model = ctx.catalog.find(id);
      // The docs quote this 404 in the {"error":{"message"}} form, whatever the other endpoints use.
      if (!model) throw new ApiError(404, 'resource_not_found', `Model not found: ${id}`, 'message');
      sendJson(res, 200, ctx.catalog.present(model));
    },
  },
];
