import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';
import { apiClient, sleep, waitUntil } from '../emulator/testing/client';
import { EventStreamProbe } from '../emulator/testing/eventStream';

const KREA = 'krea-v2-large-text-to-image';
/** The exact framing of a completion event: one event line, one compact data line, a blank line. */
const COMPLETION_FRAME = /^event: media_generation_completed\ndata: \{[^\n]*\}$/;

describe('emulator: generation lifecycle and the event stream', () => {
  const running: Emulator[] = [];
  const probes: EventStreamProbe[] = [];
  async function start(options: EmulatorOptions = { timing: { queuedMs: 10, processingMs: 30 } }) {
    const emulator = await startEmulator(options);
    running.push(emulator);
    return { emulator, api: apiClient(emulator.apiUrl) };
  }
  async function subscribe(emulator: Emulator, key?: string | null): Promise<EventStreamProbe> {
    const probe = await EventStreamProbe.open(emulator.apiUrl, key);
    probes.push(probe);
    return probe;
  }
  afterEach(async () => {
    probes.splice(0).forEach((probe) => probe.close());
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  });

  async function enqueue(api: ReturnType<typeof apiClient>, body: Record<string, unknown>): Promise<string[]> {
    const reply = await api.post('/api/ai/queue', { model: KREA, ...body });
    assert.equal(reply.status, 200, reply.text);
    return reply.json().generations.map((item: { generation_id: string }) => item.generation_id);
  }

  it('moves queued → processing → succeeded on the configured timers, setting the timestamps and result_url', async () => {
    const { api, emulator } = await start({ timing: { queuedMs: 80, processingMs: 160 } });
    const [id] = await enqueue(api, { prompt: 'x' });
    const queued = emulator.generation(id);
    assert.equal(queued?.status, 'queued');
    assert.equal(queued?.started_at, null);
    await waitUntil(() => emulator.generation(id)?.status === 'processing', 'processing');
    const processing = emulator.generation(id);
    assert.equal(typeof processing?.started_at, 'number');
    assert.equal(processing?.completed_at, null);
    assert.equal(processing?.result_url, null);
    await waitUntil(() => emulator.generation(id)?.status === 'succeeded', 'succeeded');
    const done = emulator.generation(id);
    assert.equal(typeof done?.completed_at, 'number');
    assert.match(String(done?.result_url), /\/api\/repos\/emulator-user\/oxen-generations\/file\/main\//);
    assert.equal(done?.error_message, null);
  });

  it('sends exactly one media_generation_completed event per generation, framed exactly as documented', async () => {
    const { api, emulator } = await start();
    const probe = await subscribe(emulator);
    assert.equal(probe.status, 200);
    assert.match(String(probe.headers['content-type']), /^text\/event-stream/);
    const ids = await enqueue(api, { prompt: 'three boats', num_generations: 3 });
    await probe.waitForCompletions(3);
    await sleep(100); // room for a duplicate to show up
    const completionFrames = probe.frames().filter((frame) => frame.includes('media_generation_completed'));
    assert.equal(completionFrames.length, 3);
    for (const frame of completionFrames) assert.match(frame, COMPLETION_FRAME);
    const events = probe.completions();
    assert.deepEqual(events.map((event) => event.generation_id).sort(), [...ids].sort());
    for (const event of events) {
      assert.deepEqual(Object.keys(event), ['generation_id', 'status', 'media_type', 'model', 'url']);
      assert.equal(event.status, 'succeeded');
      assert.equal(event.media_type, 'image');
      assert.equal(event.model, KREA);
      assert.ok(event.url.startsWith(`${emulator.storageUrl}/presigned/${event.generation_id}.png?expires=`));
      assert.notEqual(event.url, emulator.generation(event.generation_id)?.result_url);
    }
  });

  it('fails a generation with invalid parameters when it runs, with a helpful error and a failed event', async () => {
    const { api, emulator } = await start();
    const probe = await subscribe(emulator);
    const [id] = await enqueue(api, { prompt: 'x', aspect_ratio: '7:3' });
    await probe.waitForCompletions(1);
    assert.deepEqual(probe.completions(), [
      {
        generation_id: id,
        status: 'failed',
        media_type: 'image',
        error: 'aspect_ratio must be one of 1:1, 4:3, 3:2, 16:9, 2.35:1, 4:5, 2:3, 9:16 (got "7:3")',
      },
    ]);
    const row = emulator.generation(id);
    assert.equal(row?.status, 'failed');
    assert.equal(row?.result_url, null);
    assert.equal(typeof row?.started_at, 'number');
    assert.equal(typeof row?.completed_at, 'number');
    assert.equal(row?.error_message, probe.completions()[0].error);
  });

  const invalidRuns: Array<[string, Record<string, unknown>, string]> = [
    ['a wrong type', { prompt: 'x', seed: 'abc' }, 'seed must be an integer (got "abc")'],
    ['an empty prompt', { prompt: '' }, 'Prompt cannot be empty'],
    ['11 style references', { prompt: 'x', image_style_references: Array(11).fill('https://example.com/s.png') }, 'image_style_references accepts at most 10 items (got 11)'],
    ['a style reference that is no URL', { prompt: 'x', image_style_references: ['not a url'] }, 'image_style_references[0] must be an http(s) URL (got "not a url")'],
    ['a style reference with both url keys', { prompt: 'x', image_style_references: [{ url: 'https://a.example/x.png', image_url: 'https://a.example/x.png' }] }, 'image_style_references[0] needs exactly one of "image_url" or "url"'],
    ['a style reference with an unknown key', { prompt: 'x', image_style_references: [{ url: 'https://a.example/x.png', weight: 1 }] }, 'image_style_references[0] has unknown field(s) weight; expected a URL string, {"image_url": URL, "strength"?: number} or {"url": URL, "strength"?: number}'],
    ['a style reference strength out of range', { prompt: 'x', image_style_references: [{ image_url: 'https://a.example/x.png', strength: 3 }] }, 'image_style_references[0] strength must be a number from -2 to 2 (got 3)'],
    ['a prompt mentioning insufficient credits (test hook)', { prompt: 'Please fail: INSUFFICIENT CREDITS' }, 'Insufficient credits'],
  ];
  for (const [what, body, error] of invalidRuns) {
    it(`fails a generation with ${what}`, async () => {
      const { api, emulator } = await start();
      const [id] = await enqueue(api, body);
      await waitUntil(() => emulator.generation(id)?.status === 'failed', 'failure');
      assert.equal(emulator.generation(id)?.error_message, error);
    });
  }

  it('accepts every documented style-reference shape and echoes them unchanged', async () => {
    const { api, emulator } = await start();
    const references = [
      'https://example.com/plain.png',
      { image_url: 'https://example.com/fal.png', strength: 0.8 },
      { image_url: 'https://example.com/fal-no-strength.png' },
      { url: 'https://example.com/krea.png', strength: -1.5 },
    ];
    const [id] = await enqueue(api, { prompt: 'x', image_style_references: references });
    await waitUntil(() => emulator.generation(id)?.status === 'succeeded', 'success');
    assert.deepEqual(emulator.generation(id)?.image_style_references, references);
  });

  it('sends no event for a cancelled generation, even after its processing time has passed', async () => {
    const { api, emulator } = await start({ timing: { queuedMs: 10, processingMs: 60 } });
    const probe = await subscribe(emulator);
    const [queuedId, processingId, kept] = await enqueue(api, { prompt: 'x', num_generations: 3 });
    await api.delete(`/api/ai/queue/${queuedId}`);
    await waitUntil(() => emulator.generation(processingId)?.status === 'processing', 'processing');
    await api.delete(`/api/ai/queue/${processingId}`);
    await probe.waitForCompletions(1);
    await sleep(120);
    assert.deepEqual(probe.completions().map((event) => event.generation_id), [kept]);
    assert.equal(emulator.generation(queuedId)?.status, 'cancelled');
    assert.equal(emulator.generation(processingId)?.status, 'cancelled');
  });

  it('does not replay completions to a subscriber that connects afterwards', async () => {
    const { api, emulator } = await start();
    const [id] = await enqueue(api, { prompt: 'x' });
    await waitUntil(() => emulator.generation(id)?.status === 'succeeded', 'success');
    const late = await subscribe(emulator);
    await sleep(80);
    assert.ok(late.raw.length > 0, 'the late subscriber is connected and receiving');
    assert.deepEqual(late.completions(), []);
  });

  it('sends an unrelated event right after connecting, and ": keep-alive" comments every keepAliveMs', async () => {
    const { emulator } = await start({ keepAliveMs: 50 });
    const probe = await subscribe(emulator);
    await waitUntil(() => probe.frames().length > 0, 'the first frame');
    assert.equal(probe.events()[0].event, 'deployment_status_changed');
    await sleep(230);
    const keepAlives = probe.frames().filter((frame) => frame === ': keep-alive');
    assert.ok(keepAlives.length >= 3 && keepAlives.length <= 5, `${keepAlives.length} keep-alives in ~230 ms`);
    assert.ok(probe.raw.includes('\n\n: keep-alive\n\n'));
  });

  it('requires the Bearer key for the event stream', async () => {
    const { emulator } = await start();
    const probe = await subscribe(emulator, null);
    assert.equal(probe.status, 401);
    await probe.waitForEnd();
    assert.equal(JSON.parse(probe.raw).error.type, 'unauthenticated');
    assert.equal(emulator.sse.total(), 0);
  });

  it('counts open and total SSE connections', async () => {
    const { emulator } = await start();
    const first = await subscribe(emulator);
    await subscribe(emulator);
    await waitUntil(() => emulator.sse.open() === 2, 'two open streams');
    first.close();
    await waitUntil(() => emulator.sse.open() === 1, 'one open stream');
    assert.equal(emulator.sse.total(), 2);
  });

  it('holds new generations in queued until settled; settle emits the event as usual', async () => {
    const { api, emulator } = await start();
    const probe = await subscribe(emulator);
    emulator.hold(true);
    const [winner, loser] = await enqueue(api, { prompt: 'x', num_generations: 2 });
    await sleep(100);
    assert.equal(emulator.generation(winner)?.status, 'queued');
    emulator.settle(winner, { status: 'succeeded' });
    emulator.settle(loser, { status: 'failed', error: 'Upstream provider error' });
    await probe.waitForCompletions(2);
    assert.deepEqual(
      probe.completions().map((event) => [event.generation_id, event.status, event.error]),
      [[winner, 'succeeded', undefined], [loser, 'failed', 'Upstream provider error']],
    );
    assert.equal(typeof emulator.generation(winner)?.result_url, 'string');
    assert.throws(() => emulator.settle(winner, { status: 'succeeded' }), /already succeeded/);
    assert.throws(() => emulator.settle('no-such-id', { status: 'succeeded' }), /unknown generation/);
    emulator.hold(false);
    const [after] = await enqueue(api, { prompt: 'x' });
    await waitUntil(() => emulator.generation(after)?.status === 'succeeded', 'normal run after hold');
  });

  it('pushes raw events to every subscriber with emit()', async () => {
    const { emulator } = await start();
    const [a, b] = [await subscribe(emulator), await subscribe(emulator)];
    await waitUntil(() => emulator.sse.open() === 2, 'two streams');
    emulator.emit('something_else', '{"x":1}');
    for (const probe of [a, b]) {
      await waitUntil(() => probe.raw.includes('event: something_else\ndata: {"x":1}\n\n'), 'the emitted frame');
    }
  });

  it('close() ends open event streams and resolves quickly', async () => {
    const { emulator } = await start();
    const probe = await subscribe(emulator);
    await waitUntil(() => emulator.sse.open() === 1, 'open stream');
    const started = Date.now();
    await emulator.close();
    assert.ok(Date.now() - started < 500);
    await probe.waitForEnd();
  });
});
