import type { JournalSnapshot, JournalStore } from '../../../src/generation/journal';

/** The journal's store for tests: what the extension keeps in a Memento, kept in memory. */
export class MemoryJournalStore implements JournalStore {
  private value: unknown;
  read(): unknown {
    return this.value === undefined ? undefined : structuredClone(this.value);
  }
  async write(snapshot: JournalSnapshot): Promise<void> {
    this.value = structuredClone(snapshot);
  }
}
