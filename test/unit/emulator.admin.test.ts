import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { apiClient, call, sleep, waitUntil } from '../emulator/testing/client';
import { EventStreamProbe } from '../emulator/testing/eventStream';

const KREA = 'krea-v2-large-text-to-image';

describe('emulator: admin endpoints', () => {
  let emulator: Emulator;
  let admin: (method: string, endpoint: string, body?: unknown) => ReturnType<typeof call>;
  let api: ReturnType<typeof apiClient>;
  const probes: EventStreamProbe[] = [];

  beforeEach(async () => {
    emulator = await startEmulator({ timing: { queuedMs: 5, processingMs: 20 } });
    // Admin calls carry no key: they must work without one.
    admin = (method, endpoint, body) => call(`${emulator.apiUrl}/__emulator/${endpoint}`, method, { body, key: null });
    api = apiClient(emulator.apiUrl);
  });
  afterEach(async () => {
    probes.splice(0).forEach((probe) => probe.close());
    await emulator.close();
  });

  async function enqueue(count = 1): Promise<string[]> {
    const reply = await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations: count });
    return reply.json().generations.map((item: { generation_id: string }) => item.generation_id);
  }

  it('POST faults sets a partial config and answers the whole current config', async () => {
    const reply = await admin('POST', 'faults', { httpErrors: [{ path: '/api/ai/models', status: 503, times: 1 }], imagePadBytes: 1000 });
    assert.equal(reply.status, 200);
    assert.equal(reply.json().imagePadBytes, 1000);
    assert.equal(reply.json().downloadBody, 'image');
    assert.equal((await api.get('/api/ai/models')).status, 503);
    assert.equal(emulator.faults.current().imagePadBytes, 1000);
  });

  it('POST faults rejects unknown faults and wrong types with a 400 that says what is wrong', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ sseStal: 1 }, /unknown fault "sseStal"/],
      [{ toString: 1 }, /unknown fault "toString"/],
      [{ sseStall: -1 }, /"sseStall" must be a non-negative integer/],
      [{ downloadBody: 'gzip' }, /"downloadBody" must be "image", "html" or "truncated"/],
      [{ httpErrors: [{ path: '/x', status: 500 }] }, /"httpErrors" must be/],
      [{ chaos: { seed: 1, http5xxRate: 2 } }, /"chaos" must be/],
      [[1, 2], /JSON object/],
    ];
    for (const [body, message] of cases) {
      const reply = await admin('POST', 'faults', body);
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.match(reply.json().error, message);
    }
    assert.equal(emulator.faults.current().sseStall, 0, 'nothing was applied');
  });

  it('GET requests lists recorded API requests, never admin ones', async () => {
    await api.get('/api/ai/models?developer_name=krea');
    await admin('GET', 'state');
    const log = (await admin('GET', 'requests')).json();
    assert.equal(log.length, 1);
    assert.deepEqual({ ...log[0], at: 0 }, {
      method: 'GET',
      path: '/api/ai/models',
      query: { developer_name: 'krea' },
      origin: 'api',
      authorization: 'Bearer test-key',
      at: 0,
      bodyBytes: 0,
    });
  });

  it('GET state shows the rows as the API does and the SSE counters', async () => {
    const probe = await EventStreamProbe.open(emulator.apiUrl);
    probes.push(probe);
    emulator.hold(true); // keep the row still while it is compared
    const [id] = await enqueue();
    await waitUntil(() => emulator.sse.open() === 1, 'open stream');
    const state = (await admin('GET', 'state')).json();
    assert.deepEqual(state.sse, { open: 1, total: 1 });
    assert.deepEqual(state.generations, [emulator.generation(id)]);
  });

  it('POST hold and POST settle drive generations by hand', async () => {
    const probe = await EventStreamProbe.open(emulator.apiUrl);
    probes.push(probe);
    assert.equal((await admin('POST', 'hold', { on: true })).status, 200);
    const [good, bad] = await enqueue(2);
    await sleep(60);
    assert.equal(emulator.generation(good)?.status, 'queued');
    assert.equal((await admin('POST', 'settle', { id: good, status: 'succeeded' })).status, 200);
    assert.equal((await admin('POST', 'settle', { id: bad, status: 'failed', error: 'Provider timeout' })).status, 200);
    await probe.waitForCompletions(2);
    assert.equal(emulator.generation(bad)?.error_message, 'Provider timeout');
    assert.equal((await admin('POST', 'settle', { id: good, status: 'succeeded' })).status, 409);
    assert.equal((await admin('POST', 'settle', { id: 'nope', status: 'succeeded' })).status, 404);
    assert.equal((await admin('POST', 'settle', { id: good, status: 'cancelled' })).status, 400);
    assert.equal((await admin('POST', 'hold', { on: 'yes' })).status, 400);
  });

  it('POST start moves a held generation to processing, where it stays until settled', async () => {
    await admin('POST', 'hold', { on: true });
    const [id] = await enqueue();
    assert.equal((await admin('POST', 'start', { id })).status, 200);
    await sleep(60);
    assert.equal(emulator.generation(id)?.status, 'processing');
    assert.equal((await admin('POST', 'start', { id })).status, 409);
    assert.equal((await admin('POST', 'start', { id: 'nope' })).status, 404);
    assert.equal((await admin('POST', 'settle', { id, status: 'succeeded' })).status, 200);
    assert.equal(emulator.generation(id)?.status, 'succeeded');
  });

  it('POST emit pushes a raw event to subscribers', async () => {
    const probe = await EventStreamProbe.open(emulator.apiUrl);
    probes.push(probe);
    await waitUntil(() => emulator.sse.open() === 1, 'open stream');
    assert.equal((await admin('POST', 'emit', { event: 'model_updated', data: '{"id":"x"}' })).status, 200);
    await waitUntil(() => probe.raw.includes('event: model_updated\ndata: {"id":"x"}\n\n'), 'the emitted event');
  });

  it('POST reset clears faults and requests and releases hold', async () => {
    await admin('POST', 'faults', { sseStall: 3 });
    await admin('POST', 'hold', { on: true });
    await api.get('/api/ai/models');
    assert.equal((await admin('POST', 'reset')).status, 200);
    assert.equal(emulator.faults.current().sseStall, 0);
    assert.equal(emulator.requests.length, 0);
    const [id] = await enqueue();
    await waitUntil(() => emulator.generation(id)?.status === 'succeeded', 'a normal run');
  });

  it('POST api-key makes the emulator accept another key until the next reset', async () => {
    const sentinel = 'sentinel-for-admin-test';
    assert.equal((await admin('POST', 'api-key', { key: sentinel })).status, 200);
    assert.equal((await call(`${emulator.apiUrl}/api/ai/models`, 'GET', { key: sentinel })).status, 200);
    assert.equal((await api.get('/api/ai/models')).status, 401, 'the started key is no longer accepted');
    assert.equal((await admin('POST', 'api-key', { key: '' })).status, 400);
    await admin('POST', 'reset');
    assert.equal((await api.get('/api/ai/models')).status, 200);
    assert.equal((await call(`${emulator.apiUrl}/api/ai/models`, 'GET', { key: sentinel })).status, 401);
  });

  it('answers 404 for an unknown admin endpoint', async () => {
    assert.equal((await admin('GET', 'nothing')).status, 404);
  });
});

describe('emulator: command line', function () {
  this.timeout(15_000);
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  function launch(args: string[]): ChildProcess {
    const cli = path.join(__dirname, '..', 'emulator', 'cli.ts');
    return spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  it('prints the API URL first, serves with the given key, and exits cleanly on SIGTERM', async () => {
    child = launch(['--port', '0', '--key', 'cli-key', '--processing-ms', '10']);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitUntil(() => output.includes('\n'), 'the first line', 10_000);
    const apiUrl = output.split('\n')[0];
    assert.match(apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await call(`${apiUrl}/api/ai/models`, 'GET', { key: 'cli-key' })).status, 200);
    assert.equal((await call(`${apiUrl}/api/ai/models`, 'GET')).status, 401, 'the default key is replaced');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });

  it('refuses a malformed option', async () => {
    child = launch(['--port', 'abc']);
    const [code] = await once(child, 'exit');
    assert.equal(code, 1);
  });
});
