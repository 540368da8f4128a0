import type { JournalSnapshot, JournalStore } from '../../../src/generation/journal';

/**
 * Keeps the latest journal snapshot by reference. In the extension the journal lives in VS Code's
 * workspace Memento, whose own serialisation is the host's cost; the unit tests'
 * MemoryJournalStore deep-copies every write, a cost the extension never pays. This store adds
 * nothing, so the figures are the generation service's own work.
 */
export class ReferenceJournalStore implements JournalStore {
  private latest: JournalSnapshot | undefined;

  read(): unknown {
    return this.latest;
  }

  async write(snapshot: JournalSnapshot): Promise<void> {
    this.latest = snapshot;
  }
}
