import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorContext } from './context';
import { parseFaultPatch } from './faults';
import { readBody, sendJson } from './http';
import { findRoute, type Route } from './router';
import { toRow } from './state/generation';

/** Admin mistakes are the test author's, so they get a plain message, not an API envelope. */
class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function jsonObject(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below like any other non-object body
  }
  throw new AdminError(400, 'body must be a JSON object');
}

function requireString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string') throw new AdminError(400, `"${field}" must be a string`);
  return value;
}

const ok = (res: ServerResponse): void => sendJson(res, 200, { ok: true });

/**
 * Control endpoints for tests that run the emulator in another process (the same powers the
 * in-process `Emulator` object gives). Not authenticated and not recorded.
 */
const adminRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/__emulator\/faults$/,
    handle(ctx, { res, body }) {
      try {
        ctx.faults.set(parseFaultPatch(jsonObject(body)));
      } catch (error) {
        throw error instanceof AdminError ? error : new AdminError(400, (error as Error).message);
      }
      sendJson(res, 200, ctx.faults.current());
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/reset$/,
    handle(ctx, { res }) {
      ctx.faults.reset();
      ctx.requests.length = 0;
      ctx.queue.hold(false);
      ctx.apiKey = ctx.startApiKey;
      ok(res);
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/api-key$/,
    handle(ctx, { res, body }) {
      const key = requireString(jsonObject(body), 'key');
      if (key.length === 0) throw new AdminError(400, '"key" must not be empty');
      ctx.apiKey = key;
      ok(res);
    },
  },
  {
    method: 'GET',
    pattern: /^\/__emulator\/requests$/,
    handle(ctx, { res }) {
      sendJson(res, 200, ctx.requests);
    },
  },
  {
    method: 'GET',
    pattern: /^\/__emulator\/state$/,
    handle(ctx, { res }) {
      sendJson(res, 200, {
        generations: ctx.queue.all().map((generation) => toRow(generation, ctx.variants.rowModelKey)),
        sse: { open: ctx.sse.open(), total: ctx.sse.total() },
        injectedFaults: ctx.faults.injected(),
      });
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/hold$/,
    handle(ctx, { res, body }) {
      const { on } = jsonObject(body);
      if (typeof on !== 'boolean') throw new AdminError(400, '"on" must be a boolean');
      ctx.queue.hold(on);
      ok(res);
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/settle$/,
    handle(ctx, { res, body }) {
      const request = jsonObject(body);
      const id = requireString(request, 'id');
      const status = requireString(request, 'status');
      if (status !== 'succeeded' && status !== 'failed') throw new AdminError(400, '"status" must be "succeeded" or "failed"');
      const error = request.error === undefined ? 'Generation failed' : requireString(request, 'error');
      if (!ctx.queue.get(id)) throw new AdminError(404, `unknown generation ${id}`);
      try {
        ctx.queue.settle(id, status === 'succeeded' ? { status } : { status, error });
      } catch (failure) {
        throw new AdminError(409, (failure as Error).message);
      }
      // The moment the SSE event was written, on the machine-wide monotonic clock (benchmarks
      // in another process start their latency clocks here).
      sendJson(res, 200, { ok: true, settledAtNs: process.hrtime.bigint().toString() });
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/start$/,
    handle(ctx, { res, body }) {
      const id = requireString(jsonObject(body), 'id');
      if (!ctx.queue.get(id)) throw new AdminError(404, `unknown generation ${id}`);
      try {
        ctx.queue.start(id);
      } catch (failure) {
        throw new AdminError(409, (failure as Error).message);
      }
      ok(res);
    },
  },
  {
    method: 'POST',
    pattern: /^\/__emulator\/emit$/,
    handle(ctx, { res, body }) {
      const request = jsonObject(body);
      ctx.sse.broadcast(requireString(request, 'event'), requireString(request, 'data'));
      ok(res);
    },
  },
];

export async function handleAdminRequest(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const body = await readBody(req);
  const found = findRoute(adminRoutes, req.method ?? 'GET', url.pathname);
  if (!found) return sendJson(res, 404, { error: `no admin endpoint ${req.method} ${url.pathname}` });
  try {
    await found.route.handle(ctx, { req, res, path: url.pathname, params: found.params, query: url.searchParams, body });
  } catch (error) {
    if (!(error instanceof AdminError)) throw error;
    sendJson(res, error.status, { error: error.message });
  }
}
