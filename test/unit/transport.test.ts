import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadImage } from '../../src/generation/download';
import { OxenNetworkError, OxenProtocolError } from '../../src/oxen/errors';
import { OxenTransport } from '../../src/oxen/transport';
import { apiOriginOf, checkDownloadUrl } from '../../src/oxen/urlPolicy';
import { clientFor, startCaptureServer, TEST_KEY, useEmulator, waitFor } from './support/oxen';

const KREA = 'krea-v2-large-text-to-image';

describe('transport: where the key goes (SEC-04)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });

  it('sends the Bearer key to the API origin and to result_url there, and none to another origin', async () => {
    const client = clientFor(emulator().apiUrl);
    const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'x', seed: 1 }, numGenerations: 1 });
    await waitFor(() => emulator().generation(generation.id)?.status === 'succeeded');
    const row = await client.getGeneration(generation.id);
    const fromApi = await client.transport.download(row.resultUrl!, AbortSignal.timeout(5000));
    fromApi.discard();
    assert.equal(fromApi.status, 200, 'result_url on the API origin needs and gets the key');
    const api = emulator().requests.filter((request) => request.origin === 'api');
    assert.ok(api.length >= 3 && api.every((request) => request.authorization === `Bearer ${TEST_KEY}`));
    const capture = await startCaptureServer((_, response) => response.end('x'));
    try {
      const foreign = await client.transport.download(`${capture.url.replace('127.0.0.1', 'localhost')}/image.png`, AbortSignal.timeout(5000));
      foreign.discard();
      assert.equal(capture.requests.length, 1);
      assert.equal(capture.requests[0].authorization, undefined, 'no key to another origin');
    } finally {
      await capture.close();
    }
  });

  it('does not follow a redirect from the API origin to another origin', async () => {
    const target = await startCaptureServer();
    const redirecting = await startCaptureServer((_, response) => {
      response.writeHead(302, { location: `${target.url}/api/ai/models` });
      response.end();
    });
    try {
      await assert.rejects(clientFor(redirecting.url).listModels(), (error: unknown) => {
        assert.ok(error instanceof OxenProtocolError);
        assert.match(error.message, new RegExp(`to another host \\(${new URL(target.url).host}\\), which is not followed so your API key stays with Oxen`));
        return true;
      });
      assert.equal(redirecting.requests.length, 1);
      assert.equal(target.requests.length, 0, 'the redirect target never saw a request, let alone the key');
    } finally {
      await Promise.all([target.close(), redirecting.close()]);
    }
  });
});

describe('URL policy (SEC-10)', () => {
  const api = 'https://hub.oxen.ai';
  const refused = [
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:image/png;base64,iVBORw0KGgo=',
    'http://hub.oxen.ai/x.png',
    'http://127.0.0.1:9/x.png',
    'ftp://example.com/x.png',
    'not a url',
  ];
  for (const url of refused) {
    it(`refuses to download ${url}`, () => {
      assert.throws(() => checkDownloadUrl(url, api), OxenProtocolError);
    });
  }

  it('accepts https anywhere, and loopback http only when the API itself is a loopback emulator', () => {
    assert.equal(checkDownloadUrl('https://storage.example.com/a.png?sig=1', api).hostname, 'storage.example.com');
    assert.ok(checkDownloadUrl('http://localhost:4000/a.png', 'http://127.0.0.1:3000'));
    assert.throws(() => checkDownloadUrl('http://evil.example.com/a.png', 'http://127.0.0.1:3000'), OxenProtocolError);
  });

  it('refuses a base URL that would send the key in clear text over the network', () => {
    assert.throws(() => apiOriginOf('http://hub.oxen.ai'), OxenProtocolError);
    assert.throws(() => apiOriginOf('file:///tmp'), OxenProtocolError);
    assert.equal(apiOriginOf('https://hub.oxen.ai/'), 'https://hub.oxen.ai');
    assert.throws(() => new OxenTransport({ baseUrl: 'javascript:1', getApiKey: async () => 'k', userAgent: 'u' }), OxenProtocolError);
  });
});

describe('transport: timeouts on every phase (REL-10)', () => {
  it('gives up when no response headers arrive in time', async () => {
    const silent = await startCaptureServer(() => undefined);
    try {
      const started = Date.now();
      await assert.rejects(clientFor(silent.url, { timeouts: { headersMs: 150 } }).listModels(), (error: unknown) => {
        assert.ok(error instanceof OxenNetworkError);
        assert.equal(error.timedOut, true);
        return true;
      });
      assert.ok(Date.now() - started < 2000);
    } finally {
      await silent.close();
    }
  });

  it('gives up on a body that goes silent, and on a download that takes too long in total', async () => {
    const stalling = await startCaptureServer((_, response) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': '1000' });
      response.write(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    });
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-timeouts-'));
    try {
      const idle = clientFor(stalling.url, { timeouts: { bodyIdleMs: 150 } });
      const download = (totalTimeoutMs: number, client = idle) =>
        downloadImage({
          transport: client.transport,
          urls: [`${stalling.url}/image.png`],
          tempPath: path.join(folder, 'x.part'),
          maxBytes: 10_000,
          totalTimeoutMs,
          signal: new AbortController().signal,
        });
      await assert.rejects(download(60_000), OxenNetworkError, 'body idle timeout');
      await assert.rejects(download(200, clientFor(stalling.url)), (error: unknown) => {
        assert.ok(error instanceof OxenNetworkError && error.timedOut);
        return true;
      });
      assert.deepEqual(await fs.readdir(folder), [], 'no partial file left (REL-09)');
    } finally {
      await stalling.close();
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
