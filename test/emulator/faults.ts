import { downloadRedirect, type Redirect } from './downloads';
import { seededRandom, type Random } from './random';

export interface HttpErrorFault {
  /** Any method when omitted. */
  method?: string;
  /** Exact path, or a prefix when it ends in '*'. The query string is not part of it. */
  path: string;
  status: number;
  retryAfter?: string;
  /** Sent verbatim; the API's error envelope when omitted. */
  body?: string;
  /** How many matching requests get this answer before the entry is removed. */
  times: number;
}

/** Each rate is a probability from 0 to 1, rolled per request (or per connection, per download). */
export interface ChaosConfig {
  seed: number;
  sseDropRate: number;
  http5xxRate: number;
  http429Rate: number;
  slowBodyRate: number;
  expiredUrlRate: number;
  resetAfterEnqueueRate: number;
  stallRate: number;
}

export interface FaultConfig {
  httpErrors: HttpErrorFault[];
  /** The next N POST /api/ai/queue create their generations, then lose the connection unanswered. */
  resetAfterEnqueue: number;
  /** POST /api/ai/queue creates its generations at once but answers this much later (a reload lands in between). */
  enqueueAnswerDelayMs: number;
  /** Every SSE connection is destroyed this long after opening (open ones included). */
  sseDropAfterMs: number | null;
  /** The next N SSE connections get 200 and headers, then never another byte. */
  sseStall: number;
  /**
   * What a network between client and Oxen does to `/api/events` (REL-14): 'buffering' holds
   * every byte until the connection closes; 'captive-portal' answers 200 with an HTML login page;
   * 'wrong-content-type' passes the stream labelled application/octet-stream; 'filter-completions'
   * passes keep-alives and other events but drops every completion event.
   */
  sseNetwork: SseNetwork | null;
  /**
   * 'odd': still valid event-stream framing, as other servers and proxies write it (a BOM, CRLF
   * line ends, no space after the colon, `id:` and `retry:` lines, comments, the JSON split over
   * several `data:` lines). Fixed per connection when it opens.
   */
  sseFraming: 'odd' | null;
  /** Presigned URLs answer 403 as if expired. */
  expirePresigned: boolean;
  /** 'html': an HTML page labelled image/png; 'truncated': half the bytes, then the socket dies. */
  downloadBody: 'image' | 'html' | 'truncated';
  slowBodyBytesPerSec: number | null;
  /** Images grow to at least this size with a private ancillary chunk (still a valid PNG). */
  imagePadBytes: number;
  /**
   * Image downloads, presigned URL and `result_url` alike, are redirected before the image, as
   * object stores and CDNs do (REL-13): 'chain' through `hops` redirects to presigned URLs (from
   * `result_url`, a freshly signed one); 'loop' back and forth between two URLs; 'to-http' to
   * plain http on a host that does not exist.
   */
  redirects: DownloadRedirects | null;
  /** The next `times` POST /api/ai/images/generate answer `status` to the same path, here or on the storage origin. */
  apiRedirect: ApiRedirect | null;
  chaos: null | ChaosConfig;
}

export const REDIRECT_STATUSES = [301, 302, 303, 307, 308] as const;
export type RedirectStatus = (typeof REDIRECT_STATUSES)[number];
export type DownloadRedirects = { kind: 'chain'; hops: number } | { kind: 'loop' } | { kind: 'to-http' };
export interface ApiRedirect {
  to: 'same-origin' | 'other-origin';
  status: RedirectStatus;
  times: number;
}

export type SseNetwork = 'buffering' | 'captive-portal' | 'wrong-content-type' | 'filter-completions';
export const SSE_NETWORKS: readonly SseNetwork[] = ['buffering', 'captive-portal', 'wrong-content-type', 'filter-completions'];

/** How many faults fired since the last reset, by kind (a chaos run's figures). */
export type InjectedCounts = Partial<Record<'httpError' | 'http5xx' | 'http429' | 'resetAfterEnqueue' | 'sseStall' | 'sseDrop' | 'expiredUrl' | 'slowBody' | 'redirect', number>>;

export interface FaultController {
  set(partial: Partial<FaultConfig>): void;
  reset(): void;
  current(): FaultConfig;
  injected(): InjectedCounts;
}

const NO_FAULTS: FaultConfig = {
  httpErrors: [],
  resetAfterEnqueue: 0,
  enqueueAnswerDelayMs: 0,
  sseDropAfterMs: null,
  sseStall: 0,
  sseNetwork: null,
  sseFraming: null,
  expirePresigned: false,
  downloadBody: 'image',
  slowBodyBytesPerSec: null,
  imagePadBytes: 0,
  redirects: null,
  apiRedirect: null,
  chaos: null,
};

/** Chaos throttles a slow body to this rate: a 256-px picture then takes a few tenths of a second. */
const CHAOS_SLOW_BYTES_PER_SEC = 64 * 1024;
/** Retry-After on chaos 429s: short, so a chaos run of hundreds of generations still ends quickly. */
const CHAOS_RETRY_AFTER = '1';

export interface InjectedFailure {
  status: number;
  retryAfter?: string;
  body?: string;
}

export interface SseConnectionPlan {
  stall: boolean;
  /** Chaos decided to drop this connection this long after it opens; null: chaos leaves it alone. */
  chaosDropAfterMs: number | null;
}

export interface DownloadPlan {
  body: FaultConfig['downloadBody'];
  bytesPerSec: number | null;
  padToBytes: number;
  /** The redirect this request gets instead of the image, if any; `next` is the file's fresh URL. */
  redirect(current: URL, next: URL): Redirect | null;
}

/**
 * Holds the fault configuration and answers, request by request, which fault applies. Counted
 * faults are consumed as they fire. Chaos draws from a PRNG seeded by `chaos.seed`, so the same
 * seed and the same request sequence give the same faults.
 */
export class FaultInjector implements FaultController {
  private config: FaultConfig = structuredClone(NO_FAULTS);
  private chaosRandom: Random | null = null;
  private injectedCounts: InjectedCounts = {};
  private readonly changeListeners: Array<() => void> = [];

  set(partial: Partial<FaultConfig>): void {
    this.config = { ...this.config, ...structuredClone(partial) };
    if ('chaos' in partial) this.chaosRandom = this.config.chaos ? seededRandom(this.config.chaos.seed) : null;
    this.notifyChange();
  }

  reset(): void {
    this.config = structuredClone(NO_FAULTS);
    this.chaosRandom = null;
    this.injectedCounts = {};
    this.notifyChange();
  }

  current(): FaultConfig {
    return structuredClone(this.config);
  }

  injected(): InjectedCounts {
    return { ...this.injectedCounts };
  }

  private count<T>(kind: keyof InjectedCounts, fired: T): T {
    if (fired) this.injectedCounts[kind] = (this.injectedCounts[kind] ?? 0) + 1;
    return fired;
  }

  /** Lets open SSE connections follow a changed `sseDropAfterMs` at once. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  private notifyChange(): void {
    for (const listener of this.changeListeners) listener();
  }

  /** Rolls a chaos die; always false without chaos. Every call draws, keeping the sequence stable. */
  private chaosHits(rate: (chaos: ChaosConfig) => number): boolean {
    if (!this.config.chaos || !this.chaosRandom) return false;
    return this.chaosRandom() < rate(this.config.chaos);
  }

  httpFailure(origin: 'api' | 'storage', method: string, path: string): InjectedFailure | null {
    const index = this.config.httpErrors.findIndex(
      (fault) =>
        (fault.method === undefined || fault.method.toUpperCase() === method) &&
        (fault.path.endsWith('*') ? path.startsWith(fault.path.slice(0, -1)) : path === fault.path),
    );
    if (index >= 0) {
      const fault = this.config.httpErrors[index];
      fault.times -= 1;
      if (fault.times <= 0) this.config.httpErrors.splice(index, 1);
      return this.count('httpError', { status: fault.status, retryAfter: fault.retryAfter, body: fault.body });
    }
    // Chaos status errors stay on the API origin; storage gets its own chaos (expiry, slow bodies).
    if (origin !== 'api' || !this.config.chaos || !this.chaosRandom) return null;
    const roll = this.chaosRandom();
    const { http5xxRate, http429Rate } = this.config.chaos;
    if (roll < http5xxRate) return this.count('http5xx', { status: 503 });
    if (roll < http5xxRate + http429Rate) return this.count('http429', { status: 429, retryAfter: CHAOS_RETRY_AFTER });
    return null;
  }

  takeResetAfterEnqueue(): boolean {
    if (this.config.resetAfterEnqueue > 0) {
      this.config.resetAfterEnqueue -= 1;
      return this.count('resetAfterEnqueue', true);
    }
    return this.count('resetAfterEnqueue', this.chaosHits((chaos) => chaos.resetAfterEnqueueRate));
  }

  enqueueAnswerDelayMs(): number {
    return this.config.enqueueAnswerDelayMs;
  }

  /** @param chaosDropWindowMs chaos drops land uniformly within this long after the connection opens */
  planSseConnection(chaosDropWindowMs: number): SseConnectionPlan {
    let stall = this.chaosHits((chaos) => chaos.stallRate);
    if (this.config.sseStall > 0) {
      this.config.sseStall -= 1;
      stall = true;
    }
    this.count('sseStall', stall);
    const drop = this.count('sseDrop', this.chaosHits((chaos) => chaos.sseDropRate));
    const chaosDropAfterMs = drop && this.chaosRandom ? Math.floor(this.chaosRandom() * chaosDropWindowMs) : null;
    return { stall, chaosDropAfterMs };
  }

  sseDropAfterMs(): number | null {
    return this.config.sseDropAfterMs;
  }

  sseNetwork(): SseNetwork | null {
    return this.config.sseNetwork;
  }

  sseFraming(): FaultConfig['sseFraming'] {
    return this.config.sseFraming;
  }

  presignedExpired(): boolean {
    return this.count('expiredUrl', this.chaosHits((chaos) => chaos.expiredUrlRate) || this.config.expirePresigned);
  }

  downloadPlan(): DownloadPlan {
    const redirects = this.config.redirects;
    const chaosSlow = this.count('slowBody', this.chaosHits((chaos) => chaos.slowBodyRate) && this.config.slowBodyBytesPerSec === null);
    return {
      body: this.config.downloadBody,
      bytesPerSec: this.config.slowBodyBytesPerSec ?? (chaosSlow ? CHAOS_SLOW_BYTES_PER_SEC : null),
      padToBytes: this.config.imagePadBytes,
      redirect: (current, next) => redirects && this.count('redirect', downloadRedirect(redirects, current, next)),
    };
  }

  /** Counted down like `httpErrors`; null once the entries are used up. */
  takeApiRedirect(): ApiRedirect | null {
    const redirect = this.config.apiRedirect;
    if (!redirect) return null;
    redirect.times -= 1;
    if (redirect.times <= 0) this.config.apiRedirect = null;
    return this.count('redirect', { ...redirect });
  }
}

interface FieldRule {
  valid(value: unknown): boolean;
  expected: string;
}

const isCount = (value: unknown): boolean => Number.isInteger(value) && (value as number) >= 0;
const isRate = (value: unknown): boolean => typeof value === 'number' && value >= 0 && value <= 1;
const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isHttpErrorFault(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { method, path, status, retryAfter, body, times, ...extra } = value;
  return (
    Object.keys(extra).length === 0 &&
    (method === undefined || typeof method === 'string') &&
    typeof path === 'string' &&
    Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 599 &&
    (retryAfter === undefined || typeof retryAfter === 'string') &&
    (body === undefined || typeof body === 'string') &&
    Number.isInteger(times) && (times as number) >= 1
  );
}

function isDownloadRedirects(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { kind, ...rest } = value;
  if (kind === 'chain') return Object.keys(rest).length === 1 && Number.isInteger(rest.hops) && (rest.hops as number) >= 1;
  return (kind === 'loop' || kind === 'to-http') && Object.keys(rest).length === 0;
}

function isApiRedirect(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { to, status, times, ...extra } = value;
  return (
    Object.keys(extra).length === 0 &&
    (to === 'same-origin' || to === 'other-origin') &&
    REDIRECT_STATUSES.includes(status as RedirectStatus) &&
    Number.isInteger(times) && (times as number) >= 1
  );
}

function isChaos(value: unknown): boolean {
  if (!isRecord(value)) return false;
  const { seed, ...rates } = value;
  const rateNames: Array<keyof ChaosConfig> = ['sseDropRate', 'http5xxRate', 'http429Rate', 'slowBodyRate', 'expiredUrlRate', 'resetAfterEnqueueRate', 'stallRate'];
  return (
    Number.isInteger(seed) &&
    Object.keys(rates).length === rateNames.length &&
    rateNames.every((name) => isRate(rates[name]))
  );
}

const FIELD_RULES: Record<keyof FaultConfig, FieldRule> = {
  httpErrors: {
    valid: (value) => Array.isArray(value) && value.every(isHttpErrorFault),
    expected: 'an array of {method?, path, status (100-599), retryAfter?, body?, times (>= 1)}',
  },
  resetAfterEnqueue: { valid: isCount, expected: 'a non-negative integer' },
  enqueueAnswerDelayMs: { valid: isCount, expected: 'a non-negative integer' },
  sseDropAfterMs: { valid: (value) => value === null || isCount(value), expected: 'null or a non-negative integer' },
  sseStall: { valid: isCount, expected: 'a non-negative integer' },
  sseFraming: { valid: (value) => value === null || value === 'odd', expected: 'null or "odd"' },
  sseNetwork: { valid: (value) => value === null || SSE_NETWORKS.includes(value as SseNetwork), expected: `null or one of ${SSE_NETWORKS.join(', ')}` },
  expirePresigned: { valid: (value) => typeof value === 'boolean', expected: 'a boolean' },
  downloadBody: { valid: (value) => ['image', 'html', 'truncated'].includes(value as string), expected: '"image", "html" or "truncated"' },
  slowBodyBytesPerSec: {
    valid: (value) => value === null || (typeof value === 'number' && value > 0),
    expected: 'null or a positive number',
  },
  imagePadBytes: { valid: isCount, expected: 'a non-negative integer' },
  redirects: {
    valid: (value) => value === null || isDownloadRedirects(value),
    expected: 'null, {kind: "chain", hops (>= 1)}, {kind: "loop"} or {kind: "to-http"}',
  },
  apiRedirect: {
    valid: (value) => value === null || isApiRedirect(value),
    expected: `null or {to ("same-origin" or "other-origin"), status (${REDIRECT_STATUSES.join(', ')}), times (>= 1)}`,
  },
  chaos: {
    valid: (value) => value === null || isChaos(value),
    expected: 'null or {seed (integer) and every rate (0..1): sseDropRate, http5xxRate, http429Rate, slowBodyRate, expiredUrlRate, resetAfterEnqueueRate, stallRate}',
  },
};

/**
 * Validates a fault patch arriving as JSON over the admin endpoint, so a typo in an integration
 * test fails loudly instead of silently injecting nothing.
 */
export function parseFaultPatch(json: unknown): Partial<FaultConfig> {
  if (!isRecord(json)) throw new Error('fault patch must be a JSON object');
  for (const [name, value] of Object.entries(json)) {
    const rule = Object.hasOwn(FIELD_RULES, name) ? FIELD_RULES[name as keyof FaultConfig] : undefined;
    if (!rule) throw new Error(`unknown fault "${name}"; known: ${Object.keys(FIELD_RULES).join(', ')}`);
    if (!rule.valid(value)) throw new Error(`fault "${name}" must be ${rule.expected}`);
  }
  return json as Partial<FaultConfig>;
}
