/**
 * The journal is the memory that makes a paid generation survive a crash or a reload: a
 * submission is written before `POST /api/ai/queue` is sent and updated with its generation ids
 * after (REL-06); each generation stays until its terminal event has been handled by the UI.
 */

export type SubmissionState =
  /** Written before the enqueue request leaves. */
  | 'submitting'
  /** The enqueue request may or may not have reached Oxen: reconcile before any re-send (REL-07). */
  | 'unresolved'
  | 'enqueued'
  /** Oxen refused it; kept until the failure is handled. */
  | 'refused';

export type GenerationState =
  | 'queued'
  | 'processing'
  | 'downloading'
  /** The temp file is being linked to `file`; used to finish exactly once after a crash. */
  | 'finalizing'
  | 'saved'
  | 'failed'
  | 'cancelled';

export interface FailureInfo {
  kind: string;
  message: string;
  /** A download that failed after Oxen succeeded: retrying costs nothing and loses nothing. */
  retryable?: boolean;
}

export interface GenerationEntry {
  id: string;
  state: GenerationState;
  /** The SSE event's presigned URL and the row's `result_url`, in the order to try them. */
  urls?: string[];
  file?: string;
  failure?: FailureInfo;
  updatedAt: number;
}

export interface Destination {
  /** Absolute folder the image is saved in. */
  folder: string;
  /** File name without extension; `-1`, `-2`… are added on collision. */
  baseName: string;
}

export interface SubmissionRecord {
  id: string;
  createdAt: number;
  model: string;
  /** Parameters exactly as sent (including the seed that makes the submission recognisable). */
  params: Record<string, unknown>;
  numGenerations: number;
  destination: Destination;
  /** Where the UI wants the result (document, position, placeholder); opaque to the core. */
  target?: unknown;
  /** Groups the submissions of one user request (one per seed). */
  batchId: string;
  indexInBatch: number;
  state: SubmissionState;
  cancelRequested?: boolean;
  /** Re-sends of an unconfirmed enqueue, each made only after a lookup found nothing (REL-07). */
  resends?: number;
  /**
   * How the result is fetched (REL-15): absent for the queue with the event stream and status
   * reads; 'polling' for the queue with status reads only; 'sync' for one blocking
   * `POST /api/ai/images/generate`, which gives no id to recover the request by.
   */
  delivery?: 'polling' | 'sync';
  /** When the enqueue request was last sent (ms): the stream was open before it, or not. */
  sentAt?: number;
  failure?: FailureInfo;
  generations: GenerationEntry[];
}

/** Generations still being made at Oxen: the tracker watches these. */
const IN_FLIGHT_STATES: ReadonlySet<GenerationState> = new Set(['queued', 'processing']);

export function isInFlight(state: GenerationState): boolean {
  return IN_FLIGHT_STATES.has(state);
}

/** One turn's changes to the journal: the records to store (whole) and the ids to forget. */
export interface JournalBatch {
  put: readonly SubmissionRecord[];
  remove: readonly string[];
}

/**
 * Where the journal lives: one entry per submission (a Memento in the extension, memory in
 * tests), so a change costs the size of the submission it changed, not of the whole journal.
 */
export interface JournalStore {
  /** Every stored submission record, in any order. */
  read(): unknown[];
  /** Stores the batch; copies the records before it returns (the journal keeps changing them). */
  write(batch: JournalBatch): Promise<void>;
}

function isSubmissionRecord(value: unknown): value is SubmissionRecord {
  const record = value as SubmissionRecord | null;
  return typeof record === 'object' && record !== null && typeof record.id === 'string' && Array.isArray(record.generations);
}

function creationOrder(a: SubmissionRecord, b: SubmissionRecord): number {
  return a.createdAt - b.createdAt || a.indexInBatch - b.indexInBatch;
}

/**
 * In-memory view of the journal, indexed by generation id. Changes apply at once; writes are
 * coalesced: the submissions changed in one turn of the event loop are stored by ONE batch, and
 * each caller's promise resolves when the batch holding its change is stored. Every operation a
 * stream event triggers costs O(1) in the number of submissions: 1,000 generations in flight must
 * not cost O(n²) (see docs/performance.md).
 */
export class Journal {
  private readonly submissions = new Map<string, SubmissionRecord>();
  /** Generation id → the submission holding it, kept in step by every put, update and remove. */
  private readonly owners = new Map<string, SubmissionRecord>();
  /** Submission id → the generation ids indexed for it, to unindex them on the next change. */
  private readonly indexed = new Map<string, readonly string[]>();
  private readonly inFlight = new Set<string>();
  /** The in-flight generations of requests that asked for polling. */
  private readonly polledInFlight = new Set<string>();
  /** Submissions changed since the last batch was taken. */
  private readonly changed = new Set<string>();
  private stored: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: JournalStore) {
    for (const submission of store.read().filter(isSubmissionRecord).sort(creationOrder)) {
      this.submissions.set(submission.id, submission);
      this.index(submission);
    }
  }

  get size(): number {
    return this.submissions.size;
  }

  all(): SubmissionRecord[] {
    return [...this.submissions.values()];
  }

  get(submissionId: string): SubmissionRecord | undefined {
    return this.submissions.get(submissionId);
  }

  findGeneration(generationId: string): { submission: SubmissionRecord; generation: GenerationEntry } | undefined {
    const submission = this.owners.get(generationId);
    const generation = submission?.generations.find((entry) => entry.id === generationId);
    return submission && generation ? { submission, generation } : undefined;
  }

  /** The ids of the generations in flight (queued or processing); a live view, not a copy. */
  inFlightIds(): ReadonlySet<string> {
    return this.inFlight;
  }

  /** The in-flight generations whose request asked for polling; a live view, not a copy. */
  polledInFlightIds(): ReadonlySet<string> {
    return this.polledInFlight;
  }

  /** Records or replaces a submission; resolves once stored. */
  put(submission: SubmissionRecord): Promise<void> {
    this.unindex(submission.id);
    this.submissions.set(submission.id, submission);
    this.index(submission);
    return this.persist(submission.id);
  }

  /**
   * Applies a change to a submission (or records one made to it directly); resolves once stored.
   * Every change to a submission or its generations must be followed by this, put or remove.
   */
  update(submissionId: string, change: (submission: SubmissionRecord) => void): Promise<void> {
    const submission = this.submissions.get(submissionId);
    if (!submission) return this.pending ?? this.stored;
    change(submission);
    this.unindex(submissionId);
    this.index(submission);
    return this.persist(submissionId);
  }

  remove(submissionId: string): Promise<void> {
    this.unindex(submissionId);
    this.submissions.delete(submissionId);
    return this.persist(submissionId);
  }

  flush(): Promise<void> {
    return this.pending ?? this.stored;
  }

  /**
   * Stores what is pending, then stops writing: the store now belongs to whoever starts next (the
   * reloaded window), and a late answer reaching a disposed service must not overwrite its journal.
   */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }

  private index(submission: SubmissionRecord): void {
    const ids = submission.generations.map((generation) => generation.id);
    this.indexed.set(submission.id, ids);
    for (const generation of submission.generations) {
      this.owners.set(generation.id, submission);
      if (!isInFlight(generation.state)) continue;
      this.inFlight.add(generation.id);
      if (submission.delivery === 'polling') this.polledInFlight.add(generation.id);
    }
  }

  private unindex(submissionId: string): void {
    for (const id of this.indexed.get(submissionId) ?? []) {
      this.owners.delete(id);
      this.inFlight.delete(id);
      this.polledInFlight.delete(id);
    }
    this.indexed.delete(submissionId);
  }

  private persist(submissionId: string): Promise<void> {
    if (this.closed) return this.flush();
    this.changed.add(submissionId);
    if (this.pending) return this.pending;
    const write = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.pending = undefined;
      await this.store.write(this.takeBatch());
    };
    const next = this.stored.then(write, write);
    this.pending = next;
    this.stored = next;
    return next;
  }

  private takeBatch(): JournalBatch {
    const put: SubmissionRecord[] = [];
    const remove: string[] = [];
    for (const id of this.changed) {
      const submission = this.submissions.get(id);
      if (submission) put.push(submission);
      else remove.push(id);
    }
    this.changed.clear();
    return { put, remove };
  }
}
