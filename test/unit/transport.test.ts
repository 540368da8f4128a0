import * as assert from 'node:assert/strict';
import { OxenProtocolError } from '../../src/oxen/errors';
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
      await assert.rejects(clientFor(redirecting.url).listModels(), OxenProtocolError);
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
