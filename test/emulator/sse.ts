import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FaultInjector, SseNetwork } from './faults';
import type { TimerSet } from './timers';

/** Exact framing of the contract (oxen-api.md §7): one space after each colon, a blank line after. */
function formatEvent(name: string, data: string): string {
  const dataLines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `event: ${name}\n${dataLines.join('')}\n`;
}

let oddEventId = 0;

/**
 * The same event in framing that is valid but unusual (WHATWG event-stream): CRLF line ends, no
 * space after the colon, a comment, an `id:` and a `retry:` line, and the JSON object split
 * after each comma over several `data:` lines (a client joins them with a newline, which JSON
 * reads as white space).
 */
function formatOddEvent(name: string, data: string): string {
  const dataLines = splitJson(data).map((line) => `data:${line}\r\n`);
  oddEventId += 1;
  return `: relayed\r\nid:${oddEventId}\r\nevent:${name}\r\nretry:10000\r\n${dataLines.join('')}\r\n`;
}

/** A JSON object's members on lines of their own (still one JSON text once joined with newlines). */
function splitJson(data: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return data.split('\n');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return data.split('\n');
  const members = Object.entries(parsed).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return ['{', ...members.map((member, index) => (index < members.length - 1 ? `${member},` : member)), '}'];
}

/** Turns exact framing into odd framing, for connections that asked for it. */
function reframe(text: string): string {
  if (text === KEEP_ALIVE) return ':keep-alive\r\n\r\n';
  const match = /^event: (.*)\n((?:data: .*\n)+)\n$/.exec(text);
  if (!match) return text;
  const data = match[2]!.split('\n').filter(Boolean).map((line) => line.slice('data: '.length)).join('\n');
  return formatOddEvent(match[1]!, data);
}

const KEEP_ALIVE = ': keep-alive\n\n';
const COMPLETION_EVENT = 'media_generation_completed';

/** What a hotel or airport network answers instead of the stream until the user signs in. */
const CAPTIVE_PORTAL_PAGE =
  '<!DOCTYPE html><html><head><title>Sign in to the network</title></head>' +
  '<body><h1>Welcome</h1><form method="post" action="/login"><button>Accept and connect</button></form></body></html>';

/**
 * The stream also carries events clients must ignore (deployment events, names undocumented).
 * One goes out right after connecting so every client meets one, then more at random times.
 */
function unrelatedEvent(): string {
  return formatEvent('deployment_status_changed', JSON.stringify({ deployment_id: randomUUID(), status: 'active' }));
}

interface Connection {
  res: ServerResponse;
  openedAt: number;
  /** A stalled connection got its headers and will never get another byte. */
  stalled: boolean;
  /** The network between this subscriber and Oxen (fixed when it connected). */
  network: SseNetwork | null;
  /** What a buffering proxy holds back until the connection closes. */
  held: string[];
  framing: 'odd' | null;
  chaosDropAt: number | null;
  /** Heartbeat and unrelated-event timers, cancelled when the connection closes. */
  timers: Set<NodeJS.Timeout>;
  dropTimer?: NodeJS.Timeout;
}

export interface SseHubOptions {
  keepAliveMs: number;
  timers: TimerSet;
  faults: FaultInjector;
  /** Chaos drops land within this long after opening, i.e. while generations are in flight. */
  chaosDropWindowMs: number;
}

/** Owns the open GET /api/events streams: heartbeats, broadcasts, and the SSE faults. */
export class SseHub {
  private readonly connections = new Set<Connection>();
  private accepted = 0;

  constructor(private readonly options: SseHubOptions) {
    options.faults.onChange(() => {
      for (const connection of this.connections) this.scheduleDrop(connection);
    });
  }

  open(): number {
    return this.connections.size;
  }

  total(): number {
    return this.accepted;
  }

  accept(res: ServerResponse): void {
    const { faults, timers, keepAliveMs, chaosDropWindowMs } = this.options;
    const network = faults.sseNetwork();
    if (network === 'captive-portal') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(CAPTIVE_PORTAL_PAGE);
      return;
    }
    res.writeHead(200, {
      'Content-Type': network === 'wrong-content-type' ? 'application/octet-stream' : 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const plan = faults.planSseConnection(chaosDropWindowMs);
    const openedAt = Date.now();
    const connection: Connection = {
      res,
      openedAt,
      stalled: plan.stall,
      network,
      held: [],
      framing: faults.sseFraming(),
      chaosDropAt: plan.chaosDropAfterMs === null ? null : openedAt + plan.chaosDropAfterMs,
      timers: new Set(),
    };
    this.connections.add(connection);
    this.accepted += 1;
    res.on('close', () => {
      this.connections.delete(connection);
      for (const timer of connection.timers) timers.cancel(timer);
      timers.cancel(connection.dropTimer);
    });
    this.scheduleDrop(connection);
    if (connection.stalled) return;
    if (connection.framing === 'odd') res.write('\uFEFF');

    this.send(connection, unrelatedEvent());
    connection.timers.add(timers.every(keepAliveMs, () => this.send(connection, KEEP_ALIVE)));
    this.scheduleUnrelatedEvent(connection);
  }

  /** Sends to the subscribers connected now; there is no buffer and no replay (§7). */
  broadcast(name: string, data: string): void {
    const frame = formatEvent(name, data);
    for (const connection of this.connections) {
      if (name === COMPLETION_EVENT && connection.network === 'filter-completions') continue;
      this.send(connection, frame);
    }
  }

  /** Writes to one subscriber through whatever network it is behind. */
  private send(connection: Connection, exact: string): void {
    if (connection.stalled) return;
    const text = connection.framing === 'odd' ? reframe(exact) : exact;
    if (connection.network === 'buffering') connection.held.push(text);
    else connection.res.write(text);
  }

  /** Ends a connection from the server's side: a buffering proxy passes on what it held only now. */
  private drop(connection: Connection): void {
    if (connection.held.length > 0) connection.res.end(connection.held.splice(0).join(''));
    else connection.res.destroy();
  }

  closeAll(): void {
    for (const connection of this.connections) connection.res.destroy();
  }

  private scheduleUnrelatedEvent(connection: Connection): void {
    const { timers, keepAliveMs } = this.options;
    const delay = keepAliveMs * (1 + Math.random() * 2);
    const timer = timers.after(delay, () => {
      connection.timers.delete(timer);
      this.send(connection, unrelatedEvent());
      this.scheduleUnrelatedEvent(connection);
    });
    connection.timers.add(timer);
  }

  /** (Re)arms the drop deadline: the earlier of the chaos deadline and `sseDropAfterMs` as set now. */
  private scheduleDrop(connection: Connection): void {
    const { timers, faults } = this.options;
    timers.cancel(connection.dropTimer);
    const dropAfterMs = faults.sseDropAfterMs();
    const deadlines = [connection.chaosDropAt, dropAfterMs === null ? null : connection.openedAt + dropAfterMs]
      .filter((deadline): deadline is number => deadline !== null);
    connection.dropTimer =
      deadlines.length === 0
        ? undefined
        : timers.after(Math.max(0, Math.min(...deadlines) - Date.now()), () => this.drop(connection));
  }
}
