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
  failure?: FailureInfo;
  generations: GenerationEntry[];
}

export interface JournalSnapshot {
  version: 1;
  submissions: SubmissionRecord[];
}

/** Where the journal lives: a Memento in the extension, memory or a file in tests. */
export interface JournalStore {
  read(): unknown;
  write(snapshot: JournalSnapshot): Promise<void>;
}

function isSnapshot(value: unknown): value is JournalSnapshot {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as JournalSnapshot).version === 1 &&
    Array.isArray((value as JournalSnapshot).submissions)
  );
}

/**
 * In-memory view of the journal. Changes apply at once; writes are coalesced: every change made
 * in one turn of the event loop is persisted by ONE snapshot, and each caller's promise resolves
 * when the snapshot holding its change is stored. (A snapshot per change made 1,000 generations
 * in flight cost O(n²) copying and stalled the event loop for seconds.)
 */
export class Journal {
  private readonly submissions = new Map<string, SubmissionRecord>();
  private stored: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly store: JournalStore) {
    const stored = store.read();
    if (isSnapshot(stored)) {
      for (const submission of stored.submissions) this.submissions.set(submission.id, submission);
    }
  }

  all(): SubmissionRecord[] {
    return [...this.submissions.values()];
  }

  get(submissionId: string): SubmissionRecord | undefined {
    return this.submissions.get(submissionId);
  }

  findGeneration(generationId: string): { submission: SubmissionRecord; generation: GenerationEntry } | undefined {
    for (const submission of this.submissions.values()) {
      const generation = submission.generations.find((entry) => entry.id === generationId);
      if (generation) return { submission, generation };
    }
    return undefined;
  }

  /** Records or replaces a submission; resolves once stored. */
  put(submission: SubmissionRecord): Promise<void> {
    this.submissions.set(submission.id, submission);
    return this.persist();
  }

  /** Applies a change to a submission; resolves once stored. */
  update(submissionId: string, change: (submission: SubmissionRecord) => void): Promise<void> {
    const submission = this.submissions.get(submissionId);
    if (!submission) return this.pending ?? this.stored;
    change(submission);
    return this.persist();
  }

  remove(submissionId: string): Promise<void> {
    this.submissions.delete(submissionId);
    return this.persist();
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

  private persist(): Promise<void> {
    if (this.closed) return this.flush();
    if (this.pending) return this.pending;
    const write = async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.pending = undefined;
      await this.store.write({ version: 1, submissions: structuredClone(this.all()) });
    };
    const next = this.stored.then(write, write);
    this.pending = next;
    this.stored = next;
    return next;
  }
}
