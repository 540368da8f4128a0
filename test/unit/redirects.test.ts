/**
 * REL-13 redirects, against the emulator over real HTTP: downloads follow up to 5 redirects (https,
 * or loopback http for a loopback API), the key goes only to hops on the API origin (SEC-04), loops,
 * a 6th hop, a downgrade and file:/data: targets fail clearly, leave no file and stay retryable; an
 * expired URL at the end of a chain still falls through (REL-08). API calls follow same-origin
 * redirects only, and never send a byte to another origin.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { request } from 'undici';
import { downloadImage } from '../../src/generation/download';
import type { GenerationService } from '../../src/generation/service';
import type { OxenClient } from '../../src/oxen/client';
import { OxenNotFoundError, OxenProtocolError } from '../../src/oxen/errors';
import { checkApiRedirect, checkDownloadRedirect } from '../../src/oxen/urlPolicy';
import { parseFaultPatch, type FaultConfig } from '../emulator/faults';
import type { RecordedRequest } from '../emulator/server';
import { repeat, startFront, writeChunks, type Front, type Written } from './support/hostileServers';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { clientFor, startCaptureServer, TEST_KEY, useEmulator, waitFor, type CaptureServer } from './support/oxen';
import { startTestService } from './support/testService';

const KREA = 'krea-v2-large-text-to-image';
const BEARER = `Bearer ${TEST_KEY}`;
const TEMP_NAME = '.oxen-image-studio-redirect.part';

const folders: string[] = [];
const servers: Array<CaptureServer | Front> = [];
const services: GenerationService[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

async function newFolder(): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-redirects-'));
  folders.push(folder);
  return folder;
}

/** A loopback server on its own origin that also keeps every request's headers. */
async function storageServer(respond: (request: http.IncomingMessage, response: http.ServerResponse) => void): Promise<{ server: CaptureServer; headers: http.IncomingHttpHeaders[] }> {
  const headers: http.IncomingHttpHeaders[] = [];
  const server = await startCaptureServer((incoming, response) => {
    headers.push(incoming.headers);
    respond(incoming, response);
  });
  servers.push(server);
  return { server, headers };
}

function download(client: OxenClient, urls: string[], folder: string) {
  return downloadImage({
    transport: client.transport,
    urls,
    tempPath: path.join(folder, TEMP_NAME),
    maxBytes: 8 * 1024 * 1024,
    totalTimeoutMs: 10_000,
    signal: new AbortController().signal,
  });
}

/** Rejects with an `OxenProtocolError` whose message matches and which carries no status (so it never reads as an expired URL). */
function rejectsRetryably(promise: Promise<unknown>, message: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof OxenProtocolError, `expected OxenProtocolError, got ${String(error)}`);
    assert.match(error.message, message);
    assert.equal(error.status, undefined, 'no HTTP status: resultSaver must not take it for an expired URL');
    return true;
  });
}

const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('redirects: image downloads (REL-13, SEC-04, REL-08)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });
  const storageHost = () => new URL(emulator().storageUrl).host;
  const apiHost = () => new URL(emulator().apiUrl).host;

  /** A presigned storage URL (the sync answer's), as the SSE `url` also is. */
  async function presignedUrl(client: OxenClient): Promise<string> {
    const [image] = await client.generateSync({ model: KREA, params: { prompt: 'redirected', seed: 3 } });
    assert.ok(image?.kind === 'url');
    return image.url;
  }

  /** A succeeded generation's `result_url`, on the API origin. */
  async function resultUrl(client: OxenClient): Promise<string> {
    const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'redirected', seed: 4 }, numGenerations: 1 });
    await waitFor(() => emulator().generation(generation.id)?.status === 'succeeded', 5000, 'the generation');
    return (await client.getGeneration(generation.id)).resultUrl!;
  }

  /** What the emulator saw from here on, in order; admin calls are not in it. */
  function startRecording(faults: Partial<FaultConfig>): () => RecordedRequest[] {
    emulator().faults.set(faults);
    emulator().clearRequests();
    return () => [...emulator().requests];
  }

  const sources = [
    { source: 'the presigned URL', url: presignedUrl, apiHops: 0 },
    { source: 'result_url', url: resultUrl, apiHops: 1 },
  ];

  for (const { source, url, apiHops } of sources) {
    for (const hops of [1, 2, 5]) {
      it(`follows ${hops} redirect(s) from ${source}; the key goes to the API origin only (REL-13, SEC-04)`, async () => {
        const client = clientFor(emulator().apiUrl);
        const folder = await newFolder();
        const first = await url(client);
        const requests = startRecording({ redirects: { kind: 'chain', hops } });
        const saved = await download(client, [first], folder);
        assert.equal(saved.type, 'png');
        const seen = requests();
        assert.equal(seen.length, hops + 1, 'one request per hop, then the image');
        assert.deepEqual(seen.map((r) => r.origin), [...Array(apiHops).fill('api'), ...Array(hops + 1 - apiHops).fill('storage')]);
        // SEC-04: the recorded Authorization header, hop by hop.
        for (const hop of seen) assert.equal(hop.authorization, hop.origin === 'api' ? BEARER : undefined, `${hop.origin} ${hop.path}`);
        assert.deepEqual(seen.filter((r) => r.origin === 'storage').map((r) => r.query.hop ?? '0'), Array.from({ length: hops + 1 - apiHops }, (_, i) => String(i + apiHops)));
        assert.equal(emulator().faults.injected().redirect, hops);
      });
    }

    const failures: Array<{ what: string; faults: Partial<FaultConfig>; message: () => RegExp; requests: number }> = [
      { what: 'a loop', faults: { redirects: { kind: 'loop' } }, message: () => new RegExp(`^The image download was redirected to a loop at ${escaped(storageHost())}\\.$`), requests: 2 + apiHops },
      { what: 'a chain of 6', faults: { redirects: { kind: 'chain', hops: 6 } }, message: () => new RegExp(`^The image download went through more than 5 redirects, the last to ${escaped(storageHost())}\\.$`), requests: 6 },
      { what: 'a redirect to plain http elsewhere', faults: { redirects: { kind: 'to-http' } }, message: () => /^The image download was redirected to plain http at storage\.invalid; refused/, requests: 1 },
    ];
    for (const { what, faults, message, requests: expected } of failures) {
      it(`fails on ${what} from ${source}, naming the host, retryably, with no file left (REL-13)`, async () => {
        const client = clientFor(emulator().apiUrl);
        const folder = await newFolder();
        const first = await url(client);
        const requests = startRecording(faults);
        await rejectsRetryably(download(client, [first], folder), message());
        assert.equal(requests().length, expected, 'requests sent before giving up');
        assert.ok(requests().every((r) => r.authorization === (r.origin === 'api' ? BEARER : undefined)));
        assert.deepEqual(await fs.readdir(folder), [], 'no temp file, no image');
      });
    }
  }

  it('fails on a redirect without a Location, naming the host (REL-13)', async () => {
    const client = clientFor(emulator().apiUrl);
    const folder = await newFolder();
    const first = await presignedUrl(client);
    emulator().faults.set({ httpErrors: [{ path: '/presigned/*', status: 302, times: 1 }] });
    await rejectsRetryably(download(client, [first], folder), new RegExp(`redirected \\(HTTP 302\\) by ${escaped(storageHost())} without a Location`));
    assert.deepEqual(await fs.readdir(folder), []);
  });

  for (const location of ['file:///etc/passwd', 'data:image/png;base64,iVBORw0KGgo=', 'javascript:alert(1)']) {
    it(`refuses a redirect to ${location.slice(0, location.indexOf(':') + 1)}, naming the host that sent it (REL-13, SEC-10)`, async () => {
      const client = clientFor(emulator().apiUrl);
      const folder = await newFolder();
      const { server } = await storageServer((_, response) => {
        response.writeHead(302, { location });
        response.end();
      });
      const scheme = location.slice(0, location.indexOf(':') + 1);
      await rejectsRetryably(download(client, [`${server.url}/image.png`], folder), new RegExp(`redirected by ${escaped(new URL(server.url).host)} to a "${scheme}" URL; refused`));
      assert.equal(server.requests.length, 1);
      assert.deepEqual(await fs.readdir(folder), []);
    });
  }

  it('sends the key to a hop back on the API origin, and neither key nor cookie to the storage hops (SEC-04, REL-13)', async () => {
    const client = clientFor(emulator().apiUrl);
    const folder = await newFolder();
    const onApi = await resultUrl(client);
    const { server, headers } = await storageServer((incoming, response) => {
      if (incoming.url === '/a') response.writeHead(302, { location: '/b', 'set-cookie': 'session=from-storage; Path=/' });
      else response.writeHead(307, { location: onApi });
      response.end('see elsewhere');
    });
    emulator().clearRequests();
    const saved = await download(client, [`${server.url}/a`], folder);
    assert.equal(saved.type, 'png');
    assert.deepEqual(server.requests.map((r) => r.url), ['/a', '/b']);
    for (const sent of headers) {
      assert.equal(sent.authorization, undefined, 'no key to a storage hop');
      assert.equal(sent.cookie, undefined, 'no cookie, not even the one storage set');
    }
    assert.deepEqual(emulator().requests.map((r) => [r.origin, r.path, r.authorization]), [['api', new URL(onApi).pathname, BEARER]]);
  });

  it('falls through to the next URL when a chain ends in an expired URL (REL-08)', async () => {
    const client = clientFor(emulator().apiUrl);
    const folder = await newFolder();
    const expired = new URL(await presignedUrl(client));
    expired.searchParams.set('signature', '0'.repeat(64));
    const onApi = await resultUrl(client);
    const { server } = await storageServer((_, response) => {
      response.writeHead(302, { location: expired.href });
      response.end();
    });
    emulator().clearRequests();
    const saved = await download(client, [`${server.url}/start.png`, onApi], folder);
    assert.equal(saved.type, 'png');
    assert.deepEqual(
      emulator().requests.map((r) => [r.origin, r.path, r.authorization]),
      [['storage', expired.pathname, undefined], ['api', new URL(onApi).pathname, BEARER]],
      'the chain ended at the expired URL (403), then result_url was tried with the key',
    );
  });

  it('discards each redirect body before the next request (no socket held)', async () => {
    const client = clientFor(emulator().apiUrl);
    const folder = await newFolder();
    const image = await presignedUrl(client);
    let written: Written | undefined;
    const { server } = await storageServer((_, response) => {
      response.writeHead(302, { location: image, 'content-type': 'text/html' });
      written = writeChunks(response, repeat(Buffer.alloc(64 * 1024)));
    });
    const saved = await download(client, [`${server.url}/endless-redirect.png`], folder);
    assert.equal(saved.type, 'png');
    await Promise.race([written!.done, new Promise((_, reject) => setTimeout(() => reject(new Error('the redirect body is still being read')), 3000))]);
    assert.ok(written!.bytes < 64 * 1024 * 1024, `the client stopped reading after ${written!.bytes} bytes`);
  });

  describe('through the generation service', () => {
    function service() {
      const started = startTestService(emulator(), new MemoryJournalStore(), { downloadAttempts: 2 });
      services.push(started.service);
      return started;
    }
    const request = (folder: string, delivery?: 'sync') => ({
      model: KREA,
      params: { prompt: 'a fox behind a redirect', seed: 11 },
      count: 1,
      destination: { folder, baseName: 'fox' },
      ...(delivery ? { delivery } : {}),
    });

    for (const delivery of [undefined, 'sync'] as const) {
      it(`saves the image behind a chain of 2 from the ${delivery ? 'sync answer' : 'SSE'} URL, no key on storage (REL-13, SEC-04)`, async () => {
        const { service: generations, events } = service();
        const folder = await newFolder();
        emulator().faults.set({ redirects: { kind: 'chain', hops: 2 } });
        await generations.submit(request(folder, delivery));
        await waitFor(() => events.length === 1, 8000, 'the outcome');
        assert.equal(events[0].type, 'saved');
        assert.deepEqual((await fs.readdir(folder)).sort(), ['fox.png']);
        const storage = emulator().requests.filter((r) => r.origin === 'storage');
        assert.deepEqual(storage.map((r) => r.query.hop ?? '0'), ['0', '1', '2']);
        assert.ok(storage.every((r) => r.authorization === undefined));
      });
    }

    it('expired presigned URL: falls back to result_url, which redirects twice to storage (REL-08, REL-13)', async () => {
      const { service: generations, events } = service();
      const folder = await newFolder();
      // Twice: the saver tries the SSE url once more alongside result_url; a third 403 would hit the chain's fresh URLs.
      emulator().faults.set({ redirects: { kind: 'chain', hops: 2 }, httpErrors: [{ path: '/presigned/*', status: 403, times: 2 }] });
      await generations.submit(request(folder));
      await waitFor(() => events.length === 1, 8000, 'the outcome');
      assert.equal(events[0].type, 'saved');
      const downloads = emulator()
        .requests.filter((r) => r.origin === 'storage' || r.path.includes('/file/'))
        .map((r) => [r.origin, r.query.hop ?? '0', r.authorization]);
      const fallback = downloads.findIndex(([origin]) => origin === 'api');
      assert.ok(fallback > 0, 'the presigned URL came first');
      assert.ok(downloads.slice(0, fallback).every(([origin, hop, key]) => origin === 'storage' && hop === '0' && key === undefined));
      assert.deepEqual(downloads.slice(fallback), [['api', '0', BEARER], ['storage', '1', undefined], ['storage', '2', undefined]]);
    });

    it('a redirect loop fails as retryable, and Retry saves the image once storage behaves (REL-13)', async () => {
      const { service: generations, events } = service();
      const folder = await newFolder();
      emulator().faults.set({ redirects: { kind: 'loop' } });
      const { generationIds } = await generations.submit(request(folder));
      await waitFor(() => events.length === 1, 8000, 'the outcome');
      const failed = events[0];
      assert.ok(failed.type === 'failed', `expected a failure, got ${failed.type}`);
      assert.equal(failed.failure.retryable, true);
      assert.equal(failed.failure.kind, 'bad-response');
      assert.match(failed.failure.message, new RegExp(`loop at ${escaped(storageHost())}`));
      assert.deepEqual(await fs.readdir(folder), [], 'no temp file, no image');
      emulator().faults.set({ redirects: null });
      assert.equal(await generations.retry(generationIds[0]!), true);
      await waitFor(() => events.length === 2, 8000, 'the retried outcome');
      assert.equal(events[1].type, 'saved');
      assert.deepEqual(await fs.readdir(folder), ['fox.png']);
    });
  });

  describe('API calls', () => {
    const generateRequests = () => emulator().requests.filter((r) => r.path === '/api/ai/images/generate');

    for (const status of [307, 308] as const) {
      it(`follows a same-origin ${status} with the key, method and body (REL-13)`, async () => {
        const client = clientFor(emulator().apiUrl);
        emulator().faults.set({ apiRedirect: { to: 'same-origin', status, times: 1 } });
        const [image] = await client.generateSync({ model: KREA, params: { prompt: 'kept body', seed: 1 } });
        assert.equal(image?.kind, 'url');
        const sent = generateRequests();
        assert.deepEqual(sent.map((r) => [r.origin, r.method, r.query.hop, r.authorization]), [['api', 'POST', undefined, BEARER], ['api', 'POST', '1', BEARER]]);
        assert.ok(sent[1].bodyBytes > 0 && sent[1].bodyBytes === sent[0].bodyBytes, 'the same body again');
      });
    }

    for (const status of [301, 302, 303] as const) {
      it(`turns a POST into a GET without body on a same-origin ${status}, as Python requests does (REL-13)`, async () => {
        const client = clientFor(emulator().apiUrl);
        emulator().faults.set({ apiRedirect: { to: 'same-origin', status, times: 1 } });
        // The sync endpoint has no GET: the answer is a 404, which the caller reports as such.
        await assert.rejects(client.generateSync({ model: KREA, params: { prompt: 'lost body', seed: 1 } }), OxenNotFoundError);
        assert.deepEqual(generateRequests().map((r) => [r.method, r.bodyBytes > 0, r.authorization]), [['POST', true, BEARER], ['GET', false, BEARER]]);
      });
    }

    it('follows 5 same-origin redirects and refuses a 6th, naming the host (REL-13)', async () => {
      const client = clientFor(emulator().apiUrl);
      emulator().faults.set({ apiRedirect: { to: 'same-origin', status: 307, times: 5 } });
      await client.generateSync({ model: KREA, params: { prompt: 'five', seed: 1 } });
      assert.equal(generateRequests().length, 6);
      emulator().clearRequests();
      emulator().faults.set({ apiRedirect: { to: 'same-origin', status: 307, times: 6 } });
      await rejectsRetryably(
        client.generateSync({ model: KREA, params: { prompt: 'six', seed: 1 } }),
        new RegExp(`^The request to Oxen went through more than 5 redirects, the last to ${escaped(apiHost())}\\.$`),
      );
      assert.equal(generateRequests().length, 6, 'the 7th request was never sent');
    });

    for (const status of [301, 302, 303, 307, 308] as const) {
      it(`refuses a ${status} to another origin, names both hosts, and sends nothing there (SEC-04, REL-13)`, async () => {
        const client = clientFor(emulator().apiUrl);
        emulator().faults.set({ apiRedirect: { to: 'other-origin', status, times: 1 } });
        await rejectsRetryably(
          client.generateSync({ model: KREA, params: { prompt: 'stay home', seed: 1 } }),
          new RegExp(`^Oxen \\(${escaped(apiHost())}\\) redirected the request to another host \\(${escaped(storageHost())}\\), which is not followed so your API key stays with Oxen\\.$`),
        );
        assert.equal(emulator().requests.filter((r) => r.origin === 'storage').length, 0, 'the other origin received no request');
        assert.equal(generateRequests().length, 1);
      });
    }

    it('the event stream follows a same-origin redirect with the key (REL-13)', async () => {
      const front = await startFront(emulator().apiUrl);
      servers.push(front);
      front.arm('/api/events', (_, response) => {
        response.writeHead(307, { location: '/api/events?moved=1' });
        response.end();
      });
      const controller = new AbortController();
      const stream = await clientFor(front.url).openEvents(controller.signal);
      try {
        assert.equal(stream.status, 200);
        assert.deepEqual(front.paths, ['/api/events', '/api/events']);
        const events = emulator().requests.filter((r) => r.path === '/api/events');
        assert.deepEqual(events.map((r) => [r.query.moved, r.authorization]), [['1', BEARER]]);
      } finally {
        stream.discard();
        controller.abort();
      }
    });
  });
});

describe('redirects: URL policy for each hop (REL-13, SEC-04)', () => {
  const api = 'https://hub.oxen.ai';
  const storage = new URL('https://storage.example.com/presigned/a.png?signature=1');

  it('resolves relative Locations against the hop that sent them', () => {
    assert.equal(checkDownloadRedirect('/presigned/b.png?signature=2', storage, api).href, 'https://storage.example.com/presigned/b.png?signature=2');
    assert.equal(checkDownloadRedirect('https://cdn.example.net/a.png', storage, api).host, 'cdn.example.net');
    assert.equal(checkApiRedirect('/api/ai/models?page=2', new URL(`${api}/api/ai/models`), api).href, `${api}/api/ai/models?page=2`);
  });

  it('refuses a downgrade from https to http, even on loopback, naming the host', () => {
    assert.throws(() => checkDownloadRedirect('http://storage.example.com/a.png', storage, api), /redirected from https to plain http at storage\.example\.com; refused\./);
    assert.throws(() => checkDownloadRedirect('http://localhost:9/a.png', new URL('https://localhost:8/a.png'), 'http://127.0.0.1:7'), /from https to plain http at localhost:9/);
  });

  it('lets a loopback API follow loopback http, and nothing else in plain http', () => {
    assert.equal(checkDownloadRedirect('http://localhost:9/a.png', new URL('http://127.0.0.1:8/a.png'), 'http://127.0.0.1:7').host, 'localhost:9');
    assert.throws(() => checkDownloadRedirect('http://storage.invalid/a.png', new URL('http://127.0.0.1:8/a.png'), 'http://127.0.0.1:7'), /plain http at storage\.invalid; refused/);
  });

  it('keeps API calls on the API origin: another host, another scheme on the same host, file:', () => {
    const from = new URL(`${api}/api/ai/queue`);
    assert.throws(() => checkApiRedirect('https://evil.example/x', from, api), /^OxenProtocolError: Oxen \(hub\.oxen\.ai\) redirected the request to another host \(evil\.example\), which is not followed so your API key stays with Oxen\.$/);
    assert.throws(() => checkApiRedirect('http://hub.oxen.ai/x', from, api), /to another origin \(http:\/\/hub\.oxen\.ai\)/);
    assert.throws(() => checkApiRedirect('file:///etc/passwd', from, api), /to a "file:" URL/);
  });
});

describe('redirects: the emulator\'s faults (REL-13)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  async function hop(url: string): Promise<{ status: number; location: string | undefined }> {
    const answer = await request(url);
    await answer.body.dump();
    return { status: answer.statusCode, location: [answer.headers.location].flat()[0] };
  }

  it('answers like object storage: varied codes, absolute and relative Locations, a fresh signature from result_url', async () => {
    const client = clientFor(emulator().apiUrl);
    const [image] = await client.generateSync({ model: KREA, params: { prompt: 'raw', seed: 2 } });
    assert.ok(image?.kind === 'url');
    emulator().faults.set({ redirects: { kind: 'chain', hops: 6 } });
    const statuses: number[] = [];
    const locations: string[] = [];
    let current = image.url;
    for (let i = 0; i < 6; i++) {
      const { status, location } = await hop(current);
      statuses.push(status);
      locations.push(location!);
      current = new URL(location!, current).href;
    }
    assert.deepEqual([...new Set(statuses)].sort(), [301, 302, 303, 307, 308]);
    assert.ok(locations.some((location) => location.startsWith('http://')) && locations.some((location) => location.startsWith('/')), 'both Location forms');
    assert.equal((await hop(current)).status, 200);

    const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'raw', seed: 2 }, numGenerations: 1 });
    await waitFor(() => emulator().generation(generation.id)?.status === 'succeeded');
    const fromApi = await request((await client.getGeneration(generation.id)).resultUrl!, { headers: { authorization: BEARER } });
    await fromApi.body.dump();
    const signed = new URL([fromApi.headers.location].flat()[0]!);
    assert.equal(signed.origin, emulator().storageUrl);
    assert.ok(signed.searchParams.get('signature') && signed.searchParams.get('expires'));
  });

  it('validates the patches over the admin endpoint', () => {
    assert.deepEqual(parseFaultPatch({ redirects: { kind: 'chain', hops: 2 }, apiRedirect: { to: 'other-origin', status: 308, times: 1 } }), {
      redirects: { kind: 'chain', hops: 2 },
      apiRedirect: { to: 'other-origin', status: 308, times: 1 },
    });
    for (const bad of [{ kind: 'chain' }, { kind: 'chain', hops: 0 }, { kind: 'loop', hops: 2 }, { kind: 'sideways' }]) {
      assert.throws(() => parseFaultPatch({ redirects: bad }), /fault "redirects" must be/);
    }
    for (const bad of [{ to: 'same-origin', status: 304, times: 1 }, { to: 'elsewhere', status: 302, times: 1 }, { to: 'same-origin', status: 302 }]) {
      assert.throws(() => parseFaultPatch({ apiRedirect: bad }), /fault "apiRedirect" must be/);
    }
  });
});
