/**
 * REL-11 in the real extension host: `http.proxy` set in the user settings restarts the core, and
 * then REST, the event stream and downloads all go through a loopback forward proxy started here;
 * a dead proxy gives a clear error and nothing goes around it.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { deadPort, startConnectProxy, type ConnectProxy } from '../../unit/support/connectProxy';
import { emulator } from './support/emulator';
import { extensionApi, generate, rejection, waitFor, waitUntilIdle } from './support/extension';

/** Sets `http.proxy` in the user settings and waits for the core that uses it. */
async function useUserProxy(url: string | undefined): Promise<void> {
  const api = await extensionApi();
  const before = await api.whenCoreReady();
  await vscode.workspace.getConfiguration('http').update('proxy', url, vscode.ConfigurationTarget.Global);
  const after = await waitFor('the core to restart with the new proxy', async () => {
    const core = await api.whenCoreReady();
    return core.connection().proxyUrl === url && core;
  });
  assert.notEqual(after, before, 'a proxy change replaces the core');
}

describe('REL-11: http.proxy from the user settings', function () {
  this.timeout(90_000);
  let proxy: ConnectProxy;

  before(async () => {
    const noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? '';
    assert.ok(!/127\.0\.0\.1|localhost|\*/.test(noProxy), `the extension host must not exempt loopback from proxies (NO_PROXY=${noProxy})`);
    proxy = await startConnectProxy();
    await extensionApi();
  });

  afterEach(async () => {
    await emulator.reset();
    await useUserProxy(undefined);
    await waitUntilIdle(await extensionApi());
  });

  after(() => proxy.close());

  it('REL-11: REST, the event stream and the download all go through the proxy', async () => {
    await useUserProxy(proxy.url);
    await emulator.reset();
    const result = await generate({ prompt: 'a lantern behind glass', wait: true });
    assert.equal(result.files?.length, 1, 'the generation worked through the proxy');

    const requests = await emulator.requests();
    const api = requests.find((request) => request.origin === 'api');
    const storage = requests.find((request) => request.origin === 'storage');
    assert.ok(api && storage, 'the emulator served both its API and its storage origin');
    const targets = [...proxy.targets()];
    assert.equal(targets.length, 2, `the proxy carried the API and the storage origin: ${targets.join(', ')}`);
    assert.ok(targets.includes(new URL(emulator.url()).host), 'the API origin went through the proxy');
    assert.ok(targets.some((target) => target.startsWith('localhost:')), 'the storage origin went through the proxy');
    for (const kind of ['POST /api/ai/queue', 'GET /api/events']) {
      assert.ok(proxy.requests.includes(kind), `${kind} went through the proxy (saw ${proxy.requests.join(', ')})`);
    }
    assert.ok(proxy.requests.some((line) => line.startsWith('GET /presigned/')), 'the download went through the proxy');
    const bypassed = requests.map((request) => `${request.method} ${request.path}`).filter((line) => !proxy.requests.includes(line));
    assert.deepEqual(bypassed, [], 'no request reached the emulator around the proxy');
  });

  it('REL-11: a dead proxy fails with a clear message, and nothing goes around it', async () => {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    await useUserProxy(dead);
    await emulator.reset();
    const message = await rejection(generate({ prompt: 'a lantern in the dark', wait: true }));
    assert.equal(message, `The connection to the proxy ${dead} failed (ECONNREFUSED). Check that the proxy is running, or change http.proxy.`);
    assert.deepEqual(await emulator.requests(), [], 'no request reached the emulator directly');
  });
});
