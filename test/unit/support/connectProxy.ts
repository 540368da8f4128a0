import * as http from 'node:http';
import * as net from 'node:net';

/**
 * A small forward proxy on loopback that records what it carries (REL-11): HTTP CONNECT tunnels
 * (what undici's ProxyAgent uses for every request) and plain absolute-URI HTTP requests.
 * It refuses any target that is not loopback, so a test can never reach the network through it.
 */
export interface ConnectProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `host:port` of every CONNECT tunnel opened, oldest first. */
  tunnels: string[];
  /** `host:port` of every plain forwarded request. */
  forwarded: string[];
  /**
   * `METHOD path` of every request the proxy saw: forwarded ones, and those inside a tunnel to a
   * plain-HTTP target (readable there, unlike TLS), so a test can tell REST, SSE and downloads apart.
   */
  requests: string[];
  /** Every `host:port` the proxy carried traffic to, either way. */
  targets(): Set<string>;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

function splitHostPort(authority: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(authority);
  if (!match) return undefined;
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

/** A loopback port nothing listens on (a server is started, then closed): a dead proxy. */
export async function deadPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** `METHOD path` of the HTTP/1.1 request lines at the start of the chunk's lines. */
function requestLinesIn(chunk: Buffer): string[] {
  const lines = chunk.toString('latin1').matchAll(/^([A-Z]+) (\/\S*) HTTP\/1\.1\r$/gm);
  return [...lines].map((match) => `${match[1]} ${match[2]!.replace(/\?.*$/, '')}`);
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const forwarded: string[] = [];
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server = http.createServer((request, response) => {
    let target: URL;
    try {
      target = new URL(request.url ?? '');
    } catch {
      response.writeHead(400).end('absolute URI expected');
      return;
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      response.writeHead(403).end('loopback only');
      return;
    }
    forwarded.push(target.host);
    requests.push(`${request.method} ${target.pathname}`);
    const outgoing = http.request(target, { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    outgoing.once('error', () => response.destroy());
    response.once('close', () => outgoing.destroy());
    request.pipe(outgoing);
  });
  server.on('connection', track);
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = splitHostPort(request.url ?? '');
    if (!target || !LOOPBACK.has(target.host)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.push(request.url ?? '');
    const upstream = net.connect(target.port, target.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => requests.push(...requestLinesIn(chunk)));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.once('close', () => client.destroy());
    client.once('close', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    forwarded,
    requests,
    targets: () => new Set([...tunnels, ...forwarded]),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
