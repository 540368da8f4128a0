import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import type { JournalStore, SubmissionRecord } from '../../src/generation/journal';
import { MemoryJournalStore } from './support/memoryJournalStore';
import type { GenerationService, GenerationServiceOptions } from '../../src/generation/service';
import type { Emulator } from '../emulator/server';
import { clientFor, useEmulator, waitFor } from './support/oxen';
import { startTestService } from './support/testService';

const KREA = 'krea-v2-large-text-to-image';

interface Harness {
  service: GenerationService;
  events: TerminalEvent[];
  folder: string;
}

const services: GenerationService[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

async function newFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-service-'));
  folders.push(folder);
  return folder;
}

function startService(emulator: Emulator, store: JournalStore, overrides: Partial<GenerationServiceOptions> = {}): Omit<Harness, 'folder'> {
  const started = startTestService(emulator, store, overrides);
  services.push(started.service);
  return started;
}

async function harness(emulator: Emulator, overrides: Partial<GenerationServiceOptions> = {}, store: JournalStore = new MemoryJournalStore()): Promise<Harness> {
  return { ...startService(emulator, store, overrides), folder: await newFolder() };
}

function request(folder: string, prompt = 'a red fox in fresh snow', extra: Record<string, unknown> = {}) {
  return { model: KREA, params: { prompt, seed: 1234, aspect_ratio: '16:9', ...extra }, count: 1, destination: { folder, baseName: 'fox' } };
}

async function imagesIn(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).filter((name) => !name.startsWith('.')).sort();
}

async function tempFilesIn(folder: string): Promise<string[]> {
  return (await fs.readdir(folder).catch(() => [])).filter((name) => name.endsWith('.part'));
}

describe('generation service (against the emulator)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 10, processingMs: 40 } });

  it('saves each image once with its parameters embedded, over one stream and zero status reads (PERF-03)', async () => {
    const { service, events, folder } = await harness(emulator());
    const result = await service.submit({ ...request(folder), count: 2 });
    assert.equal(result.generationIds.length, 2);
    await waitFor(() => events.length === 2, 5000, 'two saved events');
    assert.deepEqual(events.map((event) => event.type), ['saved', 'saved']);
    assert.deepEqual(await imagesIn(folder), ['fox-1.png', 'fox.png']);
    const seeds = new Set<number>();
    for (const event of events) {
      assert.ok(event.type === 'saved');
      const metadata = JSON.parse(readPngText(await fs.readFile(event.file)).get(PNG_TEXT_KEYWORD) ?? '{}');
      assert.equal(metadata.model, KREA);
      assert.equal(metadata.prompt, 'a red fox in fresh snow');
      assert.equal(metadata.generationId, event.generationId);
      assert.equal(metadata.params.aspect_ratio, '16:9');
      seeds.add(metadata.seed);
    }
    assert.deepEqual([...seeds].sort(), [1234, 1235], 'each image has its own seed');
    assert.equal(emulator().sse.total(), 1, 'one SSE connection');
    assert.equal(service.statusReads, 0, 'no status polls while the stream is healthy');
    assert.equal(service.hasPendingWork(), false, 'the journal forgot what is fully handled');
    const storage = emulator().requests.filter((r) => r.origin === 'storage');
    assert.equal(storage.length, 2, 'downloaded from the presigned URLs');
    assert.ok(storage.every((r) => r.authorization === undefined), 'SEC-04: no key to the storage origin');
  });

  it('names each image of a batch from its own parameters (its seed)', async () => {
    const { service, events, folder } = await harness(emulator());
    await service.submit({
      ...request(folder),
      count: 2,
      destination: async (params) => ({ folder, baseName: `fox-${String(params.seed)}` }),
    });
    await waitFor(() => events.length === 2, 5000, 'two images named by their seeds');
    assert.deepEqual(await imagesIn(folder), ['fox-1234.png', 'fox-1235.png']);
  });

  it('keeps one connection for many generations in flight (PERF-03)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().hold(true);
    const submissions = await Promise.all(Array.from({ length: 10 }, (_, i) => service.submit(request(folder, `picture ${i}`))));
    const ids = submissions.flatMap((s) => s.generationIds);
    for (const id of ids) emulator().settle(id, { status: 'succeeded' });
    await waitFor(() => events.length === 10, 8000, 'ten saved');
    assert.equal(emulator().sse.total(), 1);
    assert.equal(emulator().sse.open(), 1);
    assert.equal(service.statusReads, 0);
    assert.equal((await imagesIn(folder)).length, 10);
  });

  it('delivers a completion that happened while the stream was down, by one status read after reconnect (REL-04)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().hold(true);
    const { generationIds } = await service.submit(request(folder));
    emulator().faults.set({ sseDropAfterMs: 0 });
    emulator().faults.set({ httpErrors: [{ path: '/api/events', status: 503, retryAfter: '1', times: 1 }] });
    await waitFor(() => emulator().sse.open() === 0, 3000, 'stream dropped');
    emulator().faults.set({ sseDropAfterMs: null });
    emulator().settle(generationIds[0], { status: 'succeeded' });
    await waitFor(() => events.length === 1, 8000, 'saved after reconnect');
    assert.equal(events[0].type, 'saved');
    assert.ok(service.statusReads >= 1);
  });

  it('handles duplicate signals for one generation exactly once (REL-05)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().hold(true);
    const { generationIds } = await service.submit(request(folder));
    const [id] = generationIds;
    emulator().settle(id, { status: 'succeeded' });
    await waitFor(() => emulator().generation(id)?.status === 'succeeded');
    const row = await clientFor(emulator().apiUrl).getGeneration(id);
    const duplicate = JSON.stringify({ generation_id: id, status: 'succeeded', media_type: 'image', model: KREA, url: row.resultUrl });
    emulator().emit('media_generation_completed', duplicate);
    emulator().emit('media_generation_completed', duplicate);
    await Promise.all([service.reconcile(), service.reconcile()]);
    await waitFor(() => events.length >= 1, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(events.length, 1, 'one terminal event');
    assert.deepEqual(await imagesIn(folder), ['fox.png'], 'one file');
    const downloads = emulator().requests.filter((r) => r.origin === 'storage' || r.path.includes('/file/'));
    assert.equal(downloads.length, 1, 'one download');
  });

  it('journals a submission before the enqueue is sent and its ids after (REL-06)', async () => {
    const writes: Array<{ at: number; stored: SubmissionRecord[] }> = [];
    const store = new MemoryJournalStore();
    const recording: JournalStore = {
      read: () => store.read(),
      write: async (batch) => {
        writes.push({ at: Date.now(), stored: structuredClone([...batch.put]) });
        await store.write(batch);
      },
    };
    const { service, events, folder } = await harness(emulator(), {}, recording);
    emulator().hold(true);
    const { generationIds } = await service.submit(request(folder));
    const post = emulator().requests.find((r) => r.method === 'POST' && r.path === '/api/ai/queue');
    assert.ok(post);
    const before = writes.find((write) => write.stored[0]?.state === 'submitting');
    assert.ok(before && before.at <= post.at, 'journaled before the POST');
    const after = writes.find((write) => write.stored[0]?.generations[0]?.id === generationIds[0]);
    assert.ok(after && after.at >= post.at, 'ids journaled after');
    emulator().settle(generationIds[0], { status: 'succeeded' });
    await waitFor(() => events.length === 1);
  });

  it('finishes a generation after a reload and hands the result to the new window, target intact (REL-06)', async () => {
    const store = new MemoryJournalStore();
    const folder = await newFolder();
    const first = startService(emulator(), store);
    emulator().hold(true);
    const target = { uri: 'file:///docs/guide.md', placeholder: 'p-1' };
    const { generationIds } = await first.service.submit({ ...request(folder), target });
    await first.service.dispose();
    emulator().settle(generationIds[0], { status: 'succeeded' });
    const second = startService(emulator(), store);
    assert.ok(second.service.hasPendingWork());
    await second.service.resume();
    await waitFor(() => second.events.length === 1, 5000, 'resumed generation saved');
    const event = second.events[0];
    assert.ok(event.type === 'saved');
    assert.deepEqual(event.submission.target, target);
    assert.equal(first.events.length, 0);
    assert.deepEqual(await imagesIn(folder), ['fox.png']);
  });

  it('after an ambiguous enqueue failure finds the generation instead of re-sending: no duplicate, no double charge (REL-07)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().faults.set({ resetAfterEnqueue: 1 });
    const { generationIds } = await service.submit(request(folder));
    assert.equal(generationIds.length, 1);
    await waitFor(() => events.length === 1, 5000);
    assert.equal(emulator().generations().length, 1, 'exactly one generation exists at Oxen');
    assert.equal(emulator().requests.filter((r) => r.method === 'POST' && r.path === '/api/ai/queue').length, 1, 'not re-sent');
    assert.deepEqual(await imagesIn(folder), ['fox.png']);
  });

  it('re-sends once when the lookup shows an ambiguous enqueue never created anything (REL-07)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().faults.set({ httpErrors: [{ method: 'POST', path: '/api/ai/queue', status: 502, times: 1 }] });
    const { generationIds } = await service.submit(request(folder));
    assert.equal(generationIds.length, 1);
    await waitFor(() => events.length === 1, 5000);
    assert.equal(emulator().generations().length, 1);
    const lookups = emulator().requests.filter((r) => r.method === 'GET' && r.path === '/api/ai/queue');
    assert.ok(lookups.length >= 1, 'looked before re-sending');
  });

  it('falls back to result_url, with the key, when the presigned URL has expired (REL-08)', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().faults.set({ expirePresigned: true });
    await service.submit(request(folder));
    await waitFor(() => events.length === 1, 5000);
    assert.equal(events[0].type, 'saved');
    const storage = emulator().requests.filter((r) => r.origin === 'storage');
    assert.ok(storage.length >= 1 && storage.every((r) => !r.authorization));
    const fallback = emulator().requests.filter((r) => r.origin === 'api' && r.path.includes('/file/'));
    assert.equal(fallback.length, 1);
    assert.ok(fallback[0].authorization?.startsWith('Bearer '));
  });

  it('waits out a 429 on the status read that fetches result_url, instead of failing the save (REL-08)', async () => {
    const store = new MemoryJournalStore();
    const first = await harness(emulator(), {}, store);
    emulator().hold(true);
    const { generationIds } = await first.service.submit(request(first.folder));
    const id = generationIds[0]!;
    await first.service.dispose();
    emulator().settle(id, { status: 'succeeded' });
    // As a reload finds it: downloading, with no URL known yet.
    const [record] = store.read() as SubmissionRecord[];
    record!.generations[0]!.state = 'downloading';
    await store.write({ put: [record!], remove: [] });
    emulator().faults.set({ httpErrors: [{ method: 'GET', path: `/api/ai/queue/${id}`, status: 429, retryAfter: '0', times: 1 }] });
    const second = await harness(emulator(), {}, store);
    await second.service.resume();
    await waitFor(() => second.events.length === 1, 8000, 'the outcome');
    assert.equal(second.events[0]!.type, 'saved');
    assert.equal(emulator().faults.injected().httpError, 1, 'the 429 was met');
  });

  it('never leaves a partial file: truncated bodies are retried, then reported as retryable; retry saves it (REL-09)', async () => {
    const { service, events, folder } = await harness(emulator(), { downloadAttempts: 2 });
    emulator().faults.set({ downloadBody: 'truncated' });
    const { generationIds } = await service.submit(request(folder));
    await waitFor(() => events.length === 1, 8000);
    const failed = events[0];
    assert.ok(failed.type === 'failed' && failed.failure.retryable);
    assert.deepEqual(await imagesIn(folder), [], 'no partial image under a final name');
    assert.deepEqual(await tempFilesIn(folder), [], 'temp file removed');
    emulator().faults.set({ downloadBody: 'image' });
    assert.equal(await service.retry(generationIds[0]), true);
    await waitFor(() => events.length === 2, 5000);
    assert.equal(events[1].type, 'saved');
    assert.deepEqual(await imagesIn(folder), ['fox.png']);
    assert.equal(service.hasPendingWork(), false);
  });

  it('aborts a body over the size cap (REL-09)', async () => {
    const { service, events, folder } = await harness(emulator(), { maxDownloadBytes: 20_000 });
    emulator().faults.set({ imagePadBytes: 200_000 });
    await service.submit(request(folder));
    await waitFor(() => events.length === 1, 5000);
    assert.equal(events[0].type, 'failed');
    assert.deepEqual(await imagesIn(folder), []);
    assert.deepEqual(await tempFilesIn(folder), []);
  });

  it('refuses bytes that are not an image and never overwrites an existing file (SEC-12)', async () => {
    const { service, events, folder } = await harness(emulator());
    await fs.writeFile(path.join(folder, 'fox.png'), 'mine');
    emulator().faults.set({ downloadBody: 'html' });
    await service.submit(request(folder));
    await waitFor(() => events.length === 1, 5000);
    assert.ok(events[0].type === 'failed' && events[0].failure.kind === 'bad-response');
    emulator().faults.set({ downloadBody: 'image' });
    await service.submit(request(folder, 'another'));
    await waitFor(() => events.length === 2, 5000);
    assert.deepEqual(await imagesIn(folder), ['fox-1.png', 'fox.png']);
    assert.equal(await fs.readFile(path.join(folder, 'fox.png'), 'utf8'), 'mine', 'existing file untouched');
  });

  it('restarts a download killed by a reload and cleans its temp file (REL-09)', async () => {
    const store = new MemoryJournalStore();
    const folder = await newFolder();
    const first = startService(emulator(), store);
    emulator().faults.set({ slowBodyBytesPerSec: 20_000, imagePadBytes: 400_000 });
    await first.service.submit(request(folder));
    await waitFor(() => emulator().requests.some((r) => r.origin === 'storage'), 5000, 'download started');
    await new Promise((resolve) => setTimeout(resolve, 150));
    await first.service.dispose();
    assert.deepEqual(await imagesIn(folder), [], 'nothing under the final name');
    emulator().faults.set({ slowBodyBytesPerSec: null });
    const second = startService(emulator(), store);
    await second.service.resume();
    await waitFor(() => second.events.length === 1, 8000);
    assert.equal(second.events[0].type, 'saved');
    assert.deepEqual(await imagesIn(folder), ['fox.png']);
    assert.deepEqual(await tempFilesIn(folder), []);
  });

  it('dispose aborts the stream, polls and downloads within 2 s (REL-10)', async () => {
    const { service, folder } = await harness(emulator());
    emulator().faults.set({ slowBodyBytesPerSec: 1000, imagePadBytes: 1_000_000 });
    await service.submit(request(folder));
    await waitFor(() => emulator().requests.some((r) => r.origin === 'storage'), 5000, 'download started');
    const started = Date.now();
    await service.dispose();
    assert.ok(Date.now() - started < 2000, `dispose took ${Date.now() - started} ms`);
    await waitFor(() => emulator().sse.open() === 0, 1000, 'stream closed');
  });

  it('cancels: DELETE is sent and the cancellation is reported though the stream never says so', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().hold(true);
    const { generationIds } = await service.submit(request(folder));
    assert.equal(await service.cancel(generationIds[0]), true);
    assert.equal(events[0]?.type, 'cancelled');
    assert.equal(emulator().generation(generationIds[0])?.status, 'cancelled');
    assert.equal(service.hasPendingWork(), false);
  });

  it('reports a failed generation with Oxen\'s reason, classified', async () => {
    const { service, events, folder } = await harness(emulator());
    await service.submit(request(folder, 'insufficient credits please'));
    await waitFor(() => events.length === 1, 5000);
    assert.ok(events[0].type === 'failed');
    assert.equal(events[0].failure.kind, 'insufficient-credits');
  });

  it('throws Oxen\'s refusal from submit and journals nothing', async () => {
    const { service, folder } = await harness(emulator());
    await assert.rejects(service.submit({ ...request(folder), model: 'no-such-model' }), /does not exist/);
    assert.equal(service.hasPendingWork(), false);
  });

  it('reports the refused part of a batch as failures and keeps the accepted part', async () => {
    const { service, events, folder } = await harness(emulator());
    emulator().hold(true);
    emulator().faults.set({ httpErrors: [{ method: 'POST', path: '/api/ai/queue', status: 402, body: '{"error":{"message":"Insufficient credits"}}', times: 1 }] });
    const { generationIds } = await service.submit({ ...request(folder), count: 3 });
    assert.equal(generationIds.length, 2);
    await waitFor(() => events.length === 1);
    assert.ok(events[0].type === 'failed' && events[0].failure.kind === 'insufficient-credits');
    assert.equal(events[0].generationId, undefined);
  });

  it('falls back to polling at the poll interval when the stream is unavailable (PERF-04)', async () => {
    emulator().faults.set({ httpErrors: [{ path: '/api/events', status: 503, times: 1000 }] });
    const { service, events, folder } = await harness(emulator(), {
      tracker: { pollIntervalMs: 100, openWaitMs: 200, backoff: { initialMs: 5000, maxMs: 5000 } },
    });
    await service.submit(request(folder));
    await waitFor(() => events.length === 1, 5000, 'saved by polling');
    assert.equal(emulator().sse.total(), 0);
    assert.ok(service.statusReads >= 1);
  });

  it('keeps polling on time while a failing stream flaps between states (PERF-04)', async () => {
    emulator().faults.set({ httpErrors: [{ path: '/api/events', status: 503, times: 100_000 }] });
    const { service, events, folder } = await harness(emulator(), {
      tracker: { pollIntervalMs: 250, openWaitMs: 100, backoff: { initialMs: 20, maxMs: 40 } },
    });
    emulator().hold(true);
    const { generationIds } = await service.submit(request(folder));
    const settledAt = Date.now();
    emulator().settle(generationIds[0], { status: 'succeeded' });
    await waitFor(() => events.length === 1, 3000, 'saved by the poll despite the flapping stream');
    assert.ok(Date.now() - settledAt < 1000, `took ${Date.now() - settledAt} ms with a 250 ms poll`);
    assert.ok(emulator().requests.filter((r) => r.path === '/api/events').length > 5, 'the stream did flap');
  });

  it('stops and asks for a key once when the stream is unauthorized', async () => {
    let asked = 0;
    emulator().faults.set({ httpErrors: [{ path: '/api/events', status: 401, times: 1000 }] });
    const { service, folder } = await harness(emulator(), { onUnauthorized: () => asked++, tracker: { openWaitMs: 300 } });
    emulator().hold(true);
    await service.submit(request(folder));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(asked, 1);
    assert.equal(emulator().requests.filter((r) => r.path === '/api/events').length, 1, 'no retry loop');
  });
});
