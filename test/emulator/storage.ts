import type { ServerResponse } from 'node:http';
import type { EmulatorContext } from './context';
import { HOP_PARAM, sendImage } from './downloads';
import { Presigner } from './presign';
import type { Route } from './router';

/** Object stores answer in XML, and a client must cope with a body that is not the API's JSON. */
export function sendStorageError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The storage origin behind the SSE `url` and the sync endpoint's `images[].url`: presigned
 * downloads that need no Authorization header and expire.
 */
export const storageRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/presigned\/([0-9a-f-]+)\.png$/,
    handle(ctx: EmulatorContext, { res, params: [id], query }) {
      const check = ctx.presigner.check(Presigner.pathFor(id), query);
      if (check === 'forged') return sendStorageError(res, 403, 'SignatureDoesNotMatch', 'The request signature does not match');
      // A URL a redirect just issued is fresh: only the URL the client was handed may have aged out.
      const redirectedHere = Number(query.get(HOP_PARAM)) > 0;
      if (check === 'expired' || (!redirectedHere && ctx.faults.presignedExpired())) {
        return sendStorageError(res, 403, 'AccessDenied', 'Request has expired');
      }
      const png = ctx.results.get(id);
      if (!png) return sendStorageError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      return sendImage(res, png, ctx.faults.downloadPlan(), ctx.timers);
    },
  },
];
