import { randomUUID } from 'node:crypto';
import { hopOf, sendRedirect, withHop } from '../downloads';
import { invalidParams } from '../errors';
import { parseJsonObject, sendJson } from '../http';
import { pictureSeed, renderModelOutput, runFailure } from '../modelRun';
import type { Route } from '../router';
import { requireImageModel } from './imageModels';

const RESPONSE_FORMATS = ['url', 'b64_json'];

/**
 * Synchronous generation (oxen-api.md §9): parameters are validated up front (400), then the call
 * blocks for the processing time. Its pictures are not queue rows; only the presigned URL serves them.
 */
export const imageRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/ai\/images\/generate$/,
    async handle(ctx, { req, res, body }) {
      // As a front door would redirect: before the request is read, let alone checked.
      const redirect = ctx.faults.takeApiRedirect();
      if (redirect) {
        const here = new URL(req.url ?? '/', ctx.apiUrl);
        const sameOrigin = redirect.to === 'same-origin';
        const target = withHop(new URL(here.pathname + here.search, sameOrigin ? ctx.apiUrl : ctx.presigner.storageUrl), hopOf(here) + 1);
        return sendRedirect(res, { status: redirect.status, location: sameOrigin ? target.pathname + target.search : target.href });
      }
      const request = parseJsonObject(body);
      const model = requireImageModel(ctx.catalog, request.model, 400);
      const { model: _model, response_format: responseFormat = 'url', ...params } = request;
      if (!RESPONSE_FORMATS.includes(responseFormat as string)) {
        throw invalidParams(`response_format must be one of ${RESPONSE_FORMATS.join(', ')}`);
      }
      const failure = runFailure(model, params);
      if (failure) throw invalidParams(failure);

      await ctx.timers.sleep(ctx.processingMs);
      const id = randomUUID();
      const png = renderModelOutput(model, params, pictureSeed(params));
      ctx.results.set(id, png);
      const inline = responseFormat === 'b64_json' || ctx.variants.syncImage === 'b64_json';
      const image = inline ? { b64_json: png.toString('base64') } : { url: ctx.presigner.urlFor(id) };
      sendJson(res, 200, { model: model.id, created: Math.floor(Date.now() / 1000), images: [image] });
    },
  },
];
