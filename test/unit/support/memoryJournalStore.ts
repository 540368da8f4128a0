import { MementoJournalStore, type JournalMemento } from '../../../src/host/mementoJournalStore';

/**
 * A workspace Memento kept in memory. Like VS Code's, it copies each value as JSON when it is
 * updated, and `undefined` deletes the key.
 */
export class MemoryMemento implements JournalMemento {
  private readonly values = new Map<string, unknown>();

  keys(): readonly string[] {
    return [...this.values.keys()];
  }

  get(key: string): unknown {
    return this.values.get(key);
  }

  async update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

/** The journal's store for tests and benchmarks: the extension's Memento store over memory. */
export class MemoryJournalStore extends MementoJournalStore {
  constructor(memento: MemoryMemento = new MemoryMemento()) {
    super(memento);
  }
}
