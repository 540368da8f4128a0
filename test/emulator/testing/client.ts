import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';

/** A complete HTTP answer, read to the end. */
export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
  text: string;
  /** Parsed body; `any` because tests probe arbitrary response shapes. */
  json(): any;
}

export interface CallOptions {
  body?: unknown;
  /** The Bearer key to send; null sends no Authorization header. Default: the emulator's default key. */
  key?: string | null;
}

/** One real HTTP request with undici, as the extension would send it. */
export async function call(url: string, method: string, options: CallOptions = {}): Promise<Reply> {
  const key = options.key === undefined ? 'test-key' : options.key;
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(url, {
    method: method as 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const text = bytes.toString('utf8');
  return { status: response.statusCode, headers: response.headers, bytes, text, json: () => JSON.parse(text) };
}

/** Shorthands bound to one emulator's API origin. */
export function apiClient(apiUrl: string) {
  return {
    get: (path: string, options?: CallOptions) => call(`${apiUrl}${path}`, 'GET', options),
    post: (path: string, body: unknown, options?: CallOptions) => call(`${apiUrl}${path}`, 'POST', { ...options, body }),
    delete: (path: string, options?: CallOptions) => call(`${apiUrl}${path}`, 'DELETE', options),
  };
}

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
