import { Agent, type Dispatcher, EnvHttpProxyAgent, type FormData, request } from 'undici';
import { errorFromResponse, type ErrorContext } from './errorMapping';
import { OxenCancelledError, OxenNetworkError, OxenProtocolError } from './errors';
import { apiOriginOf, checkApiRedirect, checkDownloadRedirect, checkDownloadUrl } from './urlPolicy';

export interface TransportTimeouts {
  /** TCP + TLS handshake. */
  connectMs: number;
  /** From request sent to response headers. */
  headersMs: number;
  /** Longest silence while reading a body. */
  bodyIdleMs: number;
  /** Whole JSON call, headers and body included. */
  requestMs: number;
}

export const DEFAULT_TIMEOUTS: TransportTimeouts = {
  connectMs: 10_000,
  headersMs: 30_000,
  bodyIdleMs: 30_000,
  requestMs: 60_000,
};

/** JSON answers larger than this are refused: no legitimate API answer comes close. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** The statuses that say "ask over there"; 300, 304 and the rest are answers in their own right. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Far below the 20-30 of browsers and Python requests: a legitimate chain is one or two hops (REL-13). */
const MAX_REDIRECTS = 5;

export interface TransportOptions {
  baseUrl: string;
  /** Read on every request, so a key set or cleared by the user applies at once. */
  getApiKey: () => Promise<string | undefined>;
  userAgent: string;
  /** An explicit proxy (VS Code's `http.proxy`); otherwise HTTPS_PROXY / HTTP_PROXY from `env`. */
  proxyUrl?: string;
  env?: NodeJS.ProcessEnv;
  timeouts?: Partial<TransportTimeouts>;
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface StreamedResponse {
  status: number;
  headers: ResponseHeaders;
  body: AsyncIterable<Uint8Array>;
  /** Stops reading and releases the connection. */
  discard(): void;
}

export interface JsonRequest {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  context?: ErrorContext;
  /**
   * For a call that answers only when its work is done (the sync image endpoint): the longest
   * wait for the answer's headers and for the whole call, instead of the usual timeouts.
   */
  blockingMs?: number;
}

/** Per-request overrides of the dispatcher's timeouts. */
interface RequestTimeouts {
  headersTimeout?: number;
  bodyTimeout?: number;
}

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ENETUNREACH', 'EHOSTUNREACH']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);
/** TLS refusals (OpenSSL / Node codes): the handshake failed, so nothing was sent. */
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
]);
const TLS_CODES: Record<string, string> = {
  ...Object.fromEntries([...UNTRUSTED_CERT_CODES].map((code) => [code, 'the server\'s TLS certificate is not trusted; if a proxy or company network inspects TLS, give its CA certificate to VS Code through NODE_EXTRA_CA_CERTS'])),
  ERR_TLS_CERT_ALTNAME_INVALID: 'the server\'s TLS certificate does not match the host name',
  CERT_HAS_EXPIRED: 'the server\'s TLS certificate has expired',
  CERT_NOT_YET_VALID: 'the server\'s TLS certificate is not valid yet',
};

/** One request as sent; a redirect may change method and body, never add a header. */
interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body: string | FormData | undefined;
}

/** Which redirects a kind of request may follow (REL-13, SEC-04). */
interface RedirectRule {
  /** The request's subject in a message: "The image download was redirected …". */
  what: string;
  /** The URL to ask next; throws when the redirect must not be followed. */
  target(location: string, from: URL): URL;
}

/**
 * What a redirect does to the request, as Python requests decides it: 303 and 302 turn it into a
 * GET, 301 only a POST; 307 and 308 repeat it exactly, body included.
 */
function redirected(outgoing: Outgoing, status: number): Outgoing {
  const toGet = outgoing.method !== 'HEAD' && (status === 303 || status === 302 || (status === 301 && outgoing.method === 'POST'));
  if (!toGet) return outgoing;
  const { 'content-type': _dropped, ...headers } = outgoing.headers;
  return { method: 'GET', headers, body: undefined };
}

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown })?.code;
  if (typeof direct === 'string') return direct;
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

/** Stops reading a body; undici reports that as an error event nobody needs to hear. */
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.once('error', () => undefined);
  body.destroy();
}

/** A proxy in use, and where the user set it, so a failing proxy is named as such. */
interface ConfiguredProxy {
  /** `host:port`, as a refused connection reports it. */
  endpoint: string;
  origin: string;
  setting: string;
}

function proxyUrls(options: TransportOptions): { httpsProxy: string | undefined; httpProxy: string | undefined } {
  const env = options.env ?? process.env;
  return {
    httpsProxy: options.proxyUrl || env.HTTPS_PROXY || env.https_proxy,
    httpProxy: options.proxyUrl || env.HTTP_PROXY || env.http_proxy,
  };
}

function configuredProxies(options: TransportOptions): ConfiguredProxy[] {
  const { httpsProxy, httpProxy } = proxyUrls(options);
  const fromUrl = (raw: string | undefined, envName: string): ConfiguredProxy[] => {
    if (!raw) return [];
    try {
      const url = new URL(raw);
      const port = url.port || (url.protocol === 'https:' ? '443' : '80');
      // The origin carries no user:password, so a message never shows proxy credentials.
      return [{ endpoint: `${url.hostname.replace(/^\[|\]$/g, '')}:${port}`, origin: url.origin, setting: options.proxyUrl ? 'http.proxy' : envName }];
    } catch {
      return [];
    }
  };
  return [...fromUrl(httpsProxy, 'HTTPS_PROXY'), ...fromUrl(httpProxy, 'HTTP_PROXY')];
}

/** The proxy a connection error is about: Node reports the address and port it could not reach. */
function failedProxy(error: unknown, proxies: readonly ConfiguredProxy[]): ConfiguredProxy | undefined {
  for (const candidate of [error, (error as { cause?: unknown })?.cause]) {
    const { address, port } = (candidate ?? {}) as { address?: unknown; port?: unknown };
    if (typeof address !== 'string' || typeof port !== 'number') continue;
    const found = proxies.find((proxy) => proxy.endpoint === `${address}:${port}`);
    if (found) return found;
  }
  return undefined;
}

function buildDispatcher(options: TransportOptions, timeouts: TransportTimeouts): Dispatcher {
  const env = options.env ?? process.env;
  // No cap on connections per origin: with one, a connection that some failure path never
  // releases (a stalled stream, an abandoned answer) would end up stalling every later request.
  const agentOptions = {
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyIdleMs,
  };
  const { httpsProxy, httpProxy } = proxyUrls(options);
  if (!httpsProxy && !httpProxy) return new Agent(agentOptions);
  return new EnvHttpProxyAgent({
    ...agentOptions,
    httpProxy,
    httpsProxy,
    noProxy: env.NO_PROXY ?? env.no_proxy ?? '',
  });
}

/**
 * The only way the extension talks HTTP. It sends the API key to the configured API origin and
 * nowhere else, follows redirects only where the key cannot ride along to another host (REL-13),
 * puts a timeout on every phase and turns every failure into an `OxenError`.
 */
export class OxenTransport {
  readonly apiOrigin: string;
  private readonly baseUrl: URL;
  private readonly timeouts: TransportTimeouts;
  private readonly dispatcher: Dispatcher;
  private readonly proxies: ConfiguredProxy[];
  /** API calls stay on the API origin: a redirect elsewhere would take the key along. */
  private readonly apiRedirects: RedirectRule;
  /** Downloads go where storage sends them, over https, with the key only on the API origin. */
  private readonly downloadRedirects: RedirectRule;

  constructor(private readonly options: TransportOptions) {
    this.apiOrigin = apiOriginOf(options.baseUrl);
    this.baseUrl = new URL(options.baseUrl);
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.dispatcher = buildDispatcher(options, this.timeouts);
    this.proxies = configuredProxies(options);
    this.apiRedirects = { what: 'The request to Oxen', target: (location, from) => checkApiRedirect(location, from, this.apiOrigin) };
    this.downloadRedirects = { what: 'The image download', target: (location, from) => checkDownloadRedirect(location, from, this.apiOrigin) };
  }

  /** A URL under the configured base URL (keeps a base path such as `https://proxy/oxen`). */
  apiUrl(path: string, query?: Record<string, string | number | undefined>): URL {
    const base = this.baseUrl.pathname.replace(/\/$/, '');
    const url = new URL(base + path, this.baseUrl.origin);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    return url;
  }

  async requestJson(method: string, path: string, init: JsonRequest = {}): Promise<unknown> {
    const url = this.apiUrl(path, init.query);
    const deadline = AbortSignal.timeout(init.blockingMs ?? this.timeouts.requestMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    const timeouts = init.blockingMs === undefined ? {} : { headersTimeout: init.blockingMs };
    const response = await this.sendFollowing(url, { method, headers, body }, this.apiRedirects, signal, init.signal, timeouts);
    const text = await this.readText(response, signal, init.signal);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw errorFromResponse(response.statusCode, response.headers, text, init.context);
    }
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text);
    } catch {
      throw new OxenProtocolError(`Oxen answered ${method} ${path} with something that is not JSON.`, {
        status: response.statusCode,
      });
    }
  }

  /**
   * A multipart/form-data call (repository uploads, oxen-api.md §14): same origin rule, timeouts
   * and error mapping as `requestJson`; undici writes the boundary and content type.
   */
  async requestMultipart(method: string, path: string, form: FormData, init: Omit<JsonRequest, 'body'> = {}): Promise<unknown> {
    const url = this.apiUrl(path, init.query);
    const deadline = AbortSignal.timeout(this.timeouts.requestMs);
    const signal = init.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    const outgoing = { method, headers: { accept: 'application/json' }, body: form };
    const response = await this.sendFollowing(url, outgoing, this.apiRedirects, signal, init.signal);
    const text = await this.readText(response, signal, init.signal);
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw errorFromResponse(response.statusCode, response.headers, text, init.context);
    }
    try {
      return text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new OxenProtocolError(`Oxen answered ${method} ${path} with something that is not JSON.`, { status: response.statusCode });
    }
  }

  /** Opens a long-lived response (SSE): no body idle timeout, the caller runs a watchdog. */
  async openStream(path: string, signal: AbortSignal): Promise<StreamedResponse> {
    const url = this.apiUrl(path);
    const outgoing = { method: 'GET', headers: { accept: 'text/event-stream', 'cache-control': 'no-cache' }, body: undefined };
    return this.streamed(await this.sendFollowing(url, outgoing, this.apiRedirects, signal, signal, { bodyTimeout: 0 }));
  }

  /**
   * Streams a result file, through up to 5 redirects. The key is attached only to a hop on the API
   * origin (the `result_url` fallback); presigned storage URLs get no Authorization header (SEC-04).
   * The status is the last hop's, so an expired URL at the end of a chain still reads as expired.
   */
  async download(rawUrl: string, signal: AbortSignal): Promise<StreamedResponse> {
    const url = checkDownloadUrl(rawUrl, this.apiOrigin);
    const outgoing = { method: 'GET', headers: { accept: 'image/*' }, body: undefined };
    return this.streamed(await this.sendFollowing(url, outgoing, this.downloadRedirects, signal, signal));
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }

  private streamed(response: Dispatcher.ResponseData): StreamedResponse {
    return {
      status: response.statusCode,
      headers: response.headers,
      body: response.body,
      discard: () => discardBody(response.body),
    };
  }

  /**
   * Sends the request and follows the redirects `rule` allows. Every hop is a new request built
   * from `first`'s own headers, so nothing a server said travels on, and `send` decides the key
   * per hop. A refused redirect fails without status: it is the server's doing, not an expired URL.
   */
  private async sendFollowing(
    first: URL,
    outgoing: Outgoing,
    rule: RedirectRule,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    timeouts: RequestTimeouts = {},
  ): Promise<Dispatcher.ResponseData> {
    const visited = new Set<string>();
    let url = first;
    let request = outgoing;
    for (let redirects = 0; ; redirects++) {
      visited.add(url.href);
      const response = await this.send(url, request, signal, callerSignal, timeouts);
      if (!REDIRECT_STATUSES.has(response.statusCode)) return response;
      // Read no further: a redirect's body is for people, and an unread one would hold its socket.
      discardBody(response.body);
      const location = [response.headers.location].flat()[0];
      if (!location) {
        throw new OxenProtocolError(`${rule.what} was redirected (HTTP ${response.statusCode}) by ${url.host} without a Location.`);
      }
      const next = rule.target(location, url);
      if (visited.has(next.href)) throw new OxenProtocolError(`${rule.what} was redirected to a loop at ${next.host}.`);
      if (redirects === MAX_REDIRECTS) {
        throw new OxenProtocolError(`${rule.what} went through more than ${MAX_REDIRECTS} redirects, the last to ${next.host}.`);
      }
      request = redirected(request, response.statusCode);
      url = next;
    }
  }

  private async send(
    url: URL,
    outgoing: Outgoing,
    signal: AbortSignal,
    callerSignal: AbortSignal | undefined,
    timeouts: RequestTimeouts,
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { ...outgoing.headers, 'user-agent': this.options.userAgent };
    if (url.origin === this.apiOrigin) {
      const key = await this.options.getApiKey();
      if (key) headers.authorization = `Bearer ${key}`;
    }
    try {
      return await request(url, {
        method: outgoing.method as Dispatcher.HttpMethod,
        headers,
        body: outgoing.body,
        signal,
        dispatcher: this.dispatcher,
        ...timeouts,
      });
    } catch (error) {
      throw this.networkError(error, signal, callerSignal);
    }
  }

  private async readText(response: Dispatcher.ResponseData, signal: AbortSignal, callerSignal: AbortSignal | undefined): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += chunk.length;
        if (size > MAX_JSON_BYTES) {
          discardBody(response.body);
          throw new OxenProtocolError('Oxen sent an answer far larger than any valid API answer; it was discarded.');
        }
        chunks.push(chunk as Buffer);
      }
    } catch (error) {
      if (error instanceof OxenProtocolError) throw error;
      throw this.networkError(error, signal, callerSignal);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private networkError(error: unknown, signal: AbortSignal, callerSignal: AbortSignal | undefined): Error {
    if (callerSignal?.aborted) return new OxenCancelledError();
    const code = errorCode(error);
    const timedOut = signal.aborted || (code !== undefined && TIMEOUT_CODES.has(code));
    const tls = code === undefined ? undefined : TLS_CODES[code];
    const notSent = code !== undefined && (NOT_SENT_CODES.has(code) || tls !== undefined);
    const what = timedOut ? 'timed out' : tls ? `failed: ${tls} (${code})` : `failed (${code ?? (error as Error)?.message ?? 'unknown error'})`;
    const proxy = failedProxy(error, this.proxies);
    if (proxy) {
      return new OxenNetworkError(
        `The connection to the proxy ${proxy.origin} ${what}. Check that the proxy is running, or change ${proxy.setting}.`,
        timedOut,
        !notSent,
        { cause: error },
      );
    }
    return new OxenNetworkError(`The connection to Oxen ${what}.`, timedOut, !notSent, { cause: error });
  }
}
