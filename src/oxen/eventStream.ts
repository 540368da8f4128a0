/**
 * ONE resilient Server-Sent Events connection, shared by every generation in a window.
 *
 * - REL-02: a watchdog aborts the connection when no byte at all (keep-alive comments count)
 *   arrived for 3 × keepAliveMs, then reconnects. The same deadline covers a server that never
 *   sends its response headers.
 * - REL-03: reconnects with capped exponential backoff and jitter (see `Backoff`); the backoff
 *   resets only after a connection stayed open `healthyAfterMs`. 401/403 stop for good (state
 *   'unauthorized', `onUnauthorized` called once) until `start()` is called again. 429/503 honour
 *   `Retry-After` (capped); the delay used is the larger of Retry-After and the backoff delay.
 * - Never two connections at once: one loop per `start()`, and a new loop only begins once the
 *   previous one has fully ended.
 * - The server's `retry:` field is ignored: the reconnect policy is ours (Oxen documents none).
 *
 * Must never import `vscode`.
 */

import { Backoff, parseRetryAfter } from './backoff';
import { SseParser, type ServerSentEvent } from './sseParser';

export interface SseConnection {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Ends when the connection closes; aborting the `signal` given to `open` must end it. */
  body: AsyncIterable<Uint8Array>;
  /** Optional: releases the connection at once (called for refused responses and on close). */
  discard?(): void;
}

/** Opens GET /api/events; rejects on network error. */
export type OpenSseConnection = (signal: AbortSignal) => Promise<SseConnection>;

export type EventStreamState = 'idle' | 'connecting' | 'open' | 'backoff' | 'unauthorized' | 'stopped';

/** What came back instead of an event stream. */
export interface StreamRefusal {
  status: number;
  /** The media type alone (`text/html`), or undefined when the answer had none. */
  contentType: string | undefined;
}

export interface ResilientEventStreamOptions {
  open: OpenSseConnection;
  /** Server keep-alive interval (default 15000). The watchdog fires after 3 × this of silence. */
  keepAliveMs?: number;
  /** Defaults 1000 / 30000 / 60000. */
  backoff?: { initialMs?: number; maxMs?: number; healthyAfterMs?: number };
  /** Longest Retry-After honoured (default 300000). */
  retryAfterCapMs?: number;
  /** For jitter, injectable (default Math.random). */
  random?: () => number;
  /** Largest event accepted by the parser (default 1 MiB). */
  maxEventBytes?: number;
  /** Every dispatched event; filtering happens in the caller. */
  onEvent(event: ServerSentEvent): void;
  /** After every successful (re)connect (200 + text/event-stream): reconcile in-flight work (REL-04). */
  onOpen?(): void;
  onStateChange?(state: EventStreamState): void;
  /** 401/403: the stream stops (state 'unauthorized') and does not retry until `start()`. */
  onUnauthorized?(status: number): void;
  /** An answer that is not an event stream (an HTTP error, a captive portal's HTML page); a retry follows. */
  onRefused?(refusal: StreamRefusal): void;
  /** Any bytes arrived on the open stream (keep-alive comments included). */
  onBytes?(): void;
  log?(message: string): void;
}

const DEFAULT_KEEP_ALIVE_MS = 15_000;
const DEFAULT_INITIAL_MS = 1000;
const DEFAULT_MAX_MS = 30_000;
const DEFAULT_HEALTHY_AFTER_MS = 60_000;
const DEFAULT_RETRY_AFTER_CAP_MS = 300_000;
/** How long a closing connection may take to release before the loop moves on (keeps stop() fast). */
const RELEASE_WAIT_MS = 40;

interface Session {
  readonly abort: AbortController;
  stopped: boolean;
}

type AttemptOutcome = { kind: 'retry'; retryAfterMs?: number } | { kind: 'unauthorized' } | { kind: 'stopped' };

export class ResilientEventStream {
  private currentState: EventStreamState = 'idle';
  private attempts = 0;
  private lastDelayMs: number | undefined;
  private session: Session | undefined;
  /** The loop of the latest session; a new session waits for it before connecting. */
  private loop: Promise<void> = Promise.resolve();
  private readonly backoff: Backoff;
  private readonly keepAliveMs: number;
  private readonly healthyAfterMs: number;
  private readonly retryAfterCapMs: number;

  constructor(private readonly options: ResilientEventStreamOptions) {
    this.keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    this.healthyAfterMs = options.backoff?.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS;
    this.retryAfterCapMs = options.retryAfterCapMs ?? DEFAULT_RETRY_AFTER_CAP_MS;
    this.backoff = new Backoff({
      initialMs: options.backoff?.initialMs ?? DEFAULT_INITIAL_MS,
      maxMs: options.backoff?.maxMs ?? DEFAULT_MAX_MS,
      random: options.random,
      jitter: 'decorrelated',
    });
  }

  get state(): EventStreamState {
    return this.currentState;
  }

  /** The delay of the latest retry wait (ms), e.g. for "reconnecting in 5 s"; undefined before any. */
  get retryDelayMs(): number | undefined {
    return this.lastDelayMs;
  }

  /** Calls to `open` so far, over the object's lifetime. */
  get connectAttempts(): number {
    return this.attempts;
  }

  /** Idempotent: does nothing while a connection is open, being opened, or waiting to retry. */
  start(): void {
    if (this.session && !this.session.stopped) return;
    const session: Session = { abort: new AbortController(), stopped: false };
    this.session = session;
    this.backoff.reset();
    const previous = this.loop;
    this.setState('connecting');
    this.loop = previous.then(() => this.run(session)).catch((error: unknown) => {
      this.log(`event stream loop failed: ${describe(error)}`);
    });
  }

  /** Aborts the connection and any pending retry timer; resolves once the loop has ended. */
  async stop(): Promise<void> {
    const session = this.session;
    if (session && !session.stopped) {
      session.stopped = true;
      session.abort.abort();
    }
    await this.loop;
    if (this.session === session && this.currentState !== 'unauthorized') this.setState('stopped');
  }

  private async run(session: Session): Promise<void> {
    while (!session.stopped) {
      const outcome = await this.attempt(session);
      if (outcome.kind === 'stopped' || session.stopped) return;
      if (outcome.kind === 'unauthorized') {
        session.stopped = true;
        return;
      }
      const backoffMs = this.backoff.next();
      const delay = outcome.retryAfterMs === undefined ? backoffMs : Math.max(backoffMs, outcome.retryAfterMs);
      this.lastDelayMs = delay;
      this.setState('backoff');
      this.log(`event stream: reconnecting in ${delay} ms`);
      await sleep(delay, session.abort.signal);
      if (session.stopped) return;
      this.setState('connecting');
    }
  }

  /** One connection, from `open` to the end of its body. */
  private async attempt(session: Session): Promise<AttemptOutcome> {
    const connection = new AbortController();
    const onSessionAbort = () => connection.abort();
    session.abort.signal.addEventListener('abort', onSessionAbort, { once: true });
    const aborted = new Promise<'aborted'>((resolve) => {
      if (connection.signal.aborted) resolve('aborted');
      else connection.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    let stalled = false;
    const watchdog = setTimeout(() => {
      stalled = true;
      this.log(`event stream: nothing received for ${3 * this.keepAliveMs} ms, reconnecting`);
      connection.abort();
    }, 3 * this.keepAliveMs);
    watchdog.unref?.();

    let response: SseConnection | undefined;
    let iterator: AsyncIterator<Uint8Array> | undefined;
    let openedAt: number | undefined;
    try {
      if (session.stopped) return { kind: 'stopped' };
      this.attempts++;
      const opening = this.options.open(connection.signal);
      opening.catch(() => undefined);
      const opened = await Promise.race([opening, aborted]);
      if (opened === 'aborted') {
        // A late answer to an abandoned open is released as soon as it arrives. Give the aborted
        // request a moment to settle, so the next attempt never overlaps it.
        const released = opening.then(
          (late) => late.discard?.(),
          () => undefined,
        );
        await settleWithin(released, RELEASE_WAIT_MS);
        return session.stopped ? { kind: 'stopped' } : { kind: 'retry' };
      }
      response = opened;
      watchdog.refresh();
      if (session.stopped) return { kind: 'stopped' };

      const status = response.status;
      if (status === 401 || status === 403) {
        this.log(`event stream: HTTP ${status}, the API key was refused; not retrying`);
        // Marked stopped before the callbacks run, so a start() from inside them begins afresh.
        session.stopped = true;
        this.setState('unauthorized');
        this.call(() => this.options.onUnauthorized?.(status));
        return { kind: 'unauthorized' };
      }
      if (status !== 200 || !isEventStream(response.headers['content-type'])) {
        const retryAfterMs =
          status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'], Date.now(), this.retryAfterCapMs) : undefined;
        this.log(
          status === 200
            ? `event stream: unexpected content-type ${String(response.headers['content-type'])}`
            : `event stream: HTTP ${status}${retryAfterMs !== undefined ? `, Retry-After ${retryAfterMs} ms` : ''}`,
        );
        const refusal: StreamRefusal = { status, contentType: mediaType(response.headers['content-type']) };
        this.call(() => this.options.onRefused?.(refusal));
        return { kind: 'retry', retryAfterMs };
      }

      openedAt = Date.now();
      this.setState('open');
      this.call(() => this.options.onOpen?.());
      iterator = response.body[Symbol.asyncIterator]();
      await this.read(iterator, connection.signal, () => watchdog.refresh());
      if (session.stopped) return { kind: 'stopped' };
      if (!stalled) this.log('event stream: connection closed');
      return { kind: 'retry' };
    } catch (error) {
      if (session.stopped) return { kind: 'stopped' };
      if (!stalled) this.log(`event stream: ${describe(error)}`);
      return { kind: 'retry' };
    } finally {
      // However the connection ended (closed, failed, stalled), it only counts as healthy when it
      // stayed open long enough; a successful open alone does not reset the backoff.
      if (openedAt !== undefined && Date.now() - openedAt >= this.healthyAfterMs) this.backoff.reset();
      clearTimeout(watchdog);
      session.abort.signal.removeEventListener('abort', onSessionAbort);
      connection.abort();
      if (response) await release(response, iterator);
    }
  }

  /** Reads the body until it ends, fails, or the connection is aborted (whichever comes first). */
  private async read(iterator: AsyncIterator<Uint8Array>, signal: AbortSignal, onBytes: () => void): Promise<void> {
    const parser = new SseParser(
      {
        // Nothing is delivered once the connection is aborted (e.g. stop() called from onEvent).
        onEvent: (event) => {
          if (!signal.aborted) this.call(() => this.options.onEvent(event));
        },
        onOversize: (bytes) => this.log(`event stream: discarded an oversized event (${bytes} bytes)`),
      },
      { maxEventBytes: this.options.maxEventBytes },
    );
    try {
      for (;;) {
        const next = iterator.next();
        next.catch(() => undefined);
        const result = await untilAborted(next, signal);
        if (result === 'aborted' || result.done) return;
        onBytes();
        this.call(() => this.options.onBytes?.());
        parser.feed(result.value);
      }
    } finally {
      parser.end();
    }
  }

  private setState(state: EventStreamState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.call(() => this.options.onStateChange?.(state));
  }

  /** Caller callbacks never break the stream. */
  private call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.log(`event stream: a listener threw: ${describe(error)}`);
    }
  }

  private log(message: string): void {
    try {
      this.options.log?.(message);
    } catch {
      // Logging must never break the stream.
    }
  }
}

function mediaType(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const type = value?.split(';')[0].trim().toLowerCase();
  return type || undefined;
}

function isEventStream(header: string | string[] | undefined): boolean {
  return mediaType(header) === 'text/event-stream';
}

/**
 * Releases a response (read or not: refused answers are never read) and waits, briefly, until its
 * body is closed, so the next connection never overlaps this one. A body that ignores the abort
 * must not delay stop() for long.
 */
async function release(response: SseConnection, iterator: AsyncIterator<Uint8Array> | undefined): Promise<void> {
  const closed = Promise.resolve().then(async () => {
    response.discard?.();
    await (iterator ?? response.body[Symbol.asyncIterator]()).return?.();
    await streamClosed(response.body);
  });
  await settleWithin(closed, RELEASE_WAIT_MS);
}

/** A Node stream body (undici's) emits 'close' once its socket is released; other bodies: nothing to wait for. */
function streamClosed(body: unknown): Promise<void> {
  const stream = body as { closed?: unknown; once?: unknown };
  if (typeof stream.once !== 'function' || typeof stream.closed !== 'boolean' || stream.closed) return Promise.resolve();
  return new Promise((resolve) => (stream.once as (event: string, listener: () => void) => void).call(stream, 'close', () => resolve()));
}

/**
 * `promise`'s outcome, or 'aborted' as soon as `signal` aborts. Unlike `Promise.race` with one
 * long-lived "aborted" promise, this leaves nothing behind per call: a race adds a reaction to
 * the long-lived promise that keeps every raced result (each chunk read) alive until the
 * connection ends, so a long or hostile stream would grow memory without bound.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | 'aborted'> {
  if (signal.aborted) return Promise.resolve('aborted');
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits for `promise` to settle, but no longer than `ms`. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref?.();
  });
  try {
    await Promise.race([promise.then(noop, noop), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {
  // Nothing.
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name}: ${error.message} (${code})` : `${error.name}: ${error.message}`;
  }
  return String(error);
}
