/**
 * Hostile server suite (issue 7): a server that answers too much, too slowly, half, garbage, the
 * wrong shape, redirects, non-images, endless images and floods of events. Every attack ends in a
 * bounded, clear failure (error class + a message that says what happened), memory stays bounded,
 * and the same session then completes a normal generation. SEC-10, SEC-12, REL-01, REL-09, REL-10.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import { downloadImage } from '../../src/generation/download';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { GenerationService } from '../../src/generation/service';
import type { OxenClient } from '../../src/oxen/client';
import { OxenNetworkError, OxenProtocolError } from '../../src/oxen/errors';
import { DEFAULT_MAX_EVENT_BYTES } from '../../src/oxen/sseParser';
import type { Emulator } from '../emulator/server';
import { PNG_SIGNATURE, repeat, retainedBytes, startFront, trickle, writeChunks, type Front, type Written } from './support/hostileServers';
import { clientFor, startCaptureServer, useEmulator, waitFor } from './support/oxen';

const KREA = 'krea-v2-large-text-to-image';
const MiB = 1024 * 1024;
/** What a socket pair on loopback may buffer beyond what the reader took: generous, far below the attack sizes. */
const SOCKET_SLACK = 40 * MiB;
/** Memory a refused attack may leave referenced after a full collection. */
const RETAINED_LIMIT = 16 * MiB;

const fronts: Front[] = [];
const folders: string[] = [];
const services: GenerationService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(fronts.splice(0).map((front) => front.close()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

async function newFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-hostile-'));
  folders.push(folder);
  return folder;
}

async function frontFor(emulator: Emulator): Promise<Front> {
  const front = await startFront(emulator.apiUrl);
  fronts.push(front);
  return front;
}

function download(client: OxenClient, url: string, folder: string, maxBytes = 8 * MiB) {
  return downloadImage({
    transport: client.transport,
    urls: [url],
    tempPath: path.join(folder, '.oxen-image-studio-hostile.part'),
    maxBytes,
    totalTimeoutMs: 10_000,
    signal: new AbortController().signal,
  });
}

/** The session goes on: the same client enqueues, reads the row and downloads a real PNG. */
async function normalGeneration(client: OxenClient, emulator: Emulator, front: Front, folder: string): Promise<void> {
  const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'after the attack', seed: 7 }, numGenerations: 1 });
  await waitFor(() => emulator.generation(generation.id)?.status === 'succeeded', 5000, 'the generation');
  const row = await client.getGeneration(generation.id);
  assert.equal(row.status, 'succeeded');
  const resultUrl = new URL(row.resultUrl!);
  const saved = await download(client, `${front.url}${resultUrl.pathname}${resultUrl.search}`, folder);
  assert.equal(saved.type, 'png');
  await fs.rm(path.join(folder, '.oxen-image-studio-hostile.part'));
}

function rejectsWith(promise: Promise<unknown>, errorClass: new (...args: never[]) => Error, message: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

/** A PNG signature followed by zeros, forever. */
function* endlessPng(): Generator<Buffer> {
  yield PNG_SIGNATURE;
  yield* repeat(Buffer.alloc(64 * 1024)) as Generator<Buffer>;
}

function json(response: http.ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
}

describe('hostile server: REST answers (SEC-10, REL-10)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  it('refuses a 100 MB JSON answer after 8 MiB without buffering it, and the session goes on', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    await client.listModels(); // warm up: the baseline includes undici and zod
    const before = retainedBytes();
    let written: Written | undefined;
    front.arm('/api/ai/models', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // 1 + 1600 × 64 KiB: a 100 MiB array of strings, streamed without Content-Length.
      written = writeChunks(response, ['[', ...repeat(`"${'a'.repeat(65_533)}",`, 1600)]);
    });
    const started = Date.now();
    await rejectsWith(client.listModels(), OxenProtocolError, /far larger than any valid API answer; it was discarded/);
    await written!.done;
    assert.ok(written!.bytes < 8 * MiB + SOCKET_SLACK, `the server got rid of ${written!.bytes} bytes: the client stopped reading`);
    assert.ok(Date.now() - started < 5000);
    const grown = retainedBytes() - before;
    assert.ok(grown < RETAINED_LIMIT, `retained ${(grown / MiB).toFixed(1)} MiB after the refusal`);
    await normalGeneration(client, emulator(), front, folder);
  });

  it('gives up on an answer that trickles at 1 byte/s (the whole-call deadline, not the idle timer)', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url, { timeouts: { requestMs: 1500 } });
    const folder = await newFolder();
    front.arm('/api/ai/models', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      trickle(response, Buffer.from('[{"id":"slow","display_name":"Slow"}]'), 1000);
    });
    const started = Date.now();
    await assert.rejects(client.listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError);
      assert.equal(error.timedOut, true);
      assert.match(error.message, /The connection to Oxen timed out/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400 && elapsed < 3000, `gave up after ${elapsed} ms`);
    await normalGeneration(client, emulator(), front, folder);
  });

  it('reports a truncated answer: a body cut before its Content-Length is a network failure, cut JSON is not JSON', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    front.arm('/api/ai/queue', (_, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      response.write('{"generations":[');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    await assert.rejects(client.listQueue(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError, String(error));
      assert.match(error.message, /The connection to Oxen failed/);
      assert.equal(error.timedOut, false);
      assert.equal(error.mayHaveReachedServer, true);
      return true;
    });
    front.arm('/api/ai/queue', (_, response) => json(response, 200, '{"generations":[{"generation_id":"a'));
    await rejectsWith(client.listQueue(), OxenProtocolError, /answered GET \/api\/ai\/queue with something that is not JSON/);
    await normalGeneration(client, emulator(), front, folder);
  });

  it('refuses an answer that is not JSON (an HTML page with status 200)', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    front.arm('/api/ai/models', (_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><html><body><script>alert(1)</script>Login</body></html>');
    });
    await rejectsWith(client.listModels(), OxenProtocolError, /answered GET \/api\/ai\/models with something that is not JSON/);
    await normalGeneration(client, emulator(), front, folder);
  });

  describe('JSON of the wrong shape is a protocol error naming where (SEC-10)', () => {
    const cases: Array<{ what: string; path: string; body: string; call: (client: OxenClient) => Promise<unknown>; where: RegExp }> = [
      { what: 'queue list whose generations is a string', path: '/api/ai/queue', body: '{"generations":"nope"}', call: (c) => c.listQueue(), where: /the queue list in an unexpected shape at "generations"/ },
      { what: 'generation with a numeric id', path: '/api/ai/queue/', body: '{"generation_id":5,"status":"succeeded"}', call: (c) => c.getGeneration('abc'), where: /a generation in an unexpected shape at "generation_id"/ },
      { what: 'generation with an unknown status', path: '/api/ai/queue/', body: '{"generation_id":"abc","status":"pwned"}', call: (c) => c.getGeneration('abc'), where: /a generation in an unexpected shape at "status"/ },
      { what: 'enqueue answer with no generation', path: '/api/ai/queue', body: '{"generations":[]}', call: (c) => c.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 }), where: /the enqueue answer in an unexpected shape/ },
      { what: 'JSON null', path: '/api/ai/models', body: 'null', call: (c) => c.listModels(), where: /the model list in an unexpected shape/ },
      { what: 'an array where an object belongs', path: '/api/ai/generations', body: '[1,2,3]', call: (c) => c.listGenerations(), where: /the generation history in an unexpected shape/ },
    ];
    for (const { what, path: prefix, body, call, where } of cases) {
      it(`refuses a ${what}`, async () => {
        const front = await frontFor(emulator());
        const client = clientFor(front.url);
        front.arm(prefix, (_, response) => json(response, 200, body));
        await rejectsWith(call(client), OxenProtocolError, where);
        await normalGeneration(client, emulator(), front, await newFolder());
      });
    }

    it('is not polluted by a __proto__ key in an answer', async () => {
      const front = await frontFor(emulator());
      const client = clientFor(front.url);
      front.arm('/api/ai/queue', (_, response) => json(response, 200, '{"__proto__":{"polluted":"yes"},"generations":[]}'));
      assert.deepEqual(await client.listQueue(), []);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });

  it('follows no redirect off the API origin, nor to file: or data: URLs (SEC-04, SEC-10, REL-13)', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    const elsewhere = await startCaptureServer((_, response) => json(response, 200, '[]'));
    try {
      const frontHost = new URL(front.url).host.replace(/\./g, '\\.');
      const elsewhereHost = `localhost:${new URL(elsewhere.url).port}`;
      const targets = [
        { location: `http://${elsewhereHost}/api/ai/models`, named: `another host \\(${elsewhereHost}\\)` },
        { location: 'file:///etc/passwd', named: 'a "file:" URL' },
        { location: 'data:application/json,[]', named: 'a "data:" URL' },
      ];
      for (const status of [301, 302, 303, 307, 308]) {
        for (const { location, named } of targets) {
          front.arm('/api/ai/models', (_, response) => {
            response.writeHead(status, { location });
            response.end();
          });
          await rejectsWith(client.listModels(), OxenProtocolError, new RegExp(`^Oxen \\(${frontHost}\\) redirected the request to ${named}, which is not followed`));
        }
      }
      // A download URL that redirects to a file is refused, names the host that sent it there, and leaves no file.
      front.arm('/hostile/', (_, response) => {
        response.writeHead(302, { location: 'file:///etc/passwd' });
        response.end();
      });
      await rejectsWith(download(client, `${front.url}/hostile/image.png`, folder), OxenProtocolError, new RegExp(`redirected by ${frontHost} to a "file:" URL; refused`));
      assert.deepEqual(await fs.readdir(folder), []);
      assert.equal(elsewhere.requests.length, 0, 'the other origin never saw a request');
    } finally {
      await elsewhere.close();
    }
    await normalGeneration(client, emulator(), front, folder);
  });

  it('refuses file:, data: and javascript: result URLs before any request is made (SEC-10)', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    for (const [url, scheme] of [['file:///etc/passwd', 'file:'], ['data:image/png;base64,iVBORw0KGgo=', 'data:'], ['javascript:alert(1)', 'javascript:']]) {
      await rejectsWith(download(client, url, folder), OxenProtocolError, new RegExp(`from a "${scheme}" URL; only https is allowed`));
    }
    assert.deepEqual(front.paths, []);
    assert.deepEqual(await fs.readdir(folder), []);
  });
});

describe('hostile image URLs (SEC-12, REL-09)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  const notImages: Array<[string, string, Buffer]> = [
    ['an HTML page served as image/png', 'image/png', Buffer.from('<!doctype html><html><body><img src=x onerror=alert(1)></body></html>')],
    ['an ELF executable', 'image/png', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4096)])],
    ['an MZ (Windows) executable', 'image/jpeg', Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00', 'latin1'), Buffer.alloc(4096)])],
    ['a shell script', 'application/octet-stream', Buffer.from('#!/bin/sh\nrm -rf ~\n')],
  ];
  for (const [what, type, body] of notImages) {
    it(`refuses ${what} and writes nothing`, async () => {
      const front = await frontFor(emulator());
      const client = clientFor(front.url);
      const folder = await newFolder();
      front.arm('/hostile/', (_, response) => {
        response.writeHead(200, { 'content-type': type, 'content-length': String(body.length) });
        response.end(body);
      });
      await rejectsWith(download(client, `${front.url}/hostile/image.png`, folder), OxenProtocolError, /not a PNG, JPEG or WebP image; it was not saved/);
      assert.deepEqual(await fs.readdir(folder), []);
      await normalGeneration(client, emulator(), front, folder);
    });
  }

  it('refuses a 2 GB image announced by Content-Length before writing a byte', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    let written: Written | undefined;
    front.arm('/hostile/', (_, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': String(2 * 1024 * MiB) });
      written = writeChunks(response, endlessPng(), { end: false });
    });
    await rejectsWith(download(client, `${front.url}/hostile/huge.png`, folder), OxenProtocolError, /The image is 2147483648 bytes, more than the 8388608-byte limit/);
    await written!.done;
    assert.ok(written!.bytes < SOCKET_SLACK, `the server got rid of ${written!.bytes} bytes`);
    assert.deepEqual(await fs.readdir(folder), [], 'no temp file, no image');
    await normalGeneration(client, emulator(), front, folder);
  });

  it('cuts an image without Content-Length that streams forever at the size cap, and leaves no file', async () => {
    const front = await frontFor(emulator());
    const client = clientFor(front.url);
    const folder = await newFolder();
    const before = retainedBytes();
    let written: Written | undefined;
    front.arm('/hostile/', (_, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      written = writeChunks(response, endlessPng(), { end: false });
    });
    await rejectsWith(download(client, `${front.url}/hostile/endless.png`, folder), OxenProtocolError, /larger than the 8388608-byte limit; the download was stopped/);
    await written!.done;
    assert.ok(written!.bytes < 8 * MiB + SOCKET_SLACK, `the server got rid of ${written!.bytes} bytes`);
    assert.deepEqual(await fs.readdir(folder), [], 'the temp file was removed');
    const grown = retainedBytes() - before;
    assert.ok(grown < RETAINED_LIMIT, `retained ${(grown / MiB).toFixed(1)} MiB`);
    await normalGeneration(client, emulator(), front, folder);
  });
});

describe('hostile event stream (REL-01, REL-05)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  /** The generation service behind a front whose first /api/events answer starts with `prelude`. */
  async function serviceBehind(prelude: () => Iterable<Buffer | string>) {
    const front = await frontFor(emulator());
    const folder = await newFolder();
    const logs: string[] = [];
    const events: TerminalEvent[] = [];
    let flood: Written | undefined;
    front.arm('/api/events', (_, response, forward) => {
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      flood = writeChunks(response, prelude(), { end: false });
      // Then the emulator's own stream, on the same connection.
      void flood.done.then(forward);
    });
    const service = new GenerationService({
      client: clientFor(front.url),
      store: new MemoryJournalStore(),
      tracker: { keepAliveMs: 15_000, pollIntervalMs: 100, reconcileIntervalMs: 60_000, backoff: { initialMs: 100, maxMs: 400 } },
      log: (message) => logs.push(message),
    });
    services.push(service);
    service.onTerminal((event) => {
      events.push(event);
    });
    return { front, folder, logs, events, service, flooded: () => flood };
  }

  /** Submits while held, waits for the prelude to pass and the emulator's stream to join, then settles. */
  async function generateThroughStream(harness: Awaited<ReturnType<typeof serviceBehind>>, prompt: string, expected: number) {
    emulator().hold(true);
    const { generationIds } = await harness.service.submit({
      model: KREA,
      params: { prompt, seed: 99, aspect_ratio: '1:1' },
      count: 1,
      destination: { folder: harness.folder, baseName: prompt.replace(/\W+/g, '-') },
    });
    await waitFor(() => emulator().sse.open() === 1, 8000, 'the emulator stream behind the prelude');
    emulator().settle(generationIds[0], { status: 'succeeded' });
    await waitFor(() => harness.events.length === expected, 8000, 'the saved event');
    assert.equal(harness.events[expected - 1].type, 'saved');
  }

  it('survives a flood of 100,000 unrelated events with bounded memory and still delivers the completion', async () => {
    const before = retainedBytes();
    const harness = await serviceBehind(function* () {
      const batch: string[] = [];
      for (let i = 0; i < 100_000; i++) {
        batch.push(
          i % 2 === 0
            ? `event: deployment_status_changed\ndata: {"deployment":"d${i}","status":"ready"}\n\n`
            : // Completions of generations this window never asked for, some pointing at file: URLs.
              `event: media_generation_completed\ndata: {"generation_id":"foreign-${i}","status":"succeeded","url":"file:///etc/passwd"}\n\n`,
        );
        if (batch.length === 1000) yield batch.splice(0).join('');
      }
    });
    await generateThroughStream(harness, 'after the flood', 1);
    assert.ok(harness.flooded()!.bytes > 8 * MiB, `the flood was ${harness.flooded()!.bytes} bytes`);
    assert.equal(harness.service.statusReads, 0, 'delivered by the stream itself, not by a status read');
    assert.equal(harness.front.paths.filter((p) => p === '/api/events').length, 1, 'the same connection survived');
    assert.deepEqual((await fs.readdir(harness.folder)).filter((name) => !name.startsWith('.')), ['after-the-flood.png']);
    const grown = retainedBytes() - before;
    assert.ok(grown < RETAINED_LIMIT, `retained ${(grown / MiB).toFixed(1)} MiB after 100,000 events`);
  });

  it('discards SSE lines of 10 MB (data, comment, unknown field) and the same stream delivers the next completion', async () => {
    const before = retainedBytes();
    const harness = await serviceBehind(function* () {
      const tenMb = 'x'.repeat(10 * MiB);
      yield `event: media_generation_completed\ndata: ${tenMb}\n\n`;
      yield `: ${tenMb}\n`;
      yield `whatever: ${tenMb}\r\n\r\n`;
      // A 10 MB line in 64 KiB pieces, as a slow server would send it.
      yield 'data: ';
      yield* repeat('y'.repeat(64 * 1024), 160);
      yield '\n\n';
    });
    await generateThroughStream(harness, 'after the long lines', 1);
    const oversize = harness.logs.filter((line) => /discarded an oversized event \(\d+ bytes\)/.test(line));
    assert.equal(oversize.length, 4, harness.logs.join('\n'));
    for (const line of oversize) {
      const bytes = Number(/\((\d+) bytes\)/.exec(line)![1]);
      assert.ok(bytes > DEFAULT_MAX_EVENT_BYTES, `reported ${bytes}`);
    }
    assert.equal(harness.service.statusReads, 0);
    assert.equal(harness.front.paths.filter((p) => p === '/api/events').length, 1, 'the same connection survived');
    const grown = retainedBytes() - before;
    assert.ok(grown < RETAINED_LIMIT, `retained ${(grown / MiB).toFixed(1)} MiB`);
  });
});
