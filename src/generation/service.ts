import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { GenerationRow, OxenClient } from '../oxen/client';
import {
  OxenCancelledError,
  OxenError,
  OxenNetworkError,
  OxenNotFoundError,
  OxenProtocolError,
  OxenRateLimitError,
  OxenServerError,
} from '../oxen/errors';
import { ConcurrencyLimit } from './concurrencyLimit';
import { delay } from './delay';
import type { GenerationView, TerminalEvent, TerminalHandler } from './generationEvents';
import {
  isInFlight,
  Journal,
  type Destination,
  type FailureInfo,
  type GenerationEntry,
  type GenerationState,
  type JournalStore,
  type SubmissionRecord,
} from './journal';
import { fileSystemFailure } from './fileSystemFailure';
import { recoverPlacedFile } from './placeFile';
import { ResultSaver } from './resultSaver';
import type { SaverFileSystem } from './saverFileSystem';
import { findSubmittedRows } from './submissionMatcher';
import { cleanStaleTempFiles, tempPathFor } from './tempFiles';
import { formatWait, StepTimeoutError, withinBound } from './timeBound';
import type { LiveUpdates } from './liveUpdates';
import { GenerationTracker, type GenerationSignal, type TrackerOptions } from './tracker';

export interface SubmitRequest {
  model: string;
  /** Validated parameters, as they go on the wire. A numeric `seed` gives each image its own seed. */
  params: Record<string, unknown>;
  /** Images wanted, 1-4. */
  count: number;
  /** Where each image goes; a function receives that image's own parameters (its seed). */
  destination: Destination | ((params: Record<string, unknown>) => Promise<Destination>);
  target?: unknown;
  /** How the result is fetched (REL-15); 'auto' when omitted. */
  delivery?: DeliveryMode;
}

/**
 * The three ways Oxen documents to get a result: the queue with the event stream and status
 * reads ('auto'), the queue with status reads only ('polling'), one blocking request ('sync').
 */
export type DeliveryMode = 'auto' | 'polling' | 'sync';

export interface SubmitResult {
  batchId: string;
  generationIds: string[];
}

export interface GenerationServiceOptions {
  client: OxenClient;
  store: JournalStore;
  tracker?: Omit<Partial<TrackerOptions>, 'client' | 'inFlight' | 'isInFlight' | 'onSignal'>;
  maxDownloadBytes?: number;
  downloadTimeoutMs?: number;
  downloadAttempts?: number;
  downloadConcurrency?: number;
  /** Where results are written: node's file system unless a test injects faults. */
  fileSystem?: SaverFileSystem;
  /**
   * REL-16: how long one result handler may take with one outcome (default 30 s). Past it, a saved
   * image is set aside as a retryable 'stuck' failure and the other generations go on.
   */
  handlerTimeoutMs?: number;
  /** How long an unconfirmed enqueue keeps being looked for before it is reported. */
  unresolvedDeadlineMs?: number;
  unresolvedRetryMs?: number;
  log?: (message: string) => void;
  onUnauthorized?: () => void;
  onChange?: () => void;
  /** How results reach this window changed (stream, or polling and why). */
  onLiveUpdates?: (updates: LiveUpdates) => void;
}

const MAX_COUNT = 4;
const RATE_LIMIT_ATTEMPTS = 4;
/** Each re-send follows a lookup that found nothing, so it cannot duplicate; the bound stops a loop. */
const MAX_RESENDS = 3;
const RATE_LIMIT_DEFAULT_WAIT_MS = 1000;
const RATE_LIMIT_MAX_WAIT_MS = 30_000;
/** REL-16: the default bound of one result handler on one outcome. */
const HANDLER_TIMEOUT_MS = 30_000;
/** A saved image whose result handling stalled: Retry delivers the saved file again. */
const STUCK_KIND = 'stuck';

/** REL-15: a blocking request has no id before its answer, so a reload cannot recover it. */
const SYNC_INTERRUPTED: FailureInfo = {
  kind: 'sync-interrupted',
  message: 'The window closed before Oxen answered a synchronous request; with no id, it cannot be recovered.',
  retryable: true,
};

const SYNC_LOST: FailureInfo = {
  kind: 'sync-lost',
  message: 'The window closed before a synchronous answer was saved; Oxen keeps no copy of it.',
};

function syncFailure(error: unknown): FailureInfo {
  if (!isAmbiguous(error)) return failureFrom(error);
  return {
    kind: 'sync-unconfirmed',
    message: (error as Error).message,
    retryable: true,
  };
}

function isAmbiguous(error: unknown): boolean {
  return (
    (error instanceof OxenNetworkError && error.mayHaveReachedServer) ||
    error instanceof OxenServerError ||
    (error instanceof OxenProtocolError && (error.status === undefined || error.status < 300))
  );
}

function failureFrom(error: unknown, retryable = false): FailureInfo {
  if (error instanceof OxenError) return { kind: error.kind, message: error.message, retryable };
  const message = error instanceof Error ? error.message : String(error);
  return fileSystemFailure(error, retryable) ?? { kind: 'unexpected', message, retryable };
}

/** REL-16: a saved image whose handling did not finish in time; what was waited on, and that Retry runs it again. */
function stuckFailure(file: string, stuck: StepTimeoutError): FailureInfo {
  return {
    kind: STUCK_KIND,
    message: `The image was saved as ${file}, but handling it got no answer from ${stuck.step} within ${formatWait(stuck.waitedMs)}. Retry will try again.`,
    retryable: true,
  };
}

/** Oxen's reason for a failed generation, classified so the UI can offer the right action. */
function generationFailure(reason: string | undefined): FailureInfo {
  const message = reason || 'Oxen reported the generation as failed without a reason.';
  if (/insufficient credits/i.test(message)) return { kind: 'insufficient-credits', message };
  return { kind: 'generation-failed', message };
}

/**
 * Submits, tracks, downloads and saves generations so that none is lost or handled twice:
 * journal before enqueue (REL-06), reconcile instead of blind re-send (REL-07), one terminal
 * handling per generation id (REL-05), streamed downloads placed atomically (REL-09).
 */
export class GenerationService {
  private readonly journal: Journal;
  private readonly tracker: GenerationTracker;
  private readonly handlers = new Set<TerminalHandler>();
  private readonly saver: ResultSaver;
  private readonly downloads = new Map<string, AbortController>();
  private readonly downloadLimit: ConcurrencyLimit;
  private unresolvedTimer: NodeJS.Timeout | undefined;
  private readonly resolving = new Set<string>();
  /** Blocking requests under way, by submission id, so a cancel can abort them. */
  private readonly syncRequests = new Map<string, AbortController>();
  /** Images a sync answer carried inline, kept until saved: Oxen holds no copy to fetch again. */
  private readonly inlineImages = new Map<string, Buffer>();
  private disposed = false;

  constructor(private readonly options: GenerationServiceOptions) {
    this.journal = new Journal(options.store);
    this.tracker = new GenerationTracker({
      ...options.tracker,
      client: options.client,
      inFlight: () => this.journal.inFlightIds(),
      isInFlight: (id) => this.isGenerationInFlight(id),
      polledOnly: () => this.journal.polledInFlightIds(),
      sentAt: (id) => this.journal.findGeneration(id)?.submission.sentAt,
      onLiveUpdates: options.onLiveUpdates,
      onSignal: (signal) => this.onSignal(signal),
      onUnknown: (id) => this.onUnknownGeneration(id),
      onUnauthorized: options.onUnauthorized,
      log: options.log,
    });
    this.saver = new ResultSaver({
      ...options,
      recordCandidate: (submission, generation, file) =>
        this.journal.update(submission.id, () => {
          generation.state = 'finalizing';
          generation.file = file;
        }),
    });
    this.downloadLimit = new ConcurrencyLimit(options.downloadConcurrency ?? 4);
  }

  /** Status reads the tracker has made (PERF-03 tests and benchmarks). */
  get statusReads(): number {
    return this.tracker.statusReads;
  }

  get streamState(): string {
    return this.tracker.streamState;
  }

  /** How results reach this window now: the event stream, or polling and why (REL-14). */
  get liveUpdates(): LiveUpdates {
    return this.tracker.liveUpdates;
  }

  /** Handlers run for every terminal event; the journal forgets a generation only after they all resolved. */
  onTerminal(handler: TerminalHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  hasPendingWork(): boolean {
    return this.journal.size > 0;
  }

  /** One generation's state, looked up without building every view (undefined once forgotten). */
  generationState(generationId: string): GenerationState | undefined {
    return this.journal.findGeneration(generationId)?.generation.state;
  }

  /** The UI's targets of everything in the journal (a UI tells which of its placeholders are still wanted). */
  targets(): unknown[] {
    return this.journal.all().map((submission) => submission.target);
  }

  views(): GenerationView[] {
    return this.journal.all().flatMap((submission): GenerationView[] => {
      const base = {
        submissionId: submission.id,
        batchId: submission.batchId,
        model: submission.model,
        prompt: typeof submission.params.prompt === 'string' ? submission.params.prompt : '',
        createdAt: submission.createdAt,
      };
      if (submission.generations.length === 0) {
        const state = submission.state === 'refused' ? 'failed' : submission.state === 'unresolved' ? 'unresolved' : 'submitting';
        return [{ ...base, generationId: undefined, state, failure: submission.failure }];
      }
      return submission.generations.map((generation) => ({
        ...base,
        generationId: generation.id,
        state: generation.state,
        file: generation.file,
        failure: generation.failure,
      }));
    });
  }

  /**
   * Enqueues `count` images. When the parameters carry a numeric seed, each image is its own
   * enqueue with seed, seed+1, … so every image is reproducible and recognisable (REL-07);
   * otherwise one enqueue asks for all of them. Resolves once Oxen accepted them (or, after an
   * ambiguous failure, once that was reconciled); throws the API error when Oxen refused.
   */
  async submit(request: SubmitRequest): Promise<SubmitResult> {
    if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_COUNT) {
      throw new RangeError(`count must be an integer from 1 to ${MAX_COUNT}.`);
    }
    const batchId = randomUUID();
    const createdAt = Date.now();
    const seed = request.params.seed;
    const delivery = request.delivery === 'auto' ? undefined : request.delivery;
    // The sync endpoint makes one image per request, so each image is a request of its own.
    const slots =
      typeof seed === 'number' || delivery === 'sync'
        ? Array.from({ length: request.count }, (_, index) => ({
            params: typeof seed === 'number' ? { ...request.params, seed: seed + index } : request.params,
            count: 1,
          }))
        : [{ params: request.params, count: request.count }];
    const { destination } = request;
    const destinations = await Promise.all(
      slots.map((slot) => (typeof destination === 'function' ? destination(slot.params) : destination)),
    );
    const records: SubmissionRecord[] = slots.map((slot, indexInBatch) => ({
      id: randomUUID(),
      batchId,
      indexInBatch,
      createdAt,
      model: request.model,
      params: slot.params,
      numGenerations: slot.count,
      destination: destinations[indexInBatch],
      target: request.target,
      state: 'submitting',
      ...(delivery ? { delivery } : {}),
      generations: [],
    }));
    await Promise.all(records.map((record) => this.journal.put(record)));
    this.changed();
    if (delivery === 'sync') {
      // Oxen answers with the image itself; until then there is no id to report.
      for (const record of records) void this.requestSync(record);
      return { batchId, generationIds: [] };
    }
    if (delivery === undefined) await this.tracker.ensureStream();
    const outcomes = await Promise.allSettled(records.map((record) => this.enqueue(record)));
    const refusals = records.flatMap((record, index) => {
      const outcome = outcomes[index];
      return outcome.status === 'rejected' ? [{ record, error: outcome.reason as unknown }] : [];
    });
    if (refusals.length === records.length) throw refusals[0].error;
    // Part of the batch was accepted: the caller gets its ids, the refused rest arrives as failures.
    for (const { record, error } of refusals) {
      await this.journal.put(record);
      await this.reportRefusal(record, failureFrom(error));
    }
    const generationIds = records.flatMap((record) => this.journal.get(record.id)?.generations.map((g) => g.id) ?? []);
    return { batchId, generationIds };
  }

  /** Cancels one generation (or, before Oxen answered, the submission it belongs to). */
  async cancel(generationOrSubmissionId: string): Promise<boolean> {
    const pending = this.journal.get(generationOrSubmissionId);
    if (pending && pending.generations.length === 0) {
      await this.journal.update(pending.id, (submission) => {
        submission.cancelRequested = true;
      });
      this.syncRequests.get(pending.id)?.abort();
      return true;
    }
    const found = this.journal.findGeneration(generationOrSubmissionId);
    if (!found || !isInFlight(found.generation.state)) return false;
    try {
      await this.options.client.cancel(found.generation.id);
    } catch (error) {
      if (!(error instanceof OxenNotFoundError)) throw error;
    }
    // The stream never announces a cancel; a generation that finished anyway is paid for, so keep it.
    const row = await this.options.client.getGeneration(found.generation.id).catch(() => undefined);
    if (row && row.status === 'succeeded') {
      this.onSignal({ generationId: row.id, status: row.status, resultUrl: row.resultUrl, source: 'status-read' });
      return false;
    }
    if (!isInFlight(found.generation.state)) return false;
    await this.finish(found.submission, found.generation, { state: 'cancelled' });
    return true;
  }

  /** Call after the user set or changed the API key. */
  credentialsChanged(): void {
    this.tracker.credentialsChanged();
  }

  /** One status read per generation in flight, now (REL-04); the tracker also does this on its own. */
  reconcile(): Promise<void> {
    return this.tracker.reconcile();
  }

  /**
   * Retries a retryable failure: a failed download runs again (Oxen already made and billed the
   * image); a sync request that could not complete is sent again.
   */
  async retry(id: string): Promise<boolean> {
    const submission = this.journal.get(id);
    if (submission) return this.resendSubmission(submission);
    const found = this.journal.findGeneration(id);
    if (!found || found.generation.state !== 'failed' || !found.generation.failure?.retryable) return false;
    if (this.redeliverSetAside(found.submission, found.generation)) return true;
    await this.journal.update(found.submission.id, () => {
      found.generation.state = 'downloading';
      found.generation.failure = undefined;
    });
    this.changed();
    void this.download(found.submission, found.generation);
    return true;
  }

  /** Forgets a failure the user no longer wants to retry. */
  async dismiss(id: string): Promise<void> {
    const submission = this.journal.get(id);
    if (submission?.state === 'refused') {
      await this.journal.remove(submission.id);
      this.changed();
      return;
    }
    const found = this.journal.findGeneration(id);
    if (!found || found.generation.state !== 'failed') return;
    found.submission.generations = found.submission.generations.filter((entry) => entry !== found.generation);
    this.inlineImages.delete(found.generation.id);
    await this.pruneOrPersist(found.submission);
  }

  /**
   * Picks up whatever the journal holds after a reload: unconfirmed enqueues are reconciled,
   * queued ones re-read (REL-04), interrupted downloads restarted, half-placed files recognised,
   * and terminal events whose handling was interrupted delivered again (REL-06).
   */
  async resume(): Promise<void> {
    const folders = new Set(this.journal.all().map((submission) => submission.destination.folder));
    await Promise.all([...folders].map((folder) => cleanStaleTempFiles(folder, new Set(this.downloadingIds()))));
    for (const submission of this.journal.all()) {
      if (submission.delivery === 'sync' && submission.state === 'submitting') {
        void this.reportRefusal(submission, SYNC_INTERRUPTED);
        continue;
      }
      if (submission.state === 'refused' && submission.failure?.retryable) continue;
      if (submission.state === 'submitting' || submission.state === 'unresolved') {
        await this.journal.update(submission.id, (record) => {
          record.state = 'unresolved';
        });
        void this.resolveUnresolved(submission);
        continue;
      }
      for (const generation of submission.generations) void this.resumeGeneration(submission, generation);
    }
    if (this.journal.inFlightIds().size > 0) {
      await this.tracker.ensureStream();
      await this.tracker.reconcile();
    }
    this.tracker.activityChanged();
  }

  /** Stops every stream, poll and download promptly (REL-10); the journal keeps what is unfinished. */
  async dispose(): Promise<void> {
    this.disposed = true;
    if (this.unresolvedTimer) clearTimeout(this.unresolvedTimer);
    for (const controller of this.downloads.values()) controller.abort();
    for (const controller of this.syncRequests.values()) controller.abort();
    this.downloadLimit.releaseAll();
    await this.tracker.dispose();
    await this.journal.close();
  }

  private async resumeGeneration(submission: SubmissionRecord, generation: GenerationEntry): Promise<void> {
    switch (generation.state) {
      case 'downloading':
        return this.download(submission, generation);
      case 'finalizing': {
        const temp = tempPathFor(submission.destination.folder, generation.id);
        const placed = generation.file ? await recoverPlacedFile(temp, generation.file) : 'not-placed';
        if (placed === 'placed' && generation.file) return this.finish(submission, generation, { state: 'saved', file: generation.file });
        generation.state = 'downloading';
        return this.download(submission, generation);
      }
      case 'saved':
      case 'cancelled':
        return this.deliver(submission, generation);
      case 'failed':
        return generation.failure?.retryable ? undefined : this.deliver(submission, generation);
      default:
        return undefined;
    }
  }

  private async enqueue(record: SubmissionRecord): Promise<void> {
    try {
      const generations = await this.enqueueHonouringRateLimits(record);
      await this.adopt(record, generations.map((generation) => generation.id));
    } catch (error) {
      if (isAmbiguous(error)) {
        this.options.log?.(`Enqueue outcome unknown (${(error as Error).message}); looking for it before any re-send.`);
        await this.journal.update(record.id, (submission) => {
          submission.state = 'unresolved';
        });
        await this.resolveUnresolved(record);
        return;
      }
      await this.journal.remove(record.id);
      this.changed();
      throw error;
    }
  }

  private enqueueHonouringRateLimits(record: SubmissionRecord): Promise<Array<{ id: string }>> {
    return this.honouringRateLimits(() => {
      record.sentAt = Date.now(); // journaled with the answer (adopt) or the failure
      return this.options.client.enqueue({ model: record.model, params: record.params, numGenerations: record.numGenerations });
    });
  }

  /** A 429 means nothing was created, so waiting as asked and sending again is safe (REL-03). */
  private async honouringRateLimits<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!(error instanceof OxenRateLimitError) || attempt >= RATE_LIMIT_ATTEMPTS || this.disposed) throw error;
        await delay(Math.min(error.retryAfterMs ?? RATE_LIMIT_DEFAULT_WAIT_MS, RATE_LIMIT_MAX_WAIT_MS));
      }
    }
  }

  /** REL-07: find the rows an ambiguous enqueue may have created; re-send only if there are none. */
  /** One lookup at a time per submission: a second one would see the first one's find as claimed. */
  private async resolveUnresolved(record: SubmissionRecord): Promise<void> {
    if (record.state !== 'unresolved') return;
    if (this.resolving.has(record.id)) {
      this.scheduleUnresolvedCheck();
      return;
    }
    this.resolving.add(record.id);
    try {
      await this.lookUpOrResend(record);
    } finally {
      this.resolving.delete(record.id);
    }
  }

  private async lookUpOrResend(record: SubmissionRecord): Promise<void> {
    let rows: GenerationRow[];
    try {
      rows = await findSubmittedRows(this.options.client, record, this.claimedIds());
    } catch (error) {
      this.options.log?.(`Could not look for unconfirmed submission ${record.id} yet: ${(error as Error).message}`);
      this.scheduleUnresolvedCheck();
      return;
    }
    this.options.log?.(`Lookup for unconfirmed submission ${record.id}: ${rows.length} matching generation(s).`);
    if (rows.length > 0) {
      await this.adopt(record, rows.map((row) => row.id));
      for (const row of rows) this.onSignal({ generationId: row.id, status: row.status, resultUrl: row.resultUrl, error: row.error, source: 'status-read' });
      return;
    }
    if ((record.resends ?? 0) >= MAX_RESENDS) {
      this.scheduleUnresolvedCheck();
      return;
    }
    await this.journal.update(record.id, (submission) => {
      submission.state = 'submitting';
      submission.resends = (submission.resends ?? 0) + 1;
    });
    try {
      await this.enqueue(record);
    } catch (error) {
      // Nobody awaits a background re-send: its refusal becomes a failure event like any other.
      await this.journal.put(record);
      await this.reportRefusal(record, failureFrom(error));
    }
  }

  private scheduleUnresolvedCheck(): void {
    if (this.unresolvedTimer || this.disposed) return;
    this.unresolvedTimer = setTimeout(() => {
      this.unresolvedTimer = undefined;
      void this.checkUnresolved();
    }, this.options.unresolvedRetryMs ?? 10_000);
    this.unresolvedTimer.unref?.();
  }

  private async checkUnresolved(): Promise<void> {
    const deadline = this.options.unresolvedDeadlineMs ?? 10 * 60_000;
    for (const record of this.journal.all().filter((submission) => submission.state === 'unresolved')) {
      if (Date.now() - record.createdAt < deadline) {
        await this.resolveUnresolved(record);
        continue;
      }
      await this.reportRefusal(record, {
        kind: 'unconfirmed',
        message: 'Oxen never confirmed this request and no matching generation was found. Check your Oxen dashboard before trying again.',
      });
    }
  }

  /** One blocking request, journaled before it leaves; the images it answers are saved like any other. */
  private async requestSync(record: SubmissionRecord): Promise<void> {
    const controller = new AbortController();
    this.syncRequests.set(record.id, controller);
    try {
      const images = await this.honouringRateLimits(() => {
        record.sentAt = Date.now();
        return this.options.client.generateSync({ model: record.model, params: record.params }, controller.signal);
      });
      const generations = images.map((image): GenerationEntry => {
        const id = randomUUID();
        if (image.kind === 'bytes') this.inlineImages.set(id, image.bytes);
        return { id, state: 'downloading', urls: image.kind === 'url' ? [image.url] : [], updatedAt: Date.now() };
      });
      await this.journal.update(record.id, (submission) => {
        submission.state = 'enqueued';
        submission.generations = generations;
      });
      this.changed();
      for (const generation of generations) void this.download(record, generation);
    } catch (error) {
      if (this.disposed) return; // still 'submitting': the reloaded window reports it (SYNC_INTERRUPTED)
      if (record.cancelRequested) {
        const cancelled: GenerationEntry = { id: randomUUID(), state: 'cancelled', updatedAt: Date.now() };
        await this.journal.update(record.id, (submission) => {
          submission.state = 'enqueued';
          submission.generations = [cancelled];
        });
        await this.deliver(record, cancelled);
        return;
      }
      this.options.log?.(`Synchronous request ${record.id} failed: ${(error as Error).message}`);
      await this.reportRefusal(record, syncFailure(error));
    } finally {
      this.syncRequests.delete(record.id);
    }
  }

  /** Sends a sync request again after the user chose Retry on its failure. */
  private async resendSubmission(record: SubmissionRecord): Promise<boolean> {
    if (record.state !== 'refused' || !record.failure?.retryable || record.delivery !== 'sync') return false;
    await this.journal.update(record.id, (submission) => {
      submission.state = 'submitting';
      submission.failure = undefined;
      submission.cancelRequested = undefined;
      submission.resends = (submission.resends ?? 0) + 1;
    });
    this.changed();
    void this.requestSync(record);
    return true;
  }

  private async reportRefusal(record: SubmissionRecord, failure: FailureInfo): Promise<void> {
    await this.journal.update(record.id, (submission) => {
      submission.state = 'refused';
      submission.failure = failure;
    });
    await this.deliver(record, undefined);
  }

  private async adopt(record: SubmissionRecord, generationIds: string[]): Promise<void> {
    await this.journal.update(record.id, (submission) => {
      submission.state = 'enqueued';
      submission.generations = generationIds.map((id) => ({ id, state: 'queued', updatedAt: Date.now() }));
    });
    this.tracker.activityChanged();
    this.changed();
    for (const id of generationIds) {
      const early = this.tracker.takeEarlySignal(id);
      if (early) this.onSignal(early);
    }
    if (record.cancelRequested) {
      for (const id of generationIds) await this.cancel(id).catch((error) => this.options.log?.(`Cancel failed: ${(error as Error).message}`));
    }
  }

  /** Every signal for a generation passes here; only the first terminal one acts (REL-05). */
  private onSignal(signal: GenerationSignal): void {
    const found = this.journal.findGeneration(signal.generationId);
    if (!found || !isInFlight(found.generation.state)) return;
    const { submission, generation } = found;
    switch (signal.status) {
      case 'queued':
        return;
      case 'processing':
        if (generation.state === 'queued') {
          void this.journal.update(submission.id, () => {
            generation.state = 'processing';
            generation.updatedAt = Date.now();
          });
          this.changed();
        }
        return;
      case 'succeeded': {
        generation.state = 'downloading';
        generation.urls = [signal.url, signal.resultUrl].filter((url): url is string => Boolean(url));
        void this.journal.update(submission.id, () => undefined);
        this.tracker.activityChanged();
        this.changed();
        void this.download(submission, generation);
        return;
      }
      case 'failed':
        void this.finish(submission, generation, { state: 'failed', failure: generationFailure(signal.error) });
        return;
      case 'cancelled':
        void this.finish(submission, generation, { state: 'cancelled' });
        return;
    }
  }

  private onUnknownGeneration(generationId: string): void {
    const found = this.journal.findGeneration(generationId);
    if (!found || !isInFlight(found.generation.state)) return;
    void this.finish(found.submission, found.generation, {
      state: 'failed',
      failure: { kind: 'not-found', message: 'Oxen no longer knows this generation.' },
    });
  }

  private download(submission: SubmissionRecord, generation: GenerationEntry): Promise<void> {
    const inline = this.inlineImages.get(generation.id);
    if (submission.delivery === 'sync' && !generation.urls?.length && !inline) {
      return this.finish(submission, generation, { state: 'failed', failure: SYNC_LOST });
    }
    // Only the save holds a download slot: handling the outcome must not keep other downloads waiting (REL-16).
    return this.downloadLimit
      .run(() => this.save(submission, generation, inline))
      .then((outcome) => (outcome ? this.finish(submission, generation, outcome) : undefined));
  }

  /** Downloads and places one image; undefined when the service shut down meanwhile. */
  private async save(
    submission: SubmissionRecord,
    generation: GenerationEntry,
    inline: Buffer | undefined,
  ): Promise<{ state: 'saved'; file: string } | { state: 'failed'; failure: FailureInfo } | undefined> {
    const controller = new AbortController();
    this.downloads.set(generation.id, controller);
    try {
      return { state: 'saved', file: await this.saver.save(submission, generation, controller.signal, inline) };
    } catch (error) {
      if (this.disposed) return undefined; // stays 'downloading' in the journal and restarts on resume
      this.options.log?.(`Saving generation ${generation.id} failed: ${(error as Error).message}`);
      return { state: 'failed', failure: failureFrom(error, !(error instanceof OxenCancelledError)) };
    } finally {
      this.downloads.delete(generation.id);
    }
  }

  private async finish(
    submission: SubmissionRecord,
    generation: GenerationEntry,
    outcome: { state: 'saved'; file: string } | { state: 'failed'; failure: FailureInfo } | { state: 'cancelled' },
  ): Promise<void> {
    await this.journal.update(submission.id, () => {
      generation.state = outcome.state;
      generation.updatedAt = Date.now();
      if (outcome.state === 'saved') generation.file = outcome.file;
      if (outcome.state === 'failed') generation.failure = outcome.failure;
    });
    this.tracker.activityChanged();
    this.changed();
    await this.deliver(submission, generation);
  }

  /**
   * Runs every handler, each within its bound, then lets the journal forget what is fully handled.
   * A saved image whose handling stalled is set aside as a retryable failure instead (REL-16).
   */
  private async deliver(submission: SubmissionRecord, generation: GenerationEntry | undefined): Promise<void> {
    // Shut down: the journal keeps the outcome and the next service (the reloaded window) delivers it.
    if (this.disposed) return;
    const event = this.terminalEvent(submission, generation);
    if (!event) return;
    const stuck = await this.runHandlers(event);
    if (this.disposed) return;
    if (stuck) {
      const what = `Result handling for ${event.generationId ? `generation ${event.generationId}` : `submission ${submission.id}`} is stuck in ${stuck.step} after ${formatWait(stuck.waitedMs)}`;
      if (generation && event.type === 'saved') {
        this.options.log?.(`${what}; set aside as a retryable failure.`);
        this.inlineImages.delete(generation.id); // the image is on disk
        await this.finish(submission, generation, { state: 'failed', failure: stuckFailure(event.file, stuck) });
        return;
      }
      const retryable = event.type === 'failed' && event.failure.retryable;
      this.options.log?.(`${what}; moving on (${retryable ? 'it stays retryable' : `the outcome was ${event.type}, nothing to retry`}).`);
    }
    if (generation && !(generation.state === 'failed' && generation.failure?.retryable)) {
      submission.generations = submission.generations.filter((entry) => entry !== generation);
      this.inlineImages.delete(generation.id);
    }
    if (!generation) submission.generations = [];
    await this.pruneOrPersist(submission);
  }

  /**
   * Every handler in turn, each within the handler bound; one that throws is logged and the next
   * runs. Returns the first stall: the bound passing, or a handler's own step bound (the UI's).
   */
  private async runHandlers(event: TerminalEvent): Promise<StepTimeoutError | undefined> {
    const bound = this.options.handlerTimeoutMs ?? HANDLER_TIMEOUT_MS;
    let stuck: StepTimeoutError | undefined;
    let index = 0;
    for (const handler of this.handlers) {
      index++;
      const step = handler.name ? `the result handler "${handler.name}"` : `result handler ${index}`;
      try {
        await withinBound(step, bound, () => handler(event));
      } catch (error) {
        if (error instanceof StepTimeoutError) stuck ??= error;
        else this.options.log?.(`A result handler failed: ${(error as Error).message}`);
      }
    }
    return stuck;
  }

  /**
   * Retry of a saved image set aside as stuck: its saved event is delivered again rather than
   * downloaded a second time. False when it is not one, or its file is gone (then it is downloaded).
   */
  private redeliverSetAside(submission: SubmissionRecord, generation: GenerationEntry): boolean {
    const file = generation.file;
    if (generation.failure?.kind !== STUCK_KIND || !file || !existsSync(file)) return false;
    void this.finish(submission, generation, { state: 'saved', file }); // 'saved' at once: a second Retry finds nothing
    return true;
  }

  private terminalEvent(submission: SubmissionRecord, generation: GenerationEntry | undefined): TerminalEvent | undefined {
    if (!generation) {
      return submission.failure ? { type: 'failed', generationId: undefined, submission, failure: submission.failure } : undefined;
    }
    switch (generation.state) {
      case 'saved':
        return generation.file ? { type: 'saved', generationId: generation.id, submission, file: generation.file } : undefined;
      case 'failed':
        return { type: 'failed', generationId: generation.id, submission, failure: generation.failure ?? generationFailure(undefined) };
      case 'cancelled':
        return { type: 'cancelled', generationId: generation.id, submission };
      default:
        return undefined;
    }
  }

  private async pruneOrPersist(submission: SubmissionRecord): Promise<void> {
    const awaitingRetry = submission.state === 'refused' && submission.failure?.retryable === true;
    if (submission.generations.length === 0 && submission.state !== 'submitting' && submission.state !== 'unresolved' && !awaitingRetry) {
      await this.journal.remove(submission.id);
    } else {
      await this.journal.update(submission.id, () => undefined);
    }
    this.changed();
  }

  private isGenerationInFlight(generationId: string): boolean {
    const found = this.journal.findGeneration(generationId);
    return found !== undefined && isInFlight(found.generation.state);
  }

  private downloadingIds(): string[] {
    return [...this.downloads.keys()];
  }

  private claimedIds(): Set<string> {
    return new Set(this.journal.all().flatMap((submission) => submission.generations.map((generation) => generation.id)));
  }

  private changed(): void {
    this.options.onChange?.();
  }
}
