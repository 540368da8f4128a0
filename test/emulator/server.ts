import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdminRequest } from './admin';
import type { EmulatorContext } from './context';
import { ApiError, errorBody, injectedError, unauthenticated } from './errors';
import { FaultInjector, type FaultController, type InjectedFailure } from './faults';
import { readBody, sendJson } from './http';
import { ModelCatalog } from './models';
import { Presigner } from './presign';
import { findRoute, type Route } from './router';
import { eventRoutes } from './routes/events';
import { fileRoutes, resultUrl } from './routes/files';
import { historyRoutes } from './routes/history';
import { imageRoutes } from './routes/images';
import { modelRoutes } from './routes/models';
import { queueRoutes } from './routes/queue';
import { repoFileRoutes } from './routes/repoFiles';
import { SseHub } from './sse';
import { toCompletionEvent, toRow, type GenerationRow } from './state/generation';
import { GenerationQueue } from './state/queue';
import { sendStorageError, storageRoutes } from './storage';
import { TimerSet } from './timers';

export type { GenerationRow } from './state/generation';

export interface EmulatorOptions {
  /** Default 'test-key'. Every /api/* request needs `Authorization: Bearer <apiKey>`, else 401. */
  apiKey?: string;
  /** How long each generation stays queued and then processing. Default 50 / 200 ms. */
  timing?: { queuedMs?: number; processingMs?: number };
  /** Interval of the SSE ": keep-alive" comment. Default 15000 (the documented 15 s). */
  keepAliveMs?: number;
  /** Lifetime of the presigned URLs (SSE `url`, sync `images[].url`). Default 60000. */
  presignedTtlMs?: number;
  /** API port; default 0 (random). */
  port?: number;
  /** Storage port; default 0 (random). */
  storagePort?: number;
  variants?: Partial<Variants>;
}

/** The contract's open questions (oxen-api.md §16-§17): each documented variant can be emulated. */
export interface Variants {
  /** The status in the enqueue answer (and the first state). Default 'queued'. */
  enqueueStatus: 'queued' | 'processing';
  /** The row's key for the model id. Default 'model_name'. */
  rowModelKey: 'model_name' | 'model';
  /** Body of the errors whose format the docs leave open. Default 'typed'. */
  errorEnvelope: 'typed' | 'message';
  /** Where models carry their parameter schema. Default 'both' (identical content). */
  schemaKey: 'both' | 'request_schema' | 'json_request_schema';
  /** Upper bound of num_generations. Default 4 (docs); the SPEC says 12. */
  maxNumGenerations: number;
  /**
   * How the sync endpoint gives its image. Default 'as-asked' (`response_format`); 'b64_json'
   * answers inline bytes whatever was asked, as the SPEC's url-only schema leaves open.
   */
  syncImage: 'as-asked' | 'b64_json';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  origin: 'api' | 'storage';
  authorization?: string;
  /** Arrival time, ms since the epoch. */
  at: number;
  bodyBytes: number;
}

export interface Emulator {
  /** 'http://127.0.0.1:PORT', the API origin. */
  readonly apiUrl: string;
  /** 'http://localhost:PORT2', a different origin serving the presigned downloads. */
  readonly storageUrl: string;
  /** Every request to either origin, oldest first; admin endpoints are not recorded. */
  readonly requests: RecordedRequest[];
  clearRequests(): void;
  /** Currently open SSE connections / connections accepted since start. */
  readonly sse: { open(): number; total(): number };
  faults: FaultController;
  /** The row exactly as GET /api/ai/queue/{id} would return it. */
  generation(id: string): GenerationRow | undefined;
  generations(): GenerationRow[];
  /** While on, new generations stay in their first state until settle() (or a cancel). */
  hold(on: boolean): void;
  /** Moves a queued generation to processing (held, it stays there). Throws unless queued. */
  start(id: string): void;
  /** Forces a terminal state now and emits the SSE event as usual. Throws if unknown or finished. */
  settle(id: string, outcome: { status: 'succeeded' } | { status: 'failed'; error: string }): void;
  /** Pushes a raw event to every SSE subscriber. */
  emit(eventName: string, data: string): void;
  /** Closes both origins, open SSE sockets and every timer. */
  close(): Promise<void>;
}

const DEFAULT_VARIANTS: Variants = {
  enqueueStatus: 'queued',
  rowModelKey: 'model_name',
  errorEnvelope: 'typed',
  schemaKey: 'both',
  maxNumGenerations: 4,
  syncImage: 'as-asked',
};

// repoFileRoutes first: its GET serves uploaded files and hands anything else to fileRoutes.
const API_ROUTES: Route[] = [...queueRoutes, ...historyRoutes, ...imageRoutes, ...modelRoutes, ...eventRoutes, ...repoFileRoutes, ...fileRoutes];

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Idle keep-alive sockets would otherwise hold close() open for seconds.
    server.closeAllConnections();
  });
}

function sendInjectedFailure(res: ServerResponse, failure: InjectedFailure, variants: Variants): void {
  const headers = failure.retryAfter === undefined ? {} : { 'Retry-After': failure.retryAfter };
  if (failure.body === undefined) {
    sendJson(res, failure.status, errorBody(injectedError(failure.status), variants.errorEnvelope), headers);
    return;
  }
  const looksLikeJson = /^\s*[[{]/.test(failure.body);
  res.writeHead(failure.status, {
    ...headers,
    'Content-Type': looksLikeJson ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(failure.body),
  });
  res.end(failure.body);
}

/**
 * Reads the body and logs the request, then lets the HTTP faults have their say: when one applies
 * it answers the request here and returns null.
 */
async function admit(ctx: EmulatorContext, origin: RecordedRequest['origin'], req: IncomingMessage, res: ServerResponse, url: URL): Promise<Buffer | null> {
  const at = Date.now();
  const method = req.method ?? 'GET';
  const body = await readBody(req);
  ctx.requests.push({
    method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    origin,
    ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
    at,
    bodyBytes: body.length,
  });
  const failure = ctx.faults.httpFailure(origin, method, url.pathname);
  if (!failure) return body;
  sendInjectedFailure(res, failure, ctx.variants);
  return null;
}

async function handleApiRequest(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.apiUrl);
  if (url.pathname.startsWith('/__emulator/')) return handleAdminRequest(ctx, req, res, url);
  const body = await admit(ctx, 'api', req, res, url);
  if (body === null) return;
  try {
    if (req.headers.authorization !== `Bearer ${ctx.apiKey}`) throw unauthenticated();
    const found = findRoute(API_ROUTES, req.method ?? 'GET', url.pathname);
    if (!found) throw new ApiError(404, 'resource_not_found', `No route for ${req.method} ${url.pathname}`);
    await found.route.handle(ctx, { req, res, path: url.pathname, params: found.params, query: url.searchParams, body });
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError(500, 'unknown_error', (error as Error).message);
    if (!res.headersSent) sendJson(res, apiError.status, errorBody(apiError, ctx.variants.errorEnvelope));
  }
}

async function handleStorageRequest(ctx: EmulatorContext, storageUrl: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', storageUrl);
  const body = await admit(ctx, 'storage', req, res, url);
  if (body === null) return;
  const found = findRoute(storageRoutes, req.method ?? 'GET', url.pathname);
  if (!found) return sendStorageError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
  await found.route.handle(ctx, { req, res, path: url.pathname, params: found.params, query: url.searchParams, body });
}

/**
 * Starts the emulator: the API on http://127.0.0.1:PORT and, on a second port under the name
 * "localhost" (a different origin, like a real object store), the presigned storage.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const variants: Variants = { ...DEFAULT_VARIANTS, ...options.variants };
  const queuedMs = options.timing?.queuedMs ?? 50;
  const processingMs = options.timing?.processingMs ?? 200;

  const apiServer = createServer();
  const storageServer = createServer();
  // The storage URL says "localhost", which some systems resolve to ::1 first; serve that too.
  const storageServerV6 = createServer();
  const servers = [apiServer, storageServer, storageServerV6];
  let apiPort: number;
  let storagePort: number;
  try {
    apiPort = await listen(apiServer, options.port ?? 0, '127.0.0.1');
    storagePort = await listen(storageServer, options.storagePort ?? 0, '127.0.0.1');
  } catch (error) {
    await Promise.all(servers.map(closeServer)); // a taken port must not leave the other one bound
    throw error;
  }
  await listen(storageServerV6, storagePort, '::1').catch(() => undefined); // no IPv6 loopback: fine
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const storageUrl = `http://localhost:${storagePort}`;

  const timers = new TimerSet();
  const faults = new FaultInjector();
  const presigner = new Presigner(storageUrl, options.presignedTtlMs ?? 60_000);
  const sse = new SseHub({ keepAliveMs: options.keepAliveMs ?? 15_000, timers, faults, chaosDropWindowMs: queuedMs + processingMs });
  const results = new Map<string, Buffer>();
  const queue = new GenerationQueue({
    queuedMs,
    processingMs,
    initialStatus: variants.enqueueStatus,
    timers,
    results,
    resultUrlFor: (generation) => resultUrl(apiUrl, generation),
    onCompleted: (generation) =>
      sse.broadcast('media_generation_completed', JSON.stringify(toCompletionEvent(generation, (id) => presigner.urlFor(id)))),
  });
  const startApiKey = options.apiKey ?? 'test-key';
  const ctx: EmulatorContext = {
    apiKey: startApiKey,
    startApiKey,
    apiUrl,
    variants,
    processingMs,
    catalog: new ModelCatalog(variants.schemaKey),
    queue,
    results,
    sse,
    faults,
    presigner,
    timers,
    requests: [],
  };

  const reportCrash = (res: ServerResponse) => (error: unknown) => {
    if (res.destroyed) return; // the client went away mid-request: nothing to report, no one to tell
    // A handler bug must surface in the test output, not hang the client.
    console.error('oxen emulator:', error);
    if (!res.headersSent) sendJson(res, 500, { error: String(error) });
    else res.destroy();
  };
  apiServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handleApiRequest(ctx, req, res).catch(reportCrash(res));
  });
  for (const server of [storageServer, storageServerV6]) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      handleStorageRequest(ctx, storageUrl, req, res).catch(reportCrash(res));
    });
  }

  return {
    apiUrl,
    storageUrl,
    requests: ctx.requests,
    clearRequests: () => {
      ctx.requests.length = 0;
    },
    sse: { open: () => sse.open(), total: () => sse.total() },
    faults,
    generation: (id) => {
      const generation = queue.get(id);
      return generation && toRow(generation, variants.rowModelKey);
    },
    generations: () => queue.all().map((generation) => toRow(generation, variants.rowModelKey)),
    hold: (on) => queue.hold(on),
    start: (id) => queue.start(id),
    settle: (id, outcome) => queue.settle(id, outcome),
    emit: (eventName, data) => sse.broadcast(eventName, data),
    close: async () => {
      timers.cancelAll();
      sse.closeAll();
      await Promise.all(servers.map(closeServer));
    },
  };
}
