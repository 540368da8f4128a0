/**
 * The workspace history the gallery shows, with the real `vscode.EventEmitter`: `record` and
 * `remove` change the list and fire `onDidChange` (the sidebar refreshes the gallery on it),
 * a generation delivered again replaces its entry, and removing an unknown id changes nothing.
 */
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { HistoryStore, type HistoryEntry } from '../../../src/host/historyStore';

/** An in-memory Memento: what workspaceState does, minus the disk. */
class MemoryMemento implements vscode.Memento {
  private readonly values = new Map<string, unknown>();
  keys(): readonly string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, defaultValue?: T): T | undefined {
    return (this.values.has(key) ? this.values.get(key) : defaultValue) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, value);
  }
}

function entry(generationId: string, document?: string): HistoryEntry {
  return {
    generationId,
    model: 'krea-v2-large-text-to-image',
    prompt: `prompt ${generationId}`,
    params: { seed: 1 },
    file: `assets/generated/${generationId}.png`,
    workspaceFolder: 'ws',
    created: new Date().toISOString(),
    ...(document ? { document } : {}),
  };
}

describe('history store (the gallery’s source)', () => {
  it('records newest first, replaces a redelivered generation, removes by id, and fires onDidChange for each change', async () => {
    const history = new HistoryStore(new MemoryMemento());
    let changes = 0;
    const subscription = history.onDidChange(() => (changes += 1));
    try {
      await history.record(entry('a', 'docs/guide.md'));
      await history.record(entry('b'));
      await history.record({ ...entry('a', 'docs/guide.md'), prompt: 'again' });
      assert.deepEqual(
        history.list().map((item) => [item.generationId, item.prompt, item.document]),
        [
          ['a', 'again', 'docs/guide.md'],
          ['b', 'prompt b', undefined],
        ],
      );
      assert.equal(changes, 3);

      await history.remove('a');
      assert.deepEqual(history.list().map((item) => item.generationId), ['b']);
      assert.equal(changes, 4);

      await history.remove('unknown');
      assert.equal(changes, 4, 'nothing removed, nothing fired');
    } finally {
      subscription.dispose();
      history.dispose();
    }
  });
});
