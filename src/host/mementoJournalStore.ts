import type * as vscode from 'vscode';
import type { JournalSnapshot, JournalStore } from '../generation/journal';

const JOURNAL_STATE_KEY = 'oxenImageStudio.journal';

/**
 * Keeps the generation journal in the workspace's Memento, so a reload of this window finds the
 * generations it started (REL-06). Kept per workspace because destinations and links point into it.
 */
export class MementoJournalStore implements JournalStore {
  constructor(private readonly memento: vscode.Memento) {}

  read(): unknown {
    return this.memento.get(JOURNAL_STATE_KEY);
  }

  async write(snapshot: JournalSnapshot): Promise<void> {
    await this.memento.update(JOURNAL_STATE_KEY, snapshot);
  }

  /**
   * Whether the journal holds unfinished work, read without loading the core: it decides
   * whether activation must load the core and resume.
   */
  hasPendingWork(): boolean {
    const stored = this.read() as Partial<JournalSnapshot> | undefined;
    return Array.isArray(stored?.submissions) && stored.submissions.length > 0;
  }
}
