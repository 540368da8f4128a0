import type { OxenClient } from '../oxen/client';
import { OxenAuthError, OxenNotFoundError } from '../oxen/errors';
import { ResilientEventStream, type EventStreamState } from '../oxen/eventStream';
import { completionEventSchema, type GenerationStatus } from '../oxen/schemas';
import type { ServerSentEvent } from '../oxen/sseParser';

/** What the tracker learned about one generation, from the stream or from a status read. */
export interface GenerationSignal {
  generationId: string;
  status: GenerationStatus;
  /** Presigned URL from the SSE event (expires). */
  url?: string;
  /** `result_url` from the queue row (on the API origin, needs the key). */
  resultUrl?: string;
  error?: string;
  source: 'stream' | 'status-read';
}

export interface TrackerOptions {
  client: OxenClient;
  /** Generations the service still waits for (queued or processing); asked on every change, so cheap. */
  inFlight: () => ReadonlySet<string>;
  /** The same question for one id, without building the list (called once per stream event). */
  isInFlight: (generationId: string) => boolean;
  onSignal: (signal: GenerationSignal) => void;
  /** A status read said the id is unknown to Oxen. */
  onUnknown?: (generationId: string) => void;
  onUnauthorized?: () => void;
  onStreamState?: (state: EventStreamState) => void;
  log?: (message: string) => void;
  keepAliveMs?: number;
  /** Slow safety reconcile while the stream is healthy. */
  reconcileIntervalMs?: number;
  /** Status reads while the stream is down: completion is then bounded by this (PERF-04). */
  pollIntervalMs?: number;
  /** Close the stream after this long with nothing in flight. */
  idleCloseMs?: number;
  /** How long a submission waits for the stream before enqueueing anyway. */
  openWaitMs?: number;
  reconcileConcurrency?: number;
  backoff?: { initialMs?: number; maxMs?: number; healthyAfterMs?: number };
}

const COMPLETION_EVENT = 'media_generation_completed';
/** Completions for ids not (yet) tracked: the enqueue answer can arrive after the event. */
const EARLY_SIGNAL_LIMIT = 2000;
const EARLY_SIGNAL_TTL_MS = 10 * 60_000;

/**
 * Tracks generations with ONE shared SSE connection (PERF-03), opened before the first enqueue
 * because the stream has no replay. Status reads fill the gaps the stream cannot tell about:
 * after every (re)connect (REL-04), on a slow safety timer, and at the poll interval while the
 * stream is down. While the stream is healthy it makes no status reads between reconciles.
 */
export class GenerationTracker {
  private readonly stream: ResilientEventStream;
  /** After a 401/403 the stream stays down until the key changes: no retry loop (REL-03). */
  private unauthorized = false;
  private readonly early = new Map<string, { signal: GenerationSignal; at: number }>();
  private streamOpen = false;
  private openWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private timerMode: 'safety' | 'poll' | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private disposed = false;
  /** Status reads made so far (benchmarks and PERF-03 tests count them). */
  statusReads = 0;

  constructor(private readonly options: TrackerOptions) {
    this.stream = new ResilientEventStream({
      open: (signal) => options.client.openEvents(signal),
      keepAliveMs: options.keepAliveMs,
      backoff: options.backoff,
      onEvent: (event) => this.onEvent(event),
      onOpen: () => this.onOpen(),
      onStateChange: (state) => this.onStateChange(state),
      onUnauthorized: () => options.onUnauthorized?.(),
      log: options.log,
    });
  }

  get streamState(): EventStreamState {
    return this.stream.state;
  }

  /** Opens the stream if needed and waits (bounded) until it is open, so no completion is missed. */
  async ensureStream(): Promise<void> {
    if (this.disposed) return;
    this.clearIdleTimer();
    this.startStream();
    this.schedule();
    if (this.streamOpen) return;
    const waitMs = this.options.openWaitMs ?? 3000;
    await new Promise<void>((resolve) => {
      const timeout = setTimeout(done, waitMs);
      timeout.unref?.();
      function done() {
        clearTimeout(timeout);
        resolve();
      }
      this.openWaiters.push(done);
    });
  }

  /** Call whenever the set of in-flight generations changes. */
  activityChanged(): void {
    if (this.disposed) return;
    if (this.options.inFlight().size > 0) {
      this.clearIdleTimer();
      this.startStream();
      this.schedule();
      return;
    }
    if (!this.idleTimer) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (this.options.inFlight().size === 0) void this.stream.stop();
      }, this.options.idleCloseMs ?? 30_000);
      this.idleTimer.unref?.();
    }
  }

  /** The user set a new key: an unauthorized stream may try again. */
  credentialsChanged(): void {
    this.unauthorized = false;
    if (this.options.inFlight().size > 0) this.startStream();
  }

  /** A completion that arrived before its id was known (see EARLY_SIGNAL_*), handed over once. */
  takeEarlySignal(generationId: string): GenerationSignal | undefined {
    const entry = this.early.get(generationId);
    this.early.delete(generationId);
    return entry?.signal;
  }

  /** One status read per in-flight generation (or per given id), a few at a time. */
  reconcile(ids: readonly string[] = [...this.options.inFlight()]): Promise<void> {
    if (this.reconciling) return this.reconciling.then(() => this.reconcile(ids));
    const run = this.readStatuses(ids).finally(() => {
      if (this.reconciling === run) this.reconciling = undefined;
    });
    this.reconciling = run;
    return run;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearTimer();
    this.clearIdleTimer();
    for (const waiter of this.openWaiters.splice(0)) waiter();
    await this.stream.stop();
  }

  private async readStatuses(ids: readonly string[]): Promise<void> {
    const queue = [...ids];
    const workers = Array.from({ length: Math.min(this.options.reconcileConcurrency ?? 8, queue.length) }, async () => {
      for (let id = queue.shift(); id !== undefined && !this.disposed; id = queue.shift()) {
        await this.readStatus(id);
      }
    });
    await Promise.all(workers);
  }

  private async readStatus(id: string): Promise<void> {
    this.statusReads++;
    try {
      const row = await this.options.client.getGeneration(id);
      this.options.onSignal({
        generationId: row.id,
        status: row.status,
        resultUrl: row.resultUrl,
        error: row.error,
        source: 'status-read',
      });
    } catch (error) {
      if (error instanceof OxenNotFoundError) this.options.onUnknown?.(id);
      else if (error instanceof OxenAuthError) this.options.onUnauthorized?.();
      else this.options.log?.(`Status read for ${id} failed: ${(error as Error).message}`);
    }
  }

  private onEvent(event: ServerSentEvent): void {
    if (event.type !== COMPLETION_EVENT) return;
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      this.options.log?.('Ignored a completion event whose data is not JSON.');
      return;
    }
    const parsed = completionEventSchema.safeParse(payload);
    if (!parsed.success) {
      this.options.log?.('Ignored a completion event of an unexpected shape.');
      return;
    }
    const signal: GenerationSignal = {
      generationId: parsed.data.generation_id,
      status: parsed.data.status,
      url: parsed.data.url,
      error: parsed.data.error,
      source: 'stream',
    };
    if (this.options.isInFlight(signal.generationId)) {
      this.options.onSignal(signal);
    } else {
      this.rememberEarly(signal);
    }
  }

  private rememberEarly(signal: GenerationSignal): void {
    const now = Date.now();
    for (const [id, entry] of this.early) {
      if (this.early.size < EARLY_SIGNAL_LIMIT && now - entry.at < EARLY_SIGNAL_TTL_MS) break;
      this.early.delete(id);
    }
    this.early.set(signal.generationId, { signal, at: now });
  }

  private onOpen(): void {
    this.streamOpen = true;
    for (const waiter of this.openWaiters.splice(0)) waiter();
    if (this.options.inFlight().size > 0) void this.reconcile();
    this.schedule();
  }

  private startStream(): void {
    if (!this.unauthorized) this.stream.start();
  }

  private onStateChange(state: EventStreamState): void {
    if (state !== 'open') this.streamOpen = false;
    if (state === 'unauthorized') this.unauthorized = true;
    if (state === 'unauthorized' || state === 'stopped') {
      for (const waiter of this.openWaiters.splice(0)) waiter();
    }
    this.options.onStreamState?.(state);
    this.schedule();
  }

  /**
   * Arms the next status-read round: slow while the stream is open, the poll interval otherwise.
   * A timer already armed for the same mode is kept: re-arming it on every state change of a
   * flapping stream would postpone the status reads indefinitely (PERF-04).
   */
  private schedule(): void {
    const mode = this.streamOpen ? 'safety' : 'poll';
    if (this.disposed || this.options.inFlight().size === 0) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerMode === mode) return;
    this.clearTimer();
    const delay = mode === 'safety' ? (this.options.reconcileIntervalMs ?? 60_000) : (this.options.pollIntervalMs ?? 5_000);
    this.timerMode = mode;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reconcile().finally(() => this.schedule());
    }, delay);
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
