import * as assert from 'node:assert/strict';
import { Journal, type JournalBatch, type JournalStore, type SubmissionRecord } from '../../src/generation/journal';
import { MementoJournalStore } from '../../src/host/mementoJournalStore';
import { MemoryJournalStore, MemoryMemento } from './support/memoryJournalStore';

const LEGACY_KEY = 'oxenImageStudio.journal';

function submission(id: string, generationIds: string[] = [], createdAt = 1): SubmissionRecord {
  return {
    id,
    createdAt,
    model: 'krea-v2-large-text-to-image',
    params: { prompt: `prompt ${id}`, seed: 1 },
    numGenerations: Math.max(1, generationIds.length),
    destination: { folder: '/tmp/images', baseName: id },
    batchId: `batch-${id}`,
    indexInBatch: 0,
    state: generationIds.length > 0 ? 'enqueued' : 'submitting',
    generations: generationIds.map((generationId) => ({ id: generationId, state: 'queued', updatedAt: createdAt })),
  };
}

/** Records every batch the journal writes, copied as it was at that moment. */
function recordingStore(inner: JournalStore = new MemoryJournalStore()): { store: JournalStore; batches: JournalBatch[] } {
  const batches: JournalBatch[] = [];
  const store: JournalStore = {
    read: () => inner.read(),
    write: async (batch) => {
      batches.push(structuredClone({ put: [...batch.put], remove: [...batch.remove] }));
      await inner.write(batch);
    },
  };
  return { store, batches };
}

describe('generation journal', () => {
  it('stores only the submission a change touched, not the whole journal (REL-06, scale)', async () => {
    const { store, batches } = recordingStore();
    const journal = new Journal(store);
    await Promise.all(['a', 'b', 'c'].map((id) => journal.put(submission(id, [`gen-${id}`]))));
    batches.length = 0;

    await journal.update('b', (record) => {
      record.generations[0].state = 'processing';
    });
    await journal.remove('c');

    assert.deepEqual(
      batches.map((batch) => ({ put: batch.put.map((record) => record.id), remove: batch.remove })),
      [
        { put: ['b'], remove: [] },
        { put: [], remove: ['c'] },
      ],
    );
    assert.equal(batches[0].put[0].generations[0].state, 'processing');
  });

  it('stores every change made in one turn with one batch, and each caller waits for it (REL-06)', async () => {
    const { store, batches } = recordingStore();
    const journal = new Journal(store);
    const writes = [journal.put(submission('a')), journal.put(submission('b')), journal.remove('a')];
    assert.equal(batches.length, 0, 'nothing is stored before the turn ends');
    await Promise.all(writes);
    assert.deepEqual(batches, [{ put: [submission('b')], remove: ['a'] }]);
  });

  it('a new journal over the same store finds what the old one stored (REL-06)', async () => {
    const memento = new MemoryMemento();
    const first = new Journal(new MemoryJournalStore(memento));
    await first.put(submission('later', ['gen-2'], 20));
    await first.put(submission('earlier', ['gen-1'], 10));
    await first.put(submission('gone', ['gen-3'], 30));
    await first.update('later', (record) => {
      record.generations[0].state = 'downloading';
    });
    await first.remove('gone');

    const second = new Journal(new MemoryJournalStore(memento));
    assert.deepEqual(second.all().map((record) => record.id), ['earlier', 'later'], 'in submission order');
    assert.equal(second.findGeneration('gen-2')?.generation.state, 'downloading');
    assert.equal(second.findGeneration('gen-3'), undefined);
    assert.deepEqual([...second.inFlightIds()], ['gen-1']);
  });

  it('keeps its generation index and in-flight set in step with every change', async () => {
    const journal = new Journal(new MemoryJournalStore());
    const record = submission('a');
    await journal.put(record);
    assert.equal(journal.inFlightIds().size, 0);

    await journal.update('a', (changed) => {
      changed.generations = [
        { id: 'gen-1', state: 'queued', updatedAt: 2 },
        { id: 'gen-2', state: 'queued', updatedAt: 2 },
      ];
    });
    assert.deepEqual([...journal.inFlightIds()].sort(), ['gen-1', 'gen-2']);
    assert.equal(journal.findGeneration('gen-2')?.submission, record);

    record.generations[0].state = 'downloading';
    await journal.update('a', () => undefined);
    assert.deepEqual([...journal.inFlightIds()], ['gen-2']);

    await journal.update('a', (changed) => {
      changed.generations = changed.generations.filter((generation) => generation.id !== 'gen-2');
    });
    assert.equal(journal.findGeneration('gen-2'), undefined);
    assert.equal(journal.inFlightIds().size, 0);

    await journal.remove('a');
    assert.equal(journal.findGeneration('gen-1'), undefined);
    assert.equal(journal.size, 0);
  });

  it('migrates a journal stored as one snapshot by an earlier build, once (REL-06)', async () => {
    const memento = new MemoryMemento();
    await memento.update(LEGACY_KEY, { version: 1, submissions: [submission('old-1', ['gen-1']), submission('old-2', ['gen-2'], 5)] });
    const store = new MementoJournalStore(memento);
    assert.equal(store.hasPendingWork(), true, 'activation sees the pending work before the core loads');

    const journal = new Journal(store);
    assert.deepEqual(journal.all().map((record) => record.id), ['old-1', 'old-2']);
    assert.deepEqual([...journal.inFlightIds()].sort(), ['gen-1', 'gen-2']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(memento.get(LEGACY_KEY), undefined, 'the snapshot is gone');
    assert.equal(memento.keys().length, 2, 'one key per submission');

    await journal.remove('old-1');
    const reloaded = new Journal(new MementoJournalStore(memento));
    assert.deepEqual(reloaded.all().map((record) => record.id), ['old-2'], 'a removed record does not come back');
  });

  it('prefers a record under its own key to the copy in a leftover snapshot (REL-06)', async () => {
    const memento = new MemoryMemento();
    const newer = submission('a', ['gen-1']);
    newer.generations[0].state = 'processing';
    await memento.update(`${LEGACY_KEY}/a`, newer);
    await memento.update(LEGACY_KEY, { version: 1, submissions: [submission('a', ['gen-1'])] });
    const journal = new Journal(new MementoJournalStore(memento));
    assert.equal(journal.findGeneration('gen-1')?.generation.state, 'processing');
    assert.equal(journal.size, 1);
  });

  it('reports no pending work for an empty or drained journal', async () => {
    const memento = new MemoryMemento();
    const store = new MementoJournalStore(memento);
    assert.equal(store.hasPendingWork(), false);
    const journal = new Journal(store);
    await journal.put(submission('a'));
    assert.equal(store.hasPendingWork(), true);
    await journal.remove('a');
    assert.equal(store.hasPendingWork(), false);
    await memento.update(LEGACY_KEY, { version: 1, submissions: [] });
    assert.equal(store.hasPendingWork(), false, 'an empty snapshot holds no work');
  });
});
