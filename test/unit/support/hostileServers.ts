import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/**
 * Loopback servers that misbehave on purpose (issue 7, hostile server suite).
 *
 * `startFront` puts a server in front of the emulator: every request is forwarded unchanged,
 * except that an armed attack answers the next request whose path starts with a given prefix.
 * The client under test talks only to the front, so one session meets the attack and then a
 * normal request, exactly as it would if a real server misbehaved once. With `tls` the front
 * speaks HTTPS (the network suite's local TLS emulator).
 */

export type Forward = () => void;
export type Attack = (request: http.IncomingMessage, response: http.ServerResponse, forward: Forward) => void;

export interface Front {
  /** `http://127.0.0.1:PORT` (or `https://…` with `tls`). */
  url: string;
  /** The next request whose path starts with `pathPrefix` meets `attack` (once). */
  arm(pathPrefix: string, attack: Attack): void;
  /** Paths of every request that reached the front, oldest first. */
  paths: string[];
  close(): Promise<void>;
}

export interface FrontOptions {
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Host name in `url` (default 127.0.0.1; must be loopback). */
  host?: string;
}

/** Forwards one request to `upstream` and pipes the answer back (streams, SSE included). */
export function forwardRequest(upstream: string, request: http.IncomingMessage, response: http.ServerResponse): void {
  const target = new URL(request.url ?? '/', upstream);
  const outgoing = http.request(target, { method: request.method, headers: { ...request.headers, host: target.host } }, (answer) => {
    if (!response.headersSent) response.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(response);
    answer.once('error', () => response.destroy());
  });
  outgoing.once('error', () => response.destroy());
  response.once('close', () => outgoing.destroy());
  request.pipe(outgoing);
}

export async function startFront(upstream: string, options: FrontOptions = {}): Promise<Front> {
  const armed: Array<{ prefix: string; attack: Attack }> = [];
  const paths: string[] = [];
  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://front').pathname;
    paths.push(path);
    const index = armed.findIndex((entry) => path.startsWith(entry.prefix));
    const forward = () => forwardRequest(upstream, request, response);
    if (index < 0) return forward();
    const [{ attack }] = armed.splice(index, 1);
    attack(request, response, forward);
  };
  const server: http.Server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    arm: (prefix, attack) => armed.push({ prefix, attack }),
    paths,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Written {
  /** Bytes the socket accepted before it closed or the source ended. */
  bytes: number;
  /** Resolves when writing stopped (source exhausted or the peer went away). */
  done: Promise<void>;
}

/**
 * Writes `chunks` with back-pressure until they run out (then ends the response, unless `end`
 * is false) or the client goes away. An endless generator makes an endless body.
 */
export function writeChunks(response: http.ServerResponse, chunks: Iterable<Buffer | string>, options: { end?: boolean } = {}): Written {
  const state: Written = { bytes: 0, done: Promise.resolve() };
  state.done = (async () => {
    let closed = false;
    response.once('close', () => (closed = true));
    for (const chunk of chunks) {
      if (closed || response.destroyed) return;
      state.bytes += Buffer.byteLength(chunk);
      if (!response.write(chunk)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            response.off('drain', go);
            response.off('close', go);
            resolve();
          };
          response.once('drain', go);
          response.once('close', go);
        });
      }
    }
    if (!closed && options.end !== false) response.end();
  })();
  return state;
}

/** `count` copies of `chunk` (Infinity: forever). */
export function* repeat(chunk: Buffer | string, count = Infinity): Generator<Buffer | string> {
  for (let i = 0; i < count; i++) yield chunk;
}

/** Writes `bytes` one byte at a time, `intervalMs` apart, until done or the client leaves. */
export function trickle(response: http.ServerResponse, bytes: Buffer, intervalMs: number): void {
  let index = 0;
  const timer = setInterval(() => {
    if (response.destroyed || index >= bytes.length) {
      clearInterval(timer);
      if (!response.destroyed) response.end();
      return;
    }
    response.write(bytes.subarray(index, ++index));
  }, intervalMs);
  response.once('close', () => clearInterval(timer));
}

let gcFunction: (() => void) | undefined;

/** A full garbage collection, also when mocha runs without --expose-gc. */
export function collectGarbage(): void {
  if (!gcFunction) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFunction = exposed;
    else {
      v8.setFlagsFromString('--expose-gc');
      gcFunction = vm.runInNewContext('gc') as () => void;
    }
  }
  gcFunction();
  gcFunction();
}

/** Heap plus external memory (Buffers live outside the heap) after a full collection. */
export function retainedBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** 8 bytes of the PNG signature: enough for the sniffer to take the rest for an image. */
export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
