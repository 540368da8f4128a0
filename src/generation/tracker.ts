import type { OxenClient } from '../oxen/client';
import { OxenAuthError, OxenNotFoundError } from '../oxen/errors';
import { ResilientEventStream, type EventStreamState, type StreamRefusal } from '../oxen/eventStream';
import { completionEventSchema, type GenerationStatus } from '../oxen/schemas';
import type { ServerSentEvent } from '../oxen/sseParser';
import { describeLiveUpdates, sameLiveUpdates, type LiveUpdates, type PollingReason } from './liveUpdates';

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
  /** From a status read: when Oxen finished it (ms; the row has whole seconds). */
  completedAtMs?: number;
}

export interface TrackerOptions {
  client: OxenClient;
  /** Generations the service still waits for (queued or processing); asked on every change, so cheap. */
  inFlight: () => ReadonlySet<string>;
  /** The same question for one id, without building the list (called once per stream event). */
  isInFlight: (generationId: string) => boolean;
  /** The in-flight generations whose request asked for polling: they never need the stream. */
  polledOnly?: () => ReadonlySet<string>;
  /** When the enqueue of this generation was sent (ms), to tell a completion the open stream missed. */
  sentAt?: (generationId: string) => number | undefined;
  /** How results are arriving changed (stream, or polling and why). */
  onLiveUpdates?: (updates: LiveUpdates) => void;
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
const DEFAULT_KEEP_ALIVE_MS = 15_000;
/**
 * Silence past the documented keep-alive interval, with this much slack for a late heartbeat,
 * shows the stream is not getting through (a buffering proxy) while work is in flight.
 */
const SILENCE_SLACK = 1.25;
/** A completion this old that the open stream never announced was filtered out, not merely late. */
const MISSED_COMPLETION_AGE_MS = 3000;
const NO_GENERATIONS: ReadonlySet<string> = new Set();
/** Completions for ids not (yet) tracked: the enqueue answer can arrive after the event. */
const EARLY_SIGNAL_LIMIT = 2000;
const EARLY_SIGNAL_TTL_MS = 10 * 60_000;

/**
 * Tracks generations with ONE shared SSE connection (PERF-03), opened before the first enqueue
 * because the stream has no replay. Status reads fill the gaps the stream cannot tell about:
 * after every (re)connect (REL-04), on a slow safety timer, and at the poll interval while the
 * stream is down. While the stream is healthy it makes no status reads between reconciles.
 *
 * Some networks break the stream without closing it (REL-14): a proxy that buffers it sends
 * nothing, not even the keep-alives; one that filters it passes keep-alives but drops the
 * completions. The first shows as silence past the keep-alive interval while work is in flight,
 * the second as a status read finding a completion the open stream never announced. Either
 * marks the stream unreliable: the tracker then polls at the poll interval while work is in
 * flight, keeps (or reconnects) the stream, and trusts it again once it announces a completion
 * before a status read finds it.
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
  /** When the open connection opened; undefined while the stream is not open. */
  private openSince: number | undefined;
  private lastBytesAt = 0;
  private silenceTimer: NodeJS.Timeout | undefined;
  /** Set when the stream proved unreliable while looking open; cleared when it proves itself. */
  private unreliable: 'stream-silent' | 'missed-completion' | undefined;
  /** The latest answer that was not an event stream, until the stream opens again. */
  private refusal: StreamRefusal | undefined;
  /** The stream failed since it was last open: 'connecting' then means reconnecting. */
  private failedSinceOpen = false;
  /**
   * The next status read of each generation whose request asked for polling: each on its own
   * phase, one poll interval after it was tracked, as the documented poll loop does, so it needs
   * ceil(T / interval) reads and not one more for having joined a shared round late.
   */
  private readonly polledReads = new Map<string, NodeJS.Timeout>();
  private reported: LiveUpdates = { mode: 'stream' };
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
      onRefused: (refusal) => {
        this.refusal = refusal;
      },
      onBytes: () => this.onBytes(),
      log: options.log,
    });
  }

  /** How results reach this window now (the status bar's tooltip). */
  get liveUpdates(): LiveUpdates {
    return this.reported;
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
    if (this.streamOpen || this.stream.state === 'backoff') return;
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
    this.schedule();
    this.schedulePolledReads();
    if (this.streamWanted()) {
      this.clearIdleTimer();
      this.startStream();
      this.armSilenceCheck();
      return;
    }
    if (!this.idleTimer) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = undefined;
        if (!this.streamWanted()) void this.stream.stop();
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

  /**
   * One status read per in-flight generation (or per given id), a few at a time. Generations read
   * on their own polling phase are left to it.
   */
  reconcile(ids?: readonly string[]): Promise<void> {
    if (this.reconciling) return this.reconciling.then(() => this.reconcile(ids));
    if (ids === undefined) {
      const polled = this.polledOnly();
      ids = polled.size === 0 ? [...this.options.inFlight()] : [...this.options.inFlight()].filter((id) => !polled.has(id));
    }
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
    this.clearSilenceTimer();
    for (const timer of this.polledReads.values()) clearTimeout(timer);
    this.polledReads.clear();
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
      const signal: GenerationSignal = {
        generationId: row.id,
        status: row.status,
        resultUrl: row.resultUrl,
        error: row.error,
        source: 'status-read',
        completedAtMs: row.completedAt === undefined ? undefined : row.completedAt * 1000,
      };
      if (this.streamMissed(signal)) this.markUnreliable('missed-completion');
      this.options.onSignal(signal);
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
      // The stream announced a completion before any status read found it: it works again.
      if (this.unreliable) this.trustStreamAgain();
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
    this.openSince = Date.now();
    this.lastBytesAt = this.openSince;
    this.refusal = undefined;
    this.failedSinceOpen = false;
    this.armSilenceCheck();
    for (const waiter of this.openWaiters.splice(0)) waiter();
    if (this.options.inFlight().size > 0) void this.reconcile();
    this.schedule();
  }

  private startStream(): void {
    if (!this.unauthorized) this.stream.start();
  }

  private onStateChange(state: EventStreamState): void {
    if (state !== 'open') {
      this.streamOpen = false;
      this.openSince = undefined;
      this.clearSilenceTimer();
    }
    if (state === 'backoff') this.failedSinceOpen = true;
    if (state === 'stopped' || state === 'idle') this.failedSinceOpen = false;
    if (state === 'unauthorized') this.unauthorized = true;
    // A refused or failed connection will not open soon: the submission goes ahead and is polled.
    if (state === 'unauthorized' || state === 'stopped' || state === 'backoff') {
      for (const waiter of this.openWaiters.splice(0)) waiter();
    }
    this.options.onStreamState?.(state);
    this.schedule();
  }

  /**
   * Arms the next status-read round: slow while the stream is open and trusted, the poll interval
   * otherwise. A timer already armed for the same mode is kept: re-arming it on every state change
   * of a flapping stream would postpone the status reads indefinitely (PERF-04).
   */
  private schedule(): void {
    this.report();
    const mode = this.pollingAll() ? 'poll' : 'safety';
    if (this.disposed || !this.streamWanted()) {
      this.clearTimer();
      return;
    }
    if (this.timer && this.timerMode === mode) return;
    this.clearTimer();
    const delay = mode === 'safety' ? this.safetyIntervalMs() : this.pollIntervalMs();
    this.timerMode = mode;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reconcile().finally(() => this.schedule());
    }, delay);
    this.timer.unref?.();
  }

  /** Arms a read for each newly polled generation and drops those that are no longer polled. */
  private schedulePolledReads(): void {
    const polled = this.polledOnly();
    for (const [id, timer] of this.polledReads) {
      if (polled.has(id)) continue;
      clearTimeout(timer);
      this.polledReads.delete(id);
    }
    for (const id of polled) if (!this.polledReads.has(id)) this.armPolledRead(id);
  }

  private armPolledRead(id: string): void {
    const timer = setTimeout(() => {
      void this.readStatus(id).finally(() => {
        if (this.polledReads.get(id) !== timer) return;
        this.polledReads.delete(id);
        if (!this.disposed && this.polledOnly().has(id)) this.armPolledRead(id);
      });
    }, this.pollIntervalMs());
    timer.unref?.();
    this.polledReads.set(id, timer);
  }

  /** Requests that rely on the stream, while it is not open or not trusted. */
  private pollingAll(): boolean {
    return this.streamWanted() && (!this.streamOpen || this.unreliable !== undefined);
  }

  private streamWanted(): boolean {
    return this.options.inFlight().size > this.polledOnly().size;
  }

  private polledOnly(): ReadonlySet<string> {
    return this.options.polledOnly?.() ?? NO_GENERATIONS;
  }

  private pollIntervalMs(): number {
    return this.options.pollIntervalMs ?? 5_000;
  }

  private safetyIntervalMs(): number {
    return this.options.reconcileIntervalMs ?? 60_000;
  }

  /** What to tell the user, derived from the stream's state and what it has shown. */
  private currentLiveUpdates(): LiveUpdates {
    const polling = (reason: PollingReason): LiveUpdates => ({
      mode: 'polling',
      reason,
      intervalMs: this.pollIntervalMs(),
      ...(reason === 'stream-refused' && this.refusal ? { refusal: this.refusal } : {}),
    });
    if (!this.streamWanted()) return this.polledOnly().size > 0 ? polling('setting') : this.reported;
    if (this.unreliable) return polling(this.unreliable);
    if (this.streamOpen) return { mode: 'stream' };
    const reconnecting = this.stream.state === 'backoff' || this.stream.state === 'unauthorized' || this.failedSinceOpen;
    if (!reconnecting) return this.reported;
    return polling(this.refusal ? 'stream-refused' : 'stream-down');
  }

  private report(): void {
    const now = this.currentLiveUpdates();
    if (sameLiveUpdates(now, this.reported)) return;
    this.reported = now;
    this.options.log?.(describeLiveUpdates(now));
    this.options.onLiveUpdates?.(now);
  }

  private markUnreliable(reason: 'stream-silent' | 'missed-completion'): void {
    // The first cause found stays the one reported: a read prompted by silence finds a missed completion too.
    if (this.unreliable) return;
    const readNow = reason === 'stream-silent' && this.options.inFlight().size > 0;
    this.unreliable = reason;
    this.schedule();
    // Silence is found by a timer, so read now rather than a poll interval later; a missed
    // completion is found by a read round that is reading everything already.
    if (readNow) void this.reconcile();
  }

  private trustStreamAgain(): void {
    this.unreliable = undefined;
    this.schedule();
  }

  /**
   * A terminal status the stream should have announced: the stream was open before the enqueue
   * was sent (so open when Oxen finished) and the completion is old enough to have arrived.
   */
  private streamMissed(signal: GenerationSignal): boolean {
    if (signal.status !== 'succeeded' && signal.status !== 'failed') return false;
    if (this.openSince === undefined || signal.completedAtMs === undefined) return false;
    const id = signal.generationId;
    if (!this.options.isInFlight(id) || this.polledOnly().has(id)) return false;
    const sentAt = this.options.sentAt?.(id);
    const openBeforeCompletion = (sentAt !== undefined && this.openSince <= sentAt) || signal.completedAtMs >= this.openSince + 1000;
    return openBeforeCompletion && Date.now() - signal.completedAtMs >= MISSED_COMPLETION_AGE_MS;
  }

  private onBytes(): void {
    this.lastBytesAt = Date.now();
  }

  /** While work relies on the open stream, checks that it keeps sending something. */
  private armSilenceCheck(): void {
    if (this.silenceTimer || this.disposed || !this.streamOpen || !this.streamWanted()) return;
    const limitMs = (this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS) * SILENCE_SLACK;
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = undefined;
      if (!this.streamOpen || !this.streamWanted()) return;
      if (Date.now() - this.lastBytesAt >= limitMs) {
        this.options.log?.(`The event stream sent nothing for ${Math.round((Date.now() - this.lastBytesAt) / 1000)} s with images in flight.`);
        this.markUnreliable('stream-silent');
      }
      this.armSilenceCheck();
    }, Math.max(0, this.lastBytesAt + limitMs - Date.now()) + 10);
    this.silenceTimer.unref?.();
  }

  private clearSilenceTimer(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
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
