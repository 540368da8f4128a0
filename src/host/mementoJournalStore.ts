import type { JournalBatch, JournalStore, SubmissionRecord } from '../generation/journal';

/** Earlier builds kept the whole journal as one snapshot under this key; it is migrated on load. */
const LEGACY_SNAPSHOT_KEY = 'oxenImageStudio.journal';
const RECORD_KEY_PREFIX = 'oxenImageStudio.journal/';

/** What the store needs of a `vscode.Memento` (a Map-backed one in tests and benchmarks). */
export interface JournalMemento {
  keys(): readonly string[];
  get(key: string): unknown;
  update(key: string, value: unknown): PromiseLike<void>;
}

function legacySubmissions(value: unknown): unknown[] {
  const submissions = (value as { submissions?: unknown } | undefined)?.submissions;
  return Array.isArray(submissions) ? submissions : [];
}

function recordKey(submissionId: string): string {
  return `${RECORD_KEY_PREFIX}${submissionId}`;
}

/**
 * Keeps the generation journal in the workspace's Memento, so a reload of this window finds the
 * generations it started (REL-06). Kept per workspace because destinations and links point into
 * it. One key per submission: a change rewrites that submission only, where a single snapshot
 * made every change cost the whole journal.
 */
export class MementoJournalStore implements JournalStore {
  constructor(private readonly memento: JournalMemento) {}

  read(): unknown[] {
    this.migrateLegacySnapshot();
    return this.recordKeys().map((key) => this.memento.get(key));
  }

  async write(batch: JournalBatch): Promise<void> {
    await Promise.all([
      ...batch.put.map((submission) => this.memento.update(recordKey(submission.id), submission)),
      ...batch.remove.map((id) => this.memento.update(recordKey(id), undefined)),
    ]);
  }

  /**
   * Whether the journal holds unfinished work, read without loading the core: it decides
   * whether activation must load the core and resume.
   */
  hasPendingWork(): boolean {
    return this.recordKeys().length > 0 || legacySubmissions(this.memento.get(LEGACY_SNAPSHOT_KEY)).length > 0;
  }

  private recordKeys(): string[] {
    return this.memento.keys().filter((key) => key.startsWith(RECORD_KEY_PREFIX));
  }

  /**
   * Moves a single-snapshot journal to one key per submission. A Memento applies updates to what
   * `get` returns at once and stores the updates of one turn together, so the records are
   * readable now and the snapshot disappears in the same write that stores them. Should that
   * write fail, the snapshot is still on disk and the next load migrates it again.
   */
  private migrateLegacySnapshot(): void {
    const legacy = this.memento.get(LEGACY_SNAPSHOT_KEY);
    if (legacy === undefined) return;
    const existing = new Set(this.recordKeys());
    const moves = legacySubmissions(legacy)
      .filter((submission): submission is SubmissionRecord => typeof (submission as SubmissionRecord | null)?.id === 'string')
      .filter((submission) => !existing.has(recordKey(submission.id)))
      .map((submission) => this.memento.update(recordKey(submission.id), submission));
    void Promise.all([...moves, this.memento.update(LEGACY_SNAPSHOT_KEY, undefined)]).catch(() => undefined);
  }
}
