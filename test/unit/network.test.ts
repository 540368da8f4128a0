/**
 * Network reality (issue 7, REL-11): a local forward proxy (HTTP CONNECT and plain HTTP) given as
 * `proxyUrl` (VS Code's http.proxy) or through HTTPS_PROXY / HTTP_PROXY / NO_PROXY; a local TLS
 * emulator with its own CA, trusted only through NODE_EXTRA_CA_CERTS (read at process start, so
 * in a child process); a certificate for another name; and a source scan proving no code turns
 * TLS verification off. Loopback only.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { GenerationService } from '../../src/generation/service';
import { OxenNetworkError } from '../../src/oxen/errors';
import type { Emulator } from '../emulator/server';
import { deadPort, startConnectProxy, type ConnectProxy } from './support/connectProxy';
import { startFront, type Front } from './support/hostileServers';
import { clientFor, useEmulator, waitFor } from './support/oxen';
import { REPO_ROOT, runScript } from './support/processes';
import { makeTestPki, type TestPki } from './support/tlsCerts';

const KREA = 'krea-v2-large-text-to-image';

function hostPort(url: string): string {
  return new URL(url).host;
}

/** The environment without any proxy variable of the machine running the tests. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(https?|no|all)_proxy$/i.test(key) && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
  }
  return { ...env, ...extra };
}

describe('network: proxy (REL-11)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });
  let proxy: ConnectProxy;
  const services: GenerationService[] = [];
  const folders: string[] = [];

  beforeEach(async () => {
    proxy = await startConnectProxy();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.dispose()));
    await proxy.close();
    await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
  });

  /** One generation through the real service (REST enqueue, SSE completion, presigned download). */
  async function generate(client: ReturnType<typeof clientFor>, options: { expectSaved?: boolean; timeoutMs?: number } = {}) {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-network-'));
    folders.push(folder);
    const events: TerminalEvent[] = [];
    const service = new GenerationService({
      client,
      store: new MemoryJournalStore(),
      tracker: { keepAliveMs: 15_000, pollIntervalMs: 100, reconcileIntervalMs: 60_000, openWaitMs: 1000, backoff: { initialMs: 100, maxMs: 400 } },
    });
    services.push(service);
    service.onTerminal((event) => {
      events.push(event);
    });
    const submitted = service.submit({
      model: KREA,
      params: { prompt: 'through the proxy', seed: 5, aspect_ratio: '1:1' },
      count: 1,
      destination: { folder, baseName: 'proxied' },
    });
    if (options.expectSaved === false) return { submitted, events, folder, service };
    await submitted;
    await waitFor(() => events.length === 1, options.timeoutMs ?? 5000, 'the saved event');
    assert.equal(events[0].type, 'saved');
    assert.equal(service.statusReads, 0, 'the completion came over the SSE stream');
    assert.deepEqual((await fs.readdir(folder)).filter((name) => !name.startsWith('.')), ['proxied.png']);
    return { submitted, events, folder, service };
  }

  function assertAllThroughProxy(e: Emulator): void {
    const api = hostPort(e.apiUrl);
    const storage = hostPort(e.storageUrl);
    assert.deepEqual([...proxy.targets()].sort(), [api, storage].sort(), 'the proxy carried the API and the storage origin');
    const seen = e.requests.map((request) => `${request.origin} ${request.method} ${request.path}`);
    assert.ok(seen.includes('api POST /api/ai/queue'), 'REST reached the emulator');
    assert.ok(seen.includes('api GET /api/events'), 'SSE reached the emulator');
    assert.ok(seen.some((line) => line.startsWith('storage GET /presigned/')), 'the download reached the storage origin');
  }

  it('sends REST, SSE and downloads through the proxy given as proxyUrl (http.proxy)', async () => {
    await generate(clientFor(emulator().apiUrl, { proxyUrl: proxy.url }));
    assertAllThroughProxy(emulator());
  });

  it('sends REST, SSE and downloads through HTTP_PROXY / HTTPS_PROXY from the environment', async () => {
    await generate(clientFor(emulator().apiUrl, { env: { HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url } }));
    assertAllThroughProxy(emulator());
  });

  it('also with the lower-case http_proxy spelling', async () => {
    await generate(clientFor(emulator().apiUrl, { env: { http_proxy: proxy.url } }));
    assertAllThroughProxy(emulator());
  });

  it('bypasses nothing: with an unreachable proxy no request reaches the emulator at all', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const client = clientFor(emulator().apiUrl, { proxyUrl: dead, timeouts: { connectMs: 1000 } });
    await assert.rejects(client.listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError, String(error));
      assert.equal(error.mayHaveReachedServer, false, 'a refused proxy connection sent nothing');
      assert.equal(error.message, `The connection to the proxy ${dead} failed (ECONNREFUSED). Check that the proxy is running, or change http.proxy.`);
      return true;
    });
    await assert.rejects(client.openEvents(AbortSignal.timeout(3000)), OxenNetworkError);
    await assert.rejects(client.transport.download(`${emulator().storageUrl}/presigned/x.png`, AbortSignal.timeout(3000)), OxenNetworkError);
    assert.deepEqual(emulator().requests, [], 'nothing went around the proxy');
  });

  it('names a dead proxy from the environment by its variable, without its credentials', async () => {
    const port = await deadPort();
    const client = clientFor(emulator().apiUrl, { env: { HTTP_PROXY: `http://user:secret@127.0.0.1:${port}` } });
    await assert.rejects(client.listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError, String(error));
      assert.equal(error.message, `The connection to the proxy http://127.0.0.1:${port} failed (ECONNREFUSED). Check that the proxy is running, or change HTTP_PROXY.`);
      return true;
    });
    assert.deepEqual(emulator().requests, [], 'nothing went around the proxy');
  });

  it('honours NO_PROXY: an excluded host is reached directly, the others through the proxy', async () => {
    await generate(clientFor(emulator().apiUrl, { env: { HTTP_PROXY: proxy.url, NO_PROXY: 'localhost' } }));
    assert.deepEqual([...proxy.targets()], [hostPort(emulator().apiUrl)], 'storage (localhost) went direct, the API through the proxy');
  });

  it('honours NO_PROXY for every host, also with an explicit proxyUrl', async () => {
    await generate(clientFor(emulator().apiUrl, { proxyUrl: proxy.url, env: { no_proxy: '127.0.0.1,localhost' } }));
    assert.deepEqual([...proxy.targets()], [], 'the proxy saw nothing');
  });
});

describe('network: TLS with a private CA (REL-11)', function () {
  this.timeout(30_000);
  const emulator = useEmulator({ timing: { queuedMs: 5, processingMs: 20 } });
  let pki: TestPki;
  let trusted: Front;
  let wrongName: Front;

  before(async () => {
    pki = await makeTestPki();
  });
  after(async () => {
    await pki?.remove();
  });
  beforeEach(async () => {
    trusted = await startFront(emulator().apiUrl, { tls: pki.server });
    wrongName = await startFront(emulator().apiUrl, { tls: pki.wrongName });
  });
  afterEach(async () => {
    await Promise.all([trusted.close(), wrongName.close()]);
  });

  it('refuses a certificate from an unknown CA with a clear message, and sends nothing', async () => {
    await assert.rejects(clientFor(trusted.url).listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError, String(error));
      assert.match(error.message, /TLS certificate is not trusted/);
      assert.match(error.message, /NODE_EXTRA_CA_CERTS/);
      assert.equal(error.timedOut, false);
      assert.equal(error.mayHaveReachedServer, false);
      return true;
    });
    assert.deepEqual(trusted.paths, [], 'no request got through the handshake');
    assert.deepEqual(emulator().requests, []);
  });

  it('trusts the CA given through NODE_EXTRA_CA_CERTS (child process), and still refuses a name that does not match', async () => {
    const output = await runScript('test/unit/support/tlsProbe.ts', [`${trusted.url}`, `${wrongName.url}`], [], cleanEnv({ NODE_EXTRA_CA_CERTS: pki.caFile }));
    const [good, wrong] = output.trim().split('\n').map((line) => JSON.parse(line) as { ok: boolean; models?: number; name?: string; message?: string; mayHaveReachedServer?: boolean });
    assert.equal(good.ok, true, JSON.stringify(good));
    assert.ok(good.models! > 0);
    assert.equal(wrong.ok, false);
    assert.equal(wrong.name, 'OxenNetworkError');
    assert.match(wrong.message!, /TLS certificate does not match the host name \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
    assert.equal(wrong.mayHaveReachedServer, false);
    assert.deepEqual(trusted.paths, ['/api/ai/models']);
    assert.deepEqual(wrongName.paths, [], 'nothing was sent to the mismatched server');
  });

  it('reaches the TLS emulator through HTTPS_PROXY with the CA from NODE_EXTRA_CA_CERTS', async () => {
    const proxy = await startConnectProxy();
    try {
      const output = await runScript('test/unit/support/tlsProbe.ts', [trusted.url], [], cleanEnv({ NODE_EXTRA_CA_CERTS: pki.caFile, HTTPS_PROXY: proxy.url }));
      const result = JSON.parse(output.trim()) as { ok: boolean };
      assert.equal(result.ok, true, output);
      assert.deepEqual(proxy.tunnels, [hostPort(trusted.url)], 'the https request was tunnelled by the proxy');
      assert.deepEqual(trusted.paths, ['/api/ai/models']);
    } finally {
      await proxy.close();
    }
  });
});

/** Lines of `source` that turn TLS verification off (REL-11). */
export function tlsVerificationDisablers(source: string): string[] {
  const patterns = [
    /rejectUnauthorized\s*[:=]\s*(false|0|!1|null|undefined|''|"")/,
    /NODE_TLS_REJECT_UNAUTHORIZED/,
    /checkServerIdentity\s*[:=]/,
  ];
  return source.split('\n').filter((line) => patterns.some((pattern) => pattern.test(line)));
}

describe('network: no code turns TLS verification off (REL-11)', () => {
  it('the scanner catches the ways of turning it off', () => {
    const bad = [
      'const agent = new Agent({ connect: { rejectUnauthorized: false } });',
      "process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';",
      'tls.connect({ rejectUnauthorized:0 })',
      'options.rejectUnauthorized = false;',
      'connect: { checkServerIdentity: () => undefined }',
    ];
    for (const line of bad) assert.deepEqual(tlsVerificationDisablers(line), [line]);
    assert.deepEqual(tlsVerificationDisablers('connect: { rejectUnauthorized: true, timeout: 10 }'), []);
  });

  it('finds none in src/', async () => {
    const offenders: string[] = [];
    async function scan(dir: string): Promise<void> {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await scan(full);
        else if (/\.(ts|js|mjs|cjs)$/.test(entry.name)) {
          for (const line of tlsVerificationDisablers(await fs.readFile(full, 'utf8'))) offenders.push(`${path.relative(REPO_ROOT, full)}: ${line.trim()}`);
        }
      }
    }
    await scan(path.join(REPO_ROOT, 'src'));
    await scan(path.join(REPO_ROOT, 'media'));
    assert.deepEqual(offenders, []);
  });
});
