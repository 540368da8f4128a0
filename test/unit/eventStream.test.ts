import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { ResilientEventStream, type EventStreamState, type OpenSseConnection, type ResilientEventStreamOptions } from '../../src/oxen/eventStream';
import type { ServerSentEvent } from '../../src/oxen/sseParser';
import { startEmulator, type Emulator } from '../emulator/server';
import { waitFor } from './support/oxen';

// Every test talks real HTTP: the `open` function below is undici's request() against the Oxen
// emulator (or, for exact byte sequences the emulator cannot produce, a tiny node:http server).

const KEEP_ALIVE_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the client side saw: one record per `open` call, and how many connections it held at once. */
interface Probe {
  attempts: Array<{ at: number; status?: number; closedAt?: number }>;
  active: number;
  maxActive: number;
}

let agent: Agent;

function httpOpener(url: () => string, key: () => string, probe: Probe): OpenSseConnection {
  return async (signal) => {
    const record: Probe['attempts'][number] = { at: Date.now() };
    probe.attempts.push(record);
    probe.active++;
    probe.maxActive = Math.max(probe.maxActive, probe.active);
    const closed = () => {
      if (record.closedAt !== undefined) return;
      record.closedAt = Date.now();
      probe.active--;
    };
    try {
      const response = await request(`${url()}/api/events`, {
        method: 'GET',
        headers: { authorization: `Bearer ${key()}`, accept: 'text/event-stream' },
        signal,
        dispatcher: agent,
      });
      record.status = response.statusCode;
      response.body.once('close', closed);
      // No `discard`: aborting the signal alone must release the connection.
      return { status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      closed();
      throw error;
    }
  };
}

interface Harness {
  stream: ResilientEventStream;
  probe: Probe;
  events: ServerSentEvent[];
  states: EventStreamState[];
  /** retryDelayMs each time the stream entered 'backoff'. */
  delays: number[];
  opens: number;
  unauthorized: number[];
  logs: string[];
  /** Time of each onOpen call. */
  openedAt: number[];
}

function harness(
  url: () => string,
  options: Partial<ResilientEventStreamOptions> & { key?: () => string } = {},
): Harness {
  const probe: Probe = { attempts: [], active: 0, maxActive: 0 };
  const h: Harness = { probe, events: [], states: [], delays: [], opens: 0, unauthorized: [], logs: [], openedAt: [], stream: undefined as never };
  const { key, ...rest } = options;
  h.stream = new ResilientEventStream({
    open: httpOpener(url, key ?? (() => 'test-key'), probe),
    keepAliveMs: KEEP_ALIVE_MS,
    backoff: { initialMs: 20, maxMs: 100, healthyAfterMs: 60_000 },
    random: () => 0.5,
    log: (message) => h.logs.push(message),
    ...rest,
    onEvent: (event) => {
      h.events.push(event);
      rest.onEvent?.(event);
    },
    onOpen: () => {
      h.opens++;
      h.openedAt.push(Date.now());
    },
    onStateChange: (state) => {
      h.states.push(state);
      if (state === 'backoff') h.delays.push(h.stream.retryDelayMs ?? -1);
    },
    onUnauthorized: (status) => h.unauthorized.push(status),
  });
  return h;
}

/** A tiny server for exact byte sequences; `handler` gets the request number (0-based). */
async function tinyServer(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void): Promise<{ url: string; server: Server; requests: () => number }> {
  let count = 0;
  const server = createServer((req, res) => handler(req, res, count++));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests: () => count };
}

function closeTiny(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('ResilientEventStream (real HTTP against the emulator)', function () {
  this.timeout(10_000);
  let emu: Emulator;
  let current: Harness | undefined;

  before(() => {
    agent = new Agent({ keepAliveTimeout: 100 });
  });
  after(async () => {
    await agent.close();
  });
  beforeEach(async () => {
    emu = await startEmulator({ keepAliveMs: KEEP_ALIVE_MS });
  });
  afterEach(async () => {
    await current?.stream.stop();
    current = undefined;
    await emu.close();
  });

  function make(options: Parameters<typeof harness>[1] = {}): Harness {
    current = harness(() => emu.apiUrl, options);
    return current;
  }

  it('opens one connection, delivers every event (unrelated ones too), and start() is idempotent', async () => {
    const h = make();
    h.stream.start();
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open');
    h.stream.start();
    h.stream.start();
    emu.emit('media_generation_completed', '{"generation_id":"g1","status":"succeeded"}');
    await waitFor(() => h.events.some((e) => e.type === 'media_generation_completed'), 2000, 'completion event');
    assert.deepEqual(
      h.events.find((e) => e.type === 'media_generation_completed'),
      { type: 'media_generation_completed', data: '{"generation_id":"g1","status":"succeeded"}' },
    );
    // The emulator sends an unrelated event right after connecting: filtering is the caller's job.
    assert.ok(h.events.some((e) => e.type === 'deployment_status_changed'));
    assert.equal(h.opens, 1);
    assert.equal(h.stream.connectAttempts, 1);
    assert.equal(emu.sse.total(), 1);
    assert.equal(emu.sse.open(), 1);
    assert.deepEqual(h.states.slice(0, 2), ['connecting', 'open']);
  });

  it('REL-02: a server that stalls after the headers is abandoned after 3 × keepAliveMs and reconnected', async () => {
    emu.faults.set({ sseStall: 1 });
    const h = make();
    h.stream.start();
    await waitFor(() => h.opens === 2, 3000, 'second open after the stall');
    const stalledOpen = h.openedAt[0];
    const stalledClosed = h.probe.attempts[0].closedAt ?? NaN;
    const silence = stalledClosed - stalledOpen;
    // REL-02: not before 3 × keepAliveMs of silence, and not much later.
    assert.ok(silence >= 3 * KEEP_ALIVE_MS - 10, `aborted after ${silence} ms`);
    assert.ok(silence <= 3 * KEEP_ALIVE_MS + 250, `aborted after ${silence} ms`);
    assert.equal(emu.sse.total(), 2);
    await waitFor(() => emu.sse.open() === 1, 1000, 'stalled connection closed on the server');
    // The healthy second connection (keep-alives every 50 ms) stays up.
    await sleep(400);
    assert.equal(h.stream.connectAttempts, 2);
    assert.equal(h.stream.state, 'open');
  });

  it('REL-02: keep-alive comments alone (no events) keep the connection alive; bytes split anywhere still parse', async () => {
    // Exact bytes the emulator cannot produce: comments only, a BOM, and a CRLF and a 4-byte
    // character split across writes.
    const timers: NodeJS.Timeout[] = [];
    const tiny = await tinyServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.write(Buffer.from([0xef, 0xbb]));
      const event = Buffer.from('\xbf: hi\r', 'latin1');
      res.write(event);
      timers.push(
        setTimeout(() => res.write(Buffer.concat([Buffer.from('\ndata: '), Buffer.from('😀').subarray(0, 2)])), 20),
        setTimeout(() => res.write(Buffer.concat([Buffer.from('😀').subarray(2), Buffer.from('\r')]))
          , 40),
        setTimeout(() => res.write('\n\r\n'), 60),
      );
      timers.push(setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS));
    });
    try {
      current = harness(() => tiny.url);
      const h = current;
      h.stream.start();
      await waitFor(() => h.events.length === 1, 2000, 'the split event');
      assert.deepEqual(h.events, [{ type: 'message', data: '😀' }]);
      await sleep(700); // > 4 × the watchdog period, with nothing but comments arriving
      assert.equal(h.stream.connectAttempts, 1);
      assert.equal(h.stream.state, 'open');
      assert.equal(tiny.requests(), 1);
    } finally {
      for (const timer of timers) clearInterval(timer);
      await current?.stream.stop();
      await closeTiny(tiny.server);
    }
  });

  it('REL-02: a server that never sends headers is abandoned by the same watchdog', async () => {
    const tiny = await tinyServer(() => {
      /* never answers */
    });
    try {
      current = harness(() => tiny.url);
      const h = current;
      h.stream.start();
      await waitFor(() => h.stream.connectAttempts >= 2, 2000, 'second attempt');
      assert.equal(h.opens, 0);
      const t0 = Date.now();
      await h.stream.stop();
      assert.ok(Date.now() - t0 < 100);
    } finally {
      await closeTiny(tiny.server);
    }
  });

  it('REL-04 hook: a dropped connection is reopened and onOpen is called again', async () => {
    emu.faults.set({ sseDropAfterMs: 150 });
    const h = make();
    h.stream.start();
    await waitFor(() => h.opens >= 2, 3000, 'reopened after the drop');
    emu.faults.reset();
    await waitFor(() => h.stream.state === 'open', 2000, 'open again');
    const before = h.events.length;
    emu.emit('media_generation_completed', '{"generation_id":"after-drop"}');
    await waitFor(() => h.events.slice(before).some((e) => e.data === '{"generation_id":"after-drop"}'), 2000, 'event after reconnect');
    assert.equal(h.probe.maxActive, 1);
    assert.equal(emu.sse.open(), 1);
  });

  it('REL-03: 401 stops with state unauthorized, asks once, no retry loop; start() after a new key connects', async () => {
    let key = 'wrong-key';
    const h = make({ key: () => key });
    h.stream.start();
    await waitFor(() => h.stream.state === 'unauthorized', 2000, 'unauthorized');
    await sleep(400); // many backoff periods (20..100 ms)
    assert.deepEqual(h.unauthorized, [401]);
    assert.equal(h.stream.connectAttempts, 1);
    assert.equal(h.stream.state, 'unauthorized');
    assert.equal(h.opens, 0);
    assert.equal(emu.sse.total(), 0);
    key = 'test-key';
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open with the new key');
    assert.equal(h.stream.connectAttempts, 2);
  });

  it('REL-03: start() called from inside onUnauthorized (key fixed at once) begins a fresh connection', async () => {
    let key = 'wrong-key';
    const probe: Probe = { attempts: [], active: 0, maxActive: 0 };
    const statuses: number[] = [];
    let opens = 0;
    const stream: ResilientEventStream = new ResilientEventStream({
      open: httpOpener(() => emu.apiUrl, () => key, probe),
      keepAliveMs: KEEP_ALIVE_MS,
      onEvent: () => undefined,
      onOpen: () => opens++,
      onUnauthorized: (status) => {
        statuses.push(status);
        key = 'test-key';
        stream.start();
      },
    });
    try {
      stream.start();
      await waitFor(() => opens === 1, 2000, 'open after the key was fixed');
      assert.deepEqual(statuses, [401]);
      assert.equal(stream.connectAttempts, 2);
      assert.equal(probe.maxActive, 1);
    } finally {
      await stream.stop();
    }
  });

  it('REL-03: 403 is treated like 401', async () => {
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 403, times: 5 }] });
    const h = make();
    h.stream.start();
    await waitFor(() => h.stream.state === 'unauthorized', 2000, 'unauthorized');
    await sleep(300);
    assert.deepEqual(h.unauthorized, [403]);
    assert.equal(h.stream.connectAttempts, 1);
  });

  it('REL-03: 429 with Retry-After: 1 waits at least a second before the next attempt', async () => {
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 429, retryAfter: '1', times: 1 }] });
    const h = make();
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 3000, 'open after the 429');
    const gap = h.probe.attempts[1].at - h.probe.attempts[0].at;
    assert.ok(gap >= 990, `next attempt after ${gap} ms`);
    assert.ok(gap < 1500, `next attempt after ${gap} ms`);
    assert.deepEqual(h.delays, [1000]);
  });

  it('REL-03: 503 with an HTTP-date Retry-After waits until that date', async () => {
    const until = new Date(Date.now() + 2000);
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 503, retryAfter: until.toUTCString(), times: 1 }] });
    const h = make();
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 4000, 'open after the 503');
    const second = h.probe.attempts[1].at;
    // HTTP-dates have one-second resolution: the date sent is `until` rounded down.
    assert.ok(second >= Math.floor(until.getTime() / 1000) * 1000 - 20, `retried ${until.getTime() - second} ms early`);
    assert.ok(h.delays[0] > 900 && h.delays[0] <= 2000, `delay ${h.delays[0]}`);
  });

  it('REL-03: Retry-After is capped by retryAfterCapMs; other statuses ignore Retry-After', async () => {
    emu.faults.set({
      httpErrors: [
        { path: '/api/events', status: 429, retryAfter: '120', times: 1 },
        { path: '/api/events', status: 500, retryAfter: '120', times: 1 },
      ],
    });
    const h = make({ retryAfterCapMs: 300 });
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 3000, 'open');
    assert.equal(h.delays[0], 300);
    assert.ok(h.delays[1] <= 100, `a 500 used Retry-After: ${h.delays[1]}`);
    const gap = h.probe.attempts[1].at - h.probe.attempts[0].at;
    assert.ok(gap >= 290 && gap < 800, `gap ${gap}`);
  });

  it('REL-03: backoff grows exponentially up to the cap, with jitter from the injected random', async () => {
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 500, times: 5 }] });
    const h = make({ backoff: { initialMs: 20, maxMs: 300 }, random: () => 1 });
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 4000, 'open after five 500s');
    // Decorrelated jitter at its top (random = 1): min(cap, 3 × previous).
    assert.deepEqual(h.delays, [60, 180, 300, 300, 300]);
    const gaps = h.probe.attempts.slice(1).map((a, i) => a.at - h.probe.attempts[i].at);
    gaps.forEach((gap, i) => assert.ok(gap >= h.delays[i] - 2, `gap ${i} was ${gap} ms, delay ${h.delays[i]}`));
    assert.ok(gaps[4] < 300 + 250, `the cap holds: ${gaps[4]}`);
    await h.stream.stop();

    // Same failures, other random draws: other delays (jitter), never below initialMs.
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 500, times: 3 }] });
    const draws = [1, 0, 0.5];
    const j = make({ backoff: { initialMs: 20, maxMs: 300 }, random: () => draws.shift() ?? 0 });
    j.stream.start();
    await waitFor(() => j.stream.state === 'open', 4000, 'open after three 500s');
    assert.deepEqual(j.delays, [60, 20, 40]);
  });

  for (const healthy of [true, false]) {
    it(`REL-03: after a connection that stayed open ${healthy ? 'longer' : 'shorter'} than healthyAfterMs the backoff ${healthy ? 'resets' : 'keeps growing'}`, async () => {
      emu.faults.set({ httpErrors: [{ path: '/api/events', status: 500, times: 2 }], sseDropAfterMs: 250 });
      const h = make({ backoff: { initialMs: 20, maxMs: 300, healthyAfterMs: healthy ? 100 : 10_000 }, random: () => 1 });
      h.stream.start();
      await waitFor(() => h.delays.length === 3, 4000, 'the retry after the drop');
      assert.equal(h.opens, 1);
      assert.deepEqual(h.delays.slice(0, 2), [60, 180]);
      // Healthy: back to the first delay. Not healthy: a successful open alone does not reset it.
      assert.equal(h.delays[2], healthy ? 60 : 300);
    });
  }

  it('stop() resolves fast while open, leaves no connection open and no further attempts', async () => {
    const h = make();
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open');
    const t0 = Date.now();
    await h.stream.stop();
    const took = Date.now() - t0;
    assert.ok(took < 100, `stop took ${took} ms`);
    assert.equal(h.stream.state, 'stopped');
    assert.equal(h.probe.active, 0);
    await waitFor(() => emu.sse.open() === 0, 1000, 'server sees the connection closed');
    await sleep(300);
    assert.equal(h.stream.connectAttempts, 1);
    assert.equal(emu.sse.total(), 1);
  });

  it('stop() during a backoff wait resolves fast and cancels the pending retry', async () => {
    emu.faults.set({ httpErrors: [{ path: '/api/events', status: 500, times: 1 }] });
    const h = make({ backoff: { initialMs: 200, maxMs: 200 } });
    h.stream.start();
    await waitFor(() => h.stream.state === 'backoff', 2000, 'backoff');
    const t0 = Date.now();
    await h.stream.stop();
    assert.ok(Date.now() - t0 < 100);
    await sleep(400); // past the 200 ms retry timer
    assert.equal(h.stream.connectAttempts, 1);
    assert.equal(h.stream.state, 'stopped');
    assert.equal(emu.sse.open(), 0);
  });

  it('never holds two connections at once: rapid start/stop and repeated drops and stalls', async () => {
    const h = make({ backoff: { initialMs: 20, maxMs: 40 } });
    for (let i = 0; i < 5; i++) {
      h.stream.start();
      await sleep(i * 7);
      void h.stream.stop();
    }
    h.stream.start();
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open');
    emu.faults.set({ sseDropAfterMs: 60, sseStall: 3 });
    let serverMax = 0;
    const until = Date.now() + 900;
    while (Date.now() < until) {
      serverMax = Math.max(serverMax, emu.sse.open());
      await sleep(2);
    }
    emu.faults.reset();
    assert.ok(h.stream.connectAttempts >= 6, `only ${h.stream.connectAttempts} attempts`);
    assert.equal(h.probe.maxActive, 1, 'client held two connections at once');
    assert.equal(serverMax, 1, 'server saw two connections at once');
  });

  it('a 200 with the wrong content-type is a failure: no onOpen, no events, retried', async () => {
    const tiny = await tinyServer((_req, res, index) => {
      if (index === 0) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('data: not-an-event\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: real\n\n');
    });
    try {
      current = harness(() => tiny.url);
      const h = current;
      h.stream.start();
      await waitFor(() => h.events.length === 1, 2000, 'event from the second connection');
      assert.deepEqual(h.events, [{ type: 'message', data: 'real' }]);
      assert.equal(h.opens, 1);
      assert.equal(h.stream.connectAttempts, 2);
      await h.stream.stop();
    } finally {
      await closeTiny(tiny.server);
    }
  });

  it('stop() called from inside onEvent: nothing more is delivered and the connection closes', async () => {
    let stopping: Promise<void> | undefined;
    const h = make({
      onEvent: (event) => {
        if (event.type === 'media_generation_completed') stopping ??= h.stream.stop();
      },
    });
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open');
    // Usually one chunk holding both events: the second must not be delivered after stop().
    emu.emit('media_generation_completed', '{"n":1}');
    emu.emit('media_generation_completed', '{"n":2}');
    await waitFor(() => stopping !== undefined, 2000, 'first event');
    await stopping;
    assert.deepEqual(
      h.events.filter((e) => e.type === 'media_generation_completed').map((e) => e.data),
      ['{"n":1}'],
    );
    assert.equal(h.stream.state, 'stopped');
    await waitFor(() => emu.sse.open() === 0, 1000, 'closed on the server');
  });

  it('a listener that throws does not break the stream', async () => {
    const h = make({
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    h.stream.start();
    await waitFor(() => h.stream.state === 'open', 2000, 'open');
    emu.emit('media_generation_completed', '{"n":1}');
    emu.emit('media_generation_completed', '{"n":2}');
    await waitFor(() => h.events.filter((e) => e.type === 'media_generation_completed').length === 2, 2000, 'both events');
    assert.equal(h.stream.connectAttempts, 1);
    assert.ok(h.logs.some((line) => line.includes('listener bug')));
  });
});
