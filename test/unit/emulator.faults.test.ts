import * as assert from 'node:assert/strict';
import { request } from 'undici';
import type { ChaosConfig } from '../emulator/faults';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';
import { apiClient, call, sleep, waitUntil } from '../emulator/testing/client';
import { EventStreamProbe } from '../emulator/testing/eventStream';
import { PNG_SIGNATURE, readPng } from '../emulator/testing/pngReader';

const KREA = 'krea-v2-large-text-to-image';
const NO_CHAOS: ChaosConfig = {
  seed: 1,
  sseDropRate: 0,
  http5xxRate: 0,
  http429Rate: 0,
  slowBodyRate: 0,
  expiredUrlRate: 0,
  resetAfterEnqueueRate: 0,
  stallRate: 0,
};

describe('emulator: fault injection', () => {
  const running: Emulator[] = [];
  const probes: EventStreamProbe[] = [];
  async function start(options: EmulatorOptions = { timing: { queuedMs: 5, processingMs: 20 } }) {
    const emulator = await startEmulator(options);
    running.push(emulator);
    return { emulator, api: apiClient(emulator.apiUrl) };
  }
  async function subscribe(emulator: Emulator): Promise<EventStreamProbe> {
    const probe = await EventStreamProbe.open(emulator.apiUrl);
    probes.push(probe);
    return probe;
  }
  afterEach(async () => {
    probes.splice(0).forEach((probe) => probe.close());
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  });

  /** A finished generation and both of its download URLs. */
  async function finishedImage(emulator: Emulator): Promise<{ id: string; resultUrl: string; presignedUrl: string }> {
    const probe = await subscribe(emulator);
    const reply = await call(`${emulator.apiUrl}/api/ai/queue`, 'POST', { body: { model: KREA, prompt: 'a kite', seed: 3 } });
    const id = reply.json().generations[0].generation_id;
    await probe.waitForCompletions(1);
    return { id, resultUrl: emulator.generation(id)?.result_url as string, presignedUrl: probe.completions()[0].url };
  }

  describe('httpErrors', () => {
    it('answers a matching method and path with the status, Retry-After and body, `times` times', async () => {
      const { emulator, api } = await start();
      emulator.faults.set({ httpErrors: [{ method: 'GET', path: '/api/ai/models', status: 429, retryAfter: '7', body: '{"error":{"message":"Rate limit exceeded"}}', times: 2 }] });
      for (let attempt = 0; attempt < 2; attempt++) {
        const reply = await api.get('/api/ai/models');
        assert.equal(reply.status, 429);
        assert.equal(reply.headers['retry-after'], '7');
        assert.equal(reply.headers['content-type'], 'application/json; charset=utf-8');
        assert.deepEqual(reply.json(), { error: { message: 'Rate limit exceeded' } });
      }
      assert.equal((await api.get('/api/ai/models')).status, 200);
      assert.deepEqual(emulator.faults.current().httpErrors, [], 'a spent fault is removed');
    });

    it('matches prefixes ending in "*", any method when none is given, and other methods not at all', async () => {
      const { emulator, api } = await start();
      emulator.faults.set({ httpErrors: [{ method: 'POST', path: '/api/ai/*', status: 500, times: 1 }, { path: '/api/ai/generations', status: 503, times: 5 }] });
      assert.equal((await api.get('/api/ai/models')).status, 200, 'GET is not POST');
      const injected = await api.post('/api/ai/queue', { model: KREA, prompt: 'x' });
      assert.equal(injected.status, 500);
      assert.equal(injected.json().error.type, 'unknown_error', 'default body: the typed envelope');
      assert.equal(emulator.generations().length, 0, 'an injected error happens before the handler');
      assert.equal((await api.get('/api/ai/generations')).status, 503);
      assert.equal((await api.get('/api/ai/generations?page=1')).status, 503, 'the query is not part of the path');
    });

    it('applies to the storage origin too', async () => {
      const { emulator } = await start();
      const { presignedUrl } = await finishedImage(emulator);
      emulator.faults.set({ httpErrors: [{ path: '/presigned/*', status: 404, times: 1 }] });
      assert.equal((await call(presignedUrl, 'GET', { key: null })).status, 404);
      assert.equal((await call(presignedUrl, 'GET', { key: null })).status, 200);
    });
  });

  it('resetAfterEnqueue: creates and runs the generations, then cuts the connection without an answer', async () => {
    const { emulator, api } = await start();
    emulator.faults.set({ resetAfterEnqueue: 1 });
    await assert.rejects(api.post('/api/ai/queue', { model: KREA, prompt: 'ambiguous', num_generations: 2 }));
    assert.equal(emulator.generations().length, 2);
    await waitUntil(() => emulator.generations().every((row) => row.status === 'succeeded'), 'the orphaned generations to run');
    assert.equal((await api.post('/api/ai/queue', { model: KREA, prompt: 'x' })).status, 200, 'only the next N are reset');
  });

  it('sseDropAfterMs: destroys every stream that long after it opened, including streams already open', async () => {
    const { emulator } = await start();
    const early = await subscribe(emulator);
    emulator.faults.set({ sseDropAfterMs: 60 });
    const started = Date.now();
    const late = await subscribe(emulator);
    await late.waitForEnd();
    assert.ok(Date.now() - started >= 50, 'not before the delay');
    await early.waitForEnd();
    emulator.faults.set({ sseDropAfterMs: null });
    const kept = await subscribe(emulator);
    await sleep(100);
    assert.equal(kept.ended, false);
  });

  it('sseStall: the next N streams get 200 and headers, then never a byte, not even keep-alives', async () => {
    const { emulator } = await start({ keepAliveMs: 20 });
    emulator.faults.set({ sseStall: 1 });
    const stalled = await subscribe(emulator);
    const healthy = await subscribe(emulator);
    emulator.emit('probe', 'x');
    await sleep(100);
    assert.equal(stalled.status, 200);
    assert.equal(stalled.raw, '');
    assert.equal(stalled.ended, false);
    assert.ok(healthy.raw.includes(': keep-alive') && healthy.raw.includes('event: probe'));
    assert.equal(emulator.sse.open(), 2, 'a stalled stream still counts as open');
  });

  describe('presigned URLs', () => {
    it('need no key and expire after presignedTtlMs (403)', async () => {
      const { emulator } = await start({ timing: { queuedMs: 5, processingMs: 20 }, presignedTtlMs: 150 });
      const { presignedUrl } = await finishedImage(emulator);
      const fresh = await call(presignedUrl, 'GET', { key: null });
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers['content-type'], 'image/png');
      await sleep(170);
      const expired = await call(presignedUrl, 'GET', { key: null });
      assert.equal(expired.status, 403);
      assert.match(expired.text, /<Code>AccessDenied<\/Code>/);
    });

    it('answer 403 to a tampered signature or expiry, 404 to an unknown file', async () => {
      const { emulator } = await start();
      const { presignedUrl } = await finishedImage(emulator);
      const url = new URL(presignedUrl);
      const tampered = new URL(url);
      tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
      assert.equal((await call(tampered.href, 'GET', { key: null })).status, 403);
      const forged = new URL(url);
      forged.searchParams.set('signature', '0'.repeat(64));
      assert.equal((await call(forged.href, 'GET', { key: null })).status, 403);
      assert.equal((await call(`${emulator.storageUrl}/presigned/unknown.png`, 'GET', { key: null })).status, 404);
    });

    it('expirePresigned: answer 403 as if expired, while result_url still works', async () => {
      const { emulator } = await start();
      const { presignedUrl, resultUrl } = await finishedImage(emulator);
      emulator.faults.set({ expirePresigned: true });
      assert.equal((await call(presignedUrl, 'GET', { key: null })).status, 403);
      assert.equal((await call(resultUrl, 'GET')).status, 200);
      emulator.faults.reset();
      assert.equal((await call(presignedUrl, 'GET', { key: null })).status, 200);
    });

    it('live on a different origin from the API', async () => {
      const { emulator } = await start();
      const { presignedUrl } = await finishedImage(emulator);
      assert.notEqual(new URL(presignedUrl).origin, new URL(emulator.apiUrl).origin);
      assert.equal(new URL(presignedUrl).hostname, 'localhost');
    });
  });

  describe('download bodies', () => {
    it('html: serves an HTML page labelled image/png', async () => {
      const { emulator } = await start();
      const { presignedUrl, resultUrl } = await finishedImage(emulator);
      emulator.faults.set({ downloadBody: 'html' });
      for (const [url, key] of [[presignedUrl, null], [resultUrl, 'test-key']] as const) {
        const reply = await call(url, 'GET', { key });
        assert.equal(reply.status, 200);
        assert.equal(reply.headers['content-type'], 'image/png');
        assert.match(reply.text, /^<!DOCTYPE html>/);
      }
    });

    it('truncated: announces the full length, sends half, then cuts the connection', async () => {
      const { emulator } = await start();
      const { presignedUrl } = await finishedImage(emulator);
      const full = (await call(presignedUrl, 'GET', { key: null })).bytes;
      emulator.faults.set({ downloadBody: 'truncated' });
      const response = await request(presignedUrl);
      assert.equal(Number(response.headers['content-length']), full.length);
      let received = 0;
      await assert.rejects(
        (async () => {
          for await (const chunk of response.body) received += (chunk as Buffer).length;
        })(),
      );
      assert.equal(received, Math.floor(full.length / 2));
    });

    it('slowBodyBytesPerSec: throttles the body', async () => {
      const { emulator } = await start();
      const { presignedUrl } = await finishedImage(emulator);
      emulator.faults.set({ slowBodyBytesPerSec: 40_000 });
      const started = Date.now();
      const reply = await call(presignedUrl, 'GET', { key: null });
      const elapsed = Date.now() - started;
      const expected = (reply.bytes.length / 40_000) * 1000;
      assert.ok(elapsed >= expected * 0.8, `${reply.bytes.length} bytes took ${elapsed} ms, expected about ${expected}`);
      assert.equal(reply.bytes.subarray(0, 8).equals(PNG_SIGNATURE), true);
    });

    it('imagePadBytes: pads to at least that size with a private chunk; the file stays a valid PNG', async () => {
      const { emulator } = await start();
      const { resultUrl } = await finishedImage(emulator);
      const plain = readPng((await call(resultUrl, 'GET')).bytes);
      emulator.faults.set({ imagePadBytes: 10 * 1024 * 1024 });
      const reply = await call(resultUrl, 'GET');
      assert.equal(reply.bytes.length, 10 * 1024 * 1024);
      assert.equal(Number(reply.headers['content-length']), reply.bytes.length);
      const padded = readPng(reply.bytes);
      assert.deepEqual([padded.width, padded.height], [plain.width, plain.height]);
      assert.ok(padded.chunks.every((chunk) => chunk.crcValid), 'every CRC is valid');
      const types = padded.chunks.map((chunk) => chunk.type);
      assert.deepEqual(types, ['IHDR', 'IDAT', 'paDd', 'IEND']);
      assert.equal(padded.chunks[2].type[0], padded.chunks[2].type[0].toLowerCase(), 'ancillary');
    });
  });

  describe('chaos', () => {
    async function statusSequence(seed: number): Promise<number[]> {
      const { emulator, api } = await start();
      emulator.faults.set({ chaos: { ...NO_CHAOS, seed, http5xxRate: 0.3, http429Rate: 0.2 } });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push((await api.get('/api/ai/models')).status);
      return statuses;
    }

    it('is deterministic for a seed, and a different seed gives different faults', async () => {
      const first = await statusSequence(42);
      assert.deepEqual(await statusSequence(42), first);
      assert.notDeepEqual(await statusSequence(43), first);
      assert.ok(first.includes(503) && first.includes(429) && first.includes(200), first.join(','));
    });

    it('sends Retry-After with chaos 429s', async () => {
      const { emulator, api } = await start();
      emulator.faults.set({ chaos: { ...NO_CHAOS, http429Rate: 1 } });
      const reply = await api.get('/api/ai/models');
      assert.equal(reply.status, 429);
      assert.equal(reply.headers['retry-after'], '1');
      assert.deepEqual(emulator.faults.injected(), { http429: 1 });
    });

    it('applies each rate: reset after enqueue, expired URLs, stalls, drops, slow bodies', async () => {
      const { emulator, api } = await start({ timing: { queuedMs: 5, processingMs: 20 }, keepAliveMs: 20 });
      const { presignedUrl } = await finishedImage(emulator);

      emulator.faults.set({ chaos: { ...NO_CHAOS, resetAfterEnqueueRate: 1 } });
      await assert.rejects(api.post('/api/ai/queue', { model: KREA, prompt: 'x' }));

      emulator.faults.set({ chaos: { ...NO_CHAOS, expiredUrlRate: 1 } });
      assert.equal((await call(presignedUrl, 'GET', { key: null })).status, 403);

      emulator.faults.set({ chaos: { ...NO_CHAOS, stallRate: 1 } });
      const stalled = await subscribe(emulator);
      await sleep(80);
      assert.equal(stalled.raw, '');

      emulator.faults.set({ chaos: { ...NO_CHAOS, sseDropRate: 1 } });
      const dropped = await subscribe(emulator);
      await dropped.waitForEnd(1000); // within queuedMs + processingMs

      emulator.faults.set({ chaos: { ...NO_CHAOS, slowBodyRate: 1 } });
      const started = Date.now();
      const slow = await call(presignedUrl, 'GET', { key: null });
      const took = Date.now() - started;
      assert.ok(took >= (slow.bytes.length / (64 * 1024)) * 1000 * 0.8, `throttled to 64 KiB/s: ${slow.bytes.length} bytes in ${took} ms`);
      assert.deepEqual(emulator.faults.injected(), { resetAfterEnqueue: 1, expiredUrl: 1, sseStall: 1, sseDrop: 1, slowBody: 1 }, 'each fault counted by kind');
    });
  });

  it('current() reflects set() merges; reset() clears everything', async () => {
    const { emulator } = await start();
    emulator.faults.set({ sseStall: 2 });
    emulator.faults.set({ imagePadBytes: 100 });
    const current = emulator.faults.current();
    assert.equal(current.sseStall, 2);
    assert.equal(current.imagePadBytes, 100);
    current.sseStall = 99;
    assert.equal(emulator.faults.current().sseStall, 2, 'current() is a copy');
    emulator.faults.reset();
    assert.deepEqual(emulator.faults.injected(), {});
    assert.deepEqual(emulator.faults.current(), {
      httpErrors: [],
      resetAfterEnqueue: 0,
      enqueueAnswerDelayMs: 0,
      sseDropAfterMs: null,
      sseStall: 0,
      sseNetwork: null,
      sseFraming: null,
      expirePresigned: false,
      downloadBody: 'image',
      slowBodyBytesPerSec: null,
      imagePadBytes: 0,
      chaos: null,
      redirects: null,
      apiRedirect: null,
    });
  });
});
