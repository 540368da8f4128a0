/**
 * Faults on our side of a download (issue 7): a full disk, a read-only destination and a folder
 * we may not write to, injected at each call of the save path; the destination folder deleted
 * while the image is made or downloaded; a shutdown between journal write and enqueue answer; and
 * two services (two windows) saving into one folder at once. All over real HTTP against the
 * emulator. Goal: nothing lost (the paid generation stays in the journal, retryable, and Retry
 * saves it without a new charge), a failure kind the UI turns into "free space, then Retry",
 * no partial or temp file left. REL-05, REL-06, REL-09, SEC-12.
 */
import * as assert from 'node:assert/strict';
import { existsSync, promises as fs, readdirSync, watch } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import type { SubmissionRecord } from '../../src/generation/journal';
import type { GenerationService, GenerationServiceOptions } from '../../src/generation/service';
import type { Emulator } from '../emulator/server';
import { FaultyFileSystem, type FaultCode, type FaultPoint } from './support/faultyFileSystem';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { useEmulator, waitFor } from './support/oxen';
import { startTestService } from './support/testService';

const KREA = 'krea-v2-large-text-to-image';
const KIND_BY_CODE: Record<Exclude<FaultCode, 'ENOTSUP'>, string> = {
  ENOSPC: 'disk-full',
  EROFS: 'read-only-destination',
  EACCES: 'destination-not-writable',
};
const CODES = Object.keys(KIND_BY_CODE) as Array<keyof typeof KIND_BY_CODE>;
const POINTS: FaultPoint[] = ['mkdir', 'open', 'write', 'sync', 'link'];

/** Figures for the closing note of issue 7. */
const figures = { faultsInjected: 0, generations: 0, lost: 0, tempFilesLeft: 0 };

interface Window {
  service: GenerationService;
  store: MemoryJournalStore;
  events: TerminalEvent[];
}

const services: GenerationService[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

after(() => {
  console.log(`      disk faults: ${JSON.stringify(figures)}`);
});

async function newFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-disk-faults-'));
  folders.push(folder);
  return folder;
}

function openWindow(emulator: Emulator, options: Partial<GenerationServiceOptions> = {}, store = new MemoryJournalStore()): Window {
  const started = startTestService(emulator, store, options);
  services.push(started.service);
  return { ...started, store };
}

function request(folder: string, prompt = 'a lighthouse in a storm') {
  return { model: KREA, params: { prompt, seed: 77 }, count: 1, destination: { folder, baseName: 'lighthouse' } };
}

async function imagesIn(folder: string): Promise<string[]> {
  return (await fs.readdir(folder)).filter((name) => !name.startsWith('.')).sort();
}

async function tempFilesIn(folder: string): Promise<string[]> {
  return (await fs.readdir(folder).catch(() => [])).filter((name) => name.endsWith('.part'));
}

function journalHolds(store: MemoryJournalStore, generationId: string): boolean {
  const submissions = store.read() as SubmissionRecord[];
  return submissions.some((submission) => submission.generations.some((entry) => entry.id === generationId));
}

function enqueueCount(emulator: Emulator): number {
  return emulator.requests.filter((r) => r.method === 'POST' && r.path === '/api/ai/queue').length;
}

/** Checks the end state every scenario must reach, and counts it in the figures. */
async function assertSavedOnce(emulator: Emulator, window: Window, folder: string, expectedImages: number): Promise<void> {
  const saved = window.events.filter((event) => event.type === 'saved');
  const images = await imagesIn(folder);
  const temps = await tempFilesIn(folder);
  figures.generations += emulator.generations().length;
  figures.lost += emulator.generations().length - saved.length;
  figures.tempFilesLeft += temps.length;
  assert.equal(saved.length, expectedImages, 'every generation ended saved');
  assert.equal(images.length, expectedImages, `one file per generation: ${images.join(', ')}`);
  assert.deepEqual(temps, [], 'no temp file left');
  assert.equal(emulator.generations().length, expectedImages, 'no generation made (or billed) twice');
  assert.equal(window.service.hasPendingWork(), false, 'the journal drained');
}

describe('faults on our side: a full, read-only or forbidden disk during a download (REL-09)', function () {
  this.timeout(20_000);
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  async function failThenRetry(fileSystem: FaultyFileSystem, code: keyof typeof KIND_BY_CODE): Promise<string> {
    const folder = await newFolder();
    const window = openWindow(emulator(), { fileSystem });
    // Big enough that the body arrives in several chunks, so a write can fail mid-stream.
    emulator().faults.set({ imagePadBytes: 300_000 });
    const {
      generationIds: [id],
    } = await window.service.submit(request(folder));
    await waitFor(() => window.events.length === 1, 8000, 'the failure');

    const failed = window.events[0];
    assert.ok(failed.type === 'failed', `expected a failure, got ${failed.type}`);
    assert.equal(failed.failure.kind, KIND_BY_CODE[code], 'classified so the UI can say what to do');
    assert.equal(failed.failure.retryable, true, 'Oxen already made the image: Retry costs nothing');
    assert.match(failed.failure.message, new RegExp(code), "node's own words, naming the call and the path");
    assert.deepEqual(await imagesIn(folder), [], 'no partial image under a final name');
    assert.deepEqual(await tempFilesIn(folder), [], 'no temp file left after the failure');
    assert.ok(journalHolds(window.store, id), 'the journal keeps the paid generation');
    assert.ok(window.service.views().some((view) => view.generationId === id && view.state === 'failed' && view.failure?.retryable));

    // The user freed space (the armed fault is spent) and chose Retry Download.
    assert.equal(await window.service.retry(id), true);
    await waitFor(() => window.events.length === 2, 8000, 'the retried download');
    assert.equal(window.events[1].type, 'saved');
    await assertSavedOnce(emulator(), window, folder, 1);
    assert.equal(enqueueCount(emulator()), 1, 'Retry downloads again; it never enqueues again');
    const [image] = await imagesIn(folder);
    const metadata = JSON.parse(readPngText(await fs.readFile(path.join(folder, image))).get(PNG_TEXT_KEYWORD) ?? '{}');
    assert.equal(metadata.generationId, id, 'the complete image, parameters embedded');
    return image;
  }

  for (const code of CODES) {
    for (const point of POINTS) {
      it(`${code} at ${point}: failure kept and retryable, nothing left on disk, Retry saves it once`, async () => {
        const fileSystem = new FaultyFileSystem();
        fileSystem.arm(point, code);
        assert.equal(await failThenRetry(fileSystem, code), 'lighthouse.png');
        assert.equal(fileSystem.injected, 1, `the ${point} fault fired`);
        figures.faultsInjected += fileSystem.injected;
      });
    }

    it(`${code} moving the file in where hard links are unsupported: no empty file keeps the final name`, async () => {
      const fileSystem = new FaultyFileSystem();
      fileSystem.arm('link', 'ENOTSUP', Number.POSITIVE_INFINITY);
      fileSystem.arm('rename', code);
      assert.equal(await failThenRetry(fileSystem, code), 'lighthouse.png');
      assert.ok(fileSystem.injected >= 3, 'link refused on both attempts, rename failed once');
      figures.faultsInjected += fileSystem.injected;
    });
  }
});

describe('faults on our side: the destination folder deleted mid-generation', function () {
  this.timeout(20_000);
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  it('deleted while Oxen is still making the image: recreated on save', async () => {
    const parent = await newFolder();
    const folder = path.join(parent, 'docs', 'images');
    const window = openWindow(emulator());
    emulator().hold(true);
    const {
      generationIds: [id],
    } = await window.service.submit(request(folder));
    await fs.rm(path.join(parent, 'docs'), { recursive: true, force: true });
    figures.faultsInjected += 1;
    emulator().settle(id, { status: 'succeeded' });
    await waitFor(() => window.events.length === 1, 8000, 'the saved image');
    assert.equal(window.events[0].type, 'saved');
    await assertSavedOnce(emulator(), window, folder, 1);
  });

  it('deleted mid-download: the folder is made again and the image downloaded again, once', async () => {
    const folder = path.join(await newFolder(), 'images');
    const window = openWindow(emulator());
    emulator().faults.set({ slowBodyBytesPerSec: 100_000, imagePadBytes: 200_000 });
    await window.service.submit(request(folder));
    await waitFor(() => hasTempFile(folder), 8000, 'the download writing its temp file');
    await fs.rm(folder, { recursive: true, force: true });
    figures.faultsInjected += 1;
    emulator().faults.set({ slowBodyBytesPerSec: null });
    await waitFor(() => window.events.length === 1, 10_000, 'the saved image');
    assert.equal(window.events[0].type, 'saved', JSON.stringify(window.events[0]));
    await assertSavedOnce(emulator(), window, folder, 1);
    assert.equal(emulator().requests.filter((r) => r.origin === 'storage').length, 2, 'downloaded again into the recreated folder');
  });
});

describe('faults on our side: a shutdown at the edges of a save (REL-06)', function () {
  this.timeout(20_000);
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  it('the disposed service writes nothing more; the next one finds the generation and saves it once', async () => {
    const folder = await newFolder();
    const store = new MemoryJournalStore();
    const first = openWindow(emulator(), {}, store);
    emulator().hold(true);
    emulator().faults.set({ enqueueAnswerDelayMs: 1500 });
    const submitted = first.service.submit(request(folder)).catch((error: unknown) => error);
    await waitFor(() => emulator().generations().length === 1, 5000, 'the generation created at Oxen');
    await first.service.dispose();
    const atShutdown = JSON.stringify(store.read());
    const journaled = store.read() as SubmissionRecord[];
    assert.deepEqual(
      journaled.map((submission) => [submission.state, submission.generations.length]),
      [['submitting', 0]],
      'shut down after the journal write, before the answer',
    );
    await submitted; // the late answer (or the aborted request) reaches the disposed service
    await new Promise((resolve) => setTimeout(resolve, 1700));
    assert.equal(JSON.stringify(store.read()), atShutdown, 'a disposed service never overwrites the journal');
    figures.faultsInjected += 1;

    emulator().faults.set({ enqueueAnswerDelayMs: 0 });
    const second = openWindow(emulator(), {}, store);
    await second.service.resume();
    const id = emulator().generations()[0].generation_id;
    await waitFor(() => second.service.views().some((view) => view.generationId === id), 5000, 'the generation adopted by lookup');
    emulator().settle(id, { status: 'succeeded' });
    await waitFor(() => second.events.length === 1, 8000, 'the saved image');
    await assertSavedOnce(emulator(), second, folder, 1);
    assert.equal(enqueueCount(emulator()), 1, 'found by lookup, not re-sent (REL-07)');
    assert.equal(first.events.length, 0);
  });

  it('shut down right after the file is placed: the outcome reaches the UI once, through the next service (REL-05)', async () => {
    const folder = await newFolder();
    const store = new MemoryJournalStore();
    const first = openWindow(emulator(), {}, store);
    emulator().hold(true);
    const {
      generationIds: [id],
    } = await first.service.submit(request(folder));
    let disposed: Promise<void> | undefined;
    const watcher = watch(folder, () => {
      if (disposed || !readdirSync(folder).some((name) => !name.startsWith('.'))) return;
      disposed = first.service.dispose();
    });
    emulator().settle(id, { status: 'succeeded' });
    await waitFor(() => disposed !== undefined, 5000, 'the placed file');
    watcher.close();
    await disposed;
    figures.faultsInjected += 1;

    const second = openWindow(emulator(), {}, store);
    await second.service.resume();
    await waitFor(() => second.events.length === 1, 5000, 'the outcome delivered after the restart');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(first.events, [], 'the disposed service handed nothing to the UI');
    await assertSavedOnce(emulator(), second, folder, 1);
  });
});

describe('faults on our side: two windows saving into one folder at once (model of two extension hosts)', function () {
  this.timeout(30_000);
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  it('colliding names give distinct files, each window gets exactly its own results (REL-05, SEC-12)', async () => {
    const folder = await newFolder();
    // Two windows: two services, two journals (workspace state is per window), one folder, one name.
    const windows = [openWindow(emulator()), openWindow(emulator())];
    const rounds = 3;
    const perRequest = 4;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(windows.map((window, index) => window.service.submit({ ...request(folder, `window ${index} round ${round}`), count: perRequest })));
    }
    const expectedEach = rounds * perRequest;
    await waitFor(() => windows.every((window) => window.events.length === expectedEach), 20_000, 'every image of both windows');

    const owner = new Map<string, number>();
    windows.forEach((window, index) => {
      for (const event of window.events) {
        assert.ok(event.type === 'saved', JSON.stringify(event));
        assert.equal(owner.has(event.generationId), false, `generation ${event.generationId} handled by one window only`);
        owner.set(event.generationId, index);
        assert.match(String(event.submission.params.prompt), new RegExp(`^window ${index} `), 'each window handles its own requests');
      }
    });
    const images = await imagesIn(folder);
    assert.equal(images.length, 2 * expectedEach, `distinct files: ${images.join(', ')}`);
    for (const image of images) {
      const metadata = JSON.parse(readPngText(await fs.readFile(path.join(folder, image))).get(PNG_TEXT_KEYWORD) ?? '{}');
      const window = owner.get(metadata.generationId);
      assert.ok(window !== undefined, `${image} belongs to a generation a window saved`);
      const event = windows[window].events.find((entry) => entry.generationId === metadata.generationId);
      assert.ok(event?.type === 'saved' && path.basename(event.file) === image, `${image} is the file its window reported`);
    }
    assert.deepEqual(await tempFilesIn(folder), []);
    assert.equal(emulator().generations().length, 2 * expectedEach);
    figures.generations += emulator().generations().length;
    figures.lost += emulator().generations().length - owner.size;
    assert.ok(windows.every((window) => !window.service.hasPendingWork()), 'both journals drained');
  });
});

function hasTempFile(folder: string): boolean {
  return existsSync(folder) && readdirSync(folder).some((name) => name.endsWith('.part'));
}
