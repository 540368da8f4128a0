import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import type { LiveUpdates } from '../../src/generation/liveUpdates';
import type { DeliveryMode, GenerationService, GenerationServiceOptions } from '../../src/generation/service';
import type { Emulator, EmulatorOptions } from '../emulator/server';
import type { SseNetwork } from '../emulator/faults';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { useEmulator, waitFor } from './support/oxen';
import { startTestService } from './support/testService';

const KREA = 'krea-v2-large-text-to-image';
/** Scaled intervals: the emulator's keep-alive and the client's, one tenth of the documented 15 s. */
const KEEP_ALIVE_MS = 600;
const POLL_MS = 200;

const services: GenerationService[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

interface Harness {
  service: GenerationService;
  events: TerminalEvent[];
  folder: string;
  modes: LiveUpdates[];
}

async function harness(emulator: Emulator, tracker: GenerationServiceOptions['tracker'] = {}, store = new MemoryJournalStore()): Promise<Harness> {
  const modes: LiveUpdates[] = [];
  const started = startTestService(emulator, store, {
    tracker: { keepAliveMs: KEEP_ALIVE_MS, pollIntervalMs: POLL_MS, reconcileIntervalMs: 60_000, backoff: { initialMs: 100, maxMs: 400 }, ...tracker },
    onLiveUpdates: (updates) => modes.push(updates),
  });
  services.push(started.service);
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-delivery-'));
  folders.push(folder);
  return { ...started, folder, modes };
}

function request(folder: string, seed: number, delivery?: DeliveryMode, count = 1) {
  return { model: KREA, params: { prompt: 'a lighthouse at dusk', seed }, count, destination: { folder, baseName: `light-${seed}` }, delivery };
}

/** Processing at the emulator takes 50 ms: a latency from submission is one from completion plus that. */
async function msToSave(h: Harness, submit: () => Promise<unknown>): Promise<number> {
  const before = h.events.filter((event) => event.type === 'saved').length;
  const started = Date.now();
  await submit();
  await savedWithin(h, before + 1, 10_000);
  return Date.now() - started;
}

async function savedWithin(h: Harness, count: number, timeoutMs: number): Promise<void> {
  await waitFor(() => h.events.filter((event) => event.type === 'saved').length >= count, timeoutMs, `${count} saved image(s)`);
}

function requestsTo(emulator: Emulator, method: string, pathPrefix: string): number {
  return emulator.requests.filter((r) => r.method === method && r.path.startsWith(pathPrefix)).length;
}

function brokenStream(network: SseNetwork | null, extra: EmulatorOptions = {}): () => Emulator {
  const emulator = useEmulator({ keepAliveMs: KEEP_ALIVE_MS, timing: { queuedMs: 10, processingMs: 40 }, ...extra });
  if (network) beforeEach(() => emulator().faults.set({ sseNetwork: network }));
  return emulator;
}

describe('delivery behind networks that break the event stream (REL-14)', () => {
  describe('a proxy that buffers the stream', () => {
    const emulator = brokenStream('buffering');

    it('notices the silence past the keep-alive interval, polls, and says why', async () => {
      const h = await harness(emulator());
      const started = Date.now();
      await h.service.submit(request(h.folder, 1));
      await savedWithin(h, 1, 10_000);
      // Silence is noticed at 1.25 × keep-alive; before the adaptation it took the 3 × watchdog.
      assert.ok(Date.now() - started < KEEP_ALIVE_MS * 2, `saved after ${Date.now() - started} ms`);
      assert.equal(h.service.liveUpdates.mode, 'polling');
      assert.deepEqual(h.modes.at(-1), { mode: 'polling', reason: 'stream-silent', intervalMs: POLL_MS });
      // Once shown unreliable, later images arrive within the poll interval (plus the download).
      const latency = await msToSave(h, () => h.service.submit(request(h.folder, 2)));
      assert.ok(latency < POLL_MS + 1000, `second image saved ${latency} ms after it was sent`);
    });
  });

  describe('a proxy that cuts every stream after a moment', () => {
    const emulator = brokenStream(null, { timing: { queuedMs: 10, processingMs: 1200 } });

    it('polls while the stream reconnects and saves every image once', async () => {
      emulator().faults.set({ sseDropAfterMs: 300 });
      const h = await harness(emulator(), { backoff: { initialMs: 300, maxMs: 1200 } });
      await h.service.submit(request(h.folder, 10, 'auto', 3));
      await savedWithin(h, 3, 8000);
      assert.equal((await fs.readdir(h.folder)).filter((name) => name.endsWith('.png')).length, 3);
      assert.ok(emulator().sse.total() >= 2, 'the stream was cut and reopened');
      assert.ok(h.modes.some((mode) => mode.mode === 'polling' && mode.reason === 'stream-down'), 'said it polls while reconnecting');
    });
  });

  describe('a captive portal answering with an HTML page', () => {
    const emulator = brokenStream('captive-portal');

    it('polls from the first refusal and names what answered', async () => {
      const h = await harness(emulator());
      const started = Date.now();
      await h.service.submit(request(h.folder, 20));
      await savedWithin(h, 1, 5000);
      // No wait for a stream that was refused: the request goes out at once and is polled.
      assert.ok(Date.now() - started < 1000 + POLL_MS, `saved after ${Date.now() - started} ms`);
      assert.deepEqual(h.service.liveUpdates, {
        mode: 'polling',
        reason: 'stream-refused',
        intervalMs: POLL_MS,
        refusal: { status: 200, contentType: 'text/html' },
      });
    });
  });

  describe('an answer without the text/event-stream content type', () => {
    const emulator = brokenStream('wrong-content-type');

    it('does not read it as a stream, and polls', async () => {
      const h = await harness(emulator());
      await h.service.submit(request(h.folder, 30));
      await savedWithin(h, 1, 5000);
      const live = h.service.liveUpdates;
      assert.ok(live.mode === 'polling' && live.reason === 'stream-refused');
      assert.equal(live.refusal?.contentType, 'application/octet-stream');
    });
  });

  describe('a proxy that filters out the completion events', () => {
    const emulator = brokenStream('filter-completions');
    /** The safety read; the first image may wait for it, as only a status read can reveal the loss. */
    const SAFETY_MS = 4000;

    it('finds the loss at the safety read, then polls at the poll interval', async () => {
      const h = await harness(emulator(), { reconcileIntervalMs: SAFETY_MS });
      const first = await msToSave(h, () => h.service.submit(request(h.folder, 40)));
      assert.ok(first < SAFETY_MS + 2000, `first image saved ${first} ms after it was sent`);
      assert.deepEqual(h.service.liveUpdates, { mode: 'polling', reason: 'missed-completion', intervalMs: POLL_MS });
      assert.equal(h.service.streamState, 'open', 'the stream itself looks healthy all along');
      const latency = await msToSave(h, () => h.service.submit(request(h.folder, 41)));
      // Without the adaptation this image would wait for the next safety read (seconds), not one poll.
      assert.ok(latency < POLL_MS + 1000, `second image saved ${latency} ms after it was sent`);
    });

    it('returns to the stream once it announces a completion before a status read finds it', async () => {
      const h = await harness(emulator(), { reconcileIntervalMs: SAFETY_MS, pollIntervalMs: 2500 });
      await h.service.submit(request(h.folder, 50));
      await savedWithin(h, 1, SAFETY_MS + 3000);
      assert.equal(h.service.liveUpdates.mode, 'polling');
      // The network heals: new connections get every event; the current one is cut to reconnect.
      emulator().faults.set({ sseNetwork: null, sseDropAfterMs: 0 });
      await waitFor(() => h.service.streamState !== 'open', 3000, 'the cut');
      emulator().faults.set({ sseDropAfterMs: null });
      await waitFor(() => h.service.streamState === 'open', 5000, 'the stream to reopen');
      await h.service.submit(request(h.folder, 51));
      await savedWithin(h, 2, 5000);
      assert.equal(h.service.liveUpdates.mode, 'stream');
      assert.deepEqual(h.modes.at(-1), { mode: 'stream' });
    });
  });

  describe('a stream in odd but valid framing', () => {
    const emulator = brokenStream(null);

    it('is read as a healthy stream: BOM, CRLF, no space after colons, ids, retry lines, split JSON', async () => {
      emulator().faults.set({ sseFraming: 'odd' });
      const h = await harness(emulator());
      await h.service.submit(request(h.folder, 55, 'auto', 2));
      await savedWithin(h, 2, 3000);
      assert.equal(h.service.statusReads, 0, 'both completions came over the stream');
      assert.equal(h.service.liveUpdates.mode, 'stream');
    });
  });

  describe('a healthy stream', () => {
    const emulator = brokenStream(null);

    it('stays on the stream with zero status reads (PERF-03)', async () => {
      const h = await harness(emulator());
      await h.service.submit(request(h.folder, 60, 'auto', 2));
      await savedWithin(h, 2, 5000);
      // Long enough for a silence check to have fired, were the keep-alives not counted.
      await new Promise((resolve) => setTimeout(resolve, KEEP_ALIVE_MS * 1.5));
      assert.equal(h.service.liveUpdates.mode, 'stream');
      assert.equal(h.service.statusReads, 0);
      assert.deepEqual(h.modes, []);
    });
  });
});

describe('every documented delivery mode (REL-15)', () => {
  describe('polling', () => {
    const emulator = brokenStream(null, { timing: { queuedMs: 10, processingMs: 700 } });

    it('never opens the event stream and reads status at the poll interval only', async () => {
      const h = await harness(emulator());
      const started = Date.now();
      await h.service.submit(request(h.folder, 70, 'polling', 2));
      await savedWithin(h, 2, 5000);
      const elapsed = Date.now() - started;
      assert.equal(emulator().sse.total(), 0, 'no GET /api/events');
      assert.equal(requestsTo(emulator(), 'GET', '/api/events'), 0);
      assert.deepEqual(h.service.liveUpdates, { mode: 'polling', reason: 'setting', intervalMs: POLL_MS });
      // Per generation: 1 enqueue + one read per elapsed poll interval (rounded up) + 1 download.
      const reads = requestsTo(emulator(), 'GET', '/api/ai/queue/');
      const perGenerationBound = Math.ceil(elapsed / POLL_MS) + 1;
      assert.ok(reads <= 2 * perGenerationBound, `${reads} status reads for 2 generations in ${elapsed} ms`);
      assert.equal(requestsTo(emulator(), 'POST', '/api/ai/queue'), 2);
    });
  });

  describe('sync', () => {
    const emulator = brokenStream(null);

    it('makes one blocking request per image and saves what the URL answer points at', async () => {
      const store = new MemoryJournalStore();
      const h = await harness(emulator(), {}, store);
      const result = await h.service.submit(request(h.folder, 80, 'sync', 2));
      assert.deepEqual(result.generationIds, [], 'Oxen gives no id before it answers');
      const journaled = store.read() as Array<{ delivery?: string; state: string }>;
      assert.equal(journaled.length, 2, 'both requests journaled before they left');
      assert.ok(journaled.every((record) => record.delivery === 'sync' && record.state === 'submitting'));
      await savedWithin(h, 2, 5000);
      assert.equal(requestsTo(emulator(), 'POST', '/api/ai/images/generate'), 2);
      assert.equal(requestsTo(emulator(), 'POST', '/api/ai/queue'), 0);
      assert.equal(emulator().sse.total(), 0);
      assert.equal(emulator().requests.filter((r) => r.origin === 'storage').length, 2, 'one download per image');
    });

    describe('answered with inline bytes', () => {
      const inlineEmulator = brokenStream(null, { variants: { syncImage: 'b64_json' } });

      it('saves the bytes without a second request', async () => {
        const h = await harness(inlineEmulator());
        await h.service.submit(request(h.folder, 90, 'sync'));
        await savedWithin(h, 1, 5000);
        const saved = h.events[0];
        assert.ok(saved?.type === 'saved');
        const bytes = await fs.readFile(saved.file);
        assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
        assert.equal(inlineEmulator().requests.filter((r) => r.origin === 'storage').length, 0);
        assert.equal(inlineEmulator().requests.length, 1);
      });
    });

  });

  describe('sync, reloaded while Oxen works', () => {
    const emulator = brokenStream(null, { timing: { queuedMs: 10, processingMs: 1500 } });

    it('says it cannot be recovered and offers Retry, which sends it again', async () => {
      const store = new MemoryJournalStore();
      const first = await harness(emulator(), {}, store);
      await first.service.submit(request(first.folder, 100, 'sync'));
      await waitFor(() => requestsTo(emulator(), 'POST', '/api/ai/images/generate') === 1, 3000, 'the request to leave');
      await first.service.dispose();

      const second = await harness(emulator(), {}, store);
      await second.service.resume();
      await waitFor(() => second.events.length === 1, 3000, 'the failure');
      const failure = second.events[0];
      assert.ok(failure?.type === 'failed');
      assert.equal(failure.failure.kind, 'sync-interrupted');
      assert.equal(failure.failure.retryable, true);
      assert.equal(second.service.views()[0]?.state, 'failed', 'kept for Retry');

      assert.equal(await second.service.retry(failure.submission.id), true);
      await savedWithin(second, 1, 8000);
      assert.equal(requestsTo(emulator(), 'POST', '/api/ai/images/generate'), 2, 'Retry sent it once more');
      await waitFor(() => !second.service.hasPendingWork(), 3000, 'the journal to drain');
    });
  });
});
