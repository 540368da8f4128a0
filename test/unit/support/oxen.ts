import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OxenClient } from '../../../src/oxen/client';
import { OxenTransport, type TransportTimeouts } from '../../../src/oxen/transport';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server';

export const TEST_KEY = 'test-key';

export function clientFor(
  baseUrl: string,
  options: { key?: string | undefined; timeouts?: Partial<TransportTimeouts>; proxyUrl?: string; env?: NodeJS.ProcessEnv } = {},
): OxenClient {
  const key = 'key' in options ? options.key : TEST_KEY;
  return new OxenClient(
    new OxenTransport({
      baseUrl,
      getApiKey: async () => key,
      userAgent: 'oxen-image-studio-tests',
      timeouts: options.timeouts,
      proxyUrl: options.proxyUrl,
      env: options.env ?? {},
    }),
  );
}

/** Starts an emulator before each test of the calling suite and closes it after. */
export function useEmulator(options: EmulatorOptions = {}): () => Emulator {
  let emulator: Emulator | undefined;
  beforeEach(async () => {
    emulator = await startEmulator({ apiKey: TEST_KEY, ...options });
  });
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });
  return () => {
    if (!emulator) throw new Error('emulator not started');
    return emulator;
  };
}

export interface CaptureServer {
  url: string;
  requests: Array<{ method: string; url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

/**
 * A loopback server that records what reaches it and answers with `respond`: stands in for a
 * hostile origin (a redirect target, a capture server a malicious setting points at).
 */
export async function startCaptureServer(
  respond: (request: http.IncomingMessage, response: http.ServerResponse) => void = (_, response) => response.end('{}'),
): Promise<CaptureServer> {
  const requests: CaptureServer['requests'] = [];
  const server = http.createServer((request, response) => {
    requests.push({ method: request.method ?? '', url: request.url ?? '', authorization: request.headers.authorization });
    respond(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function waitFor(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(check, 5);
    };
    check();
  });
}
