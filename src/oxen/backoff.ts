/**
 * Retry delays: `Retry-After` parsing (RFC 9110 §10.2.3) and a capped exponential backoff with
 * jitter. Pure functions and a tiny class; no timers, no I/O. Must never import `vscode`.
 */

const DELTA_SECONDS = /^[0-9]+$/;

const DAY_NAMES_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const DAY_NAMES_LONG = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
const IMF_FIXDATE = /^([A-Za-z]{3}), (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
const RFC850_DATE = /^([A-Za-z]{6,9}), (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
// Obsolete asctime: Sun Nov  6 08:49:37 1994
const ASCTIME_DATE = /^([A-Za-z]{3}) ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Turns a `Retry-After` header into a delay in milliseconds from `nowMs`, at most `capMs`.
 *
 * - delta-seconds (`"120"`, digits only) → seconds × 1000;
 * - HTTP-date in any of the three RFC 9110 forms (IMF-fixdate, RFC 850, asctime) → time until
 *   that date, 0 when it is already past;
 * - anything else (negative or fractional numbers, free text, an invalid date) → `undefined`.
 *
 * With several header values (an array), the first one that parses wins.
 */
export function parseRetryAfter(header: string | string[] | undefined, nowMs: number, capMs: number): number | undefined {
  if (header === undefined) return undefined;
  const values = Array.isArray(header) ? header : [header];
  for (const raw of values) {
    const delay = parseOne(raw.trim(), nowMs);
    if (delay !== undefined) return Math.max(0, Math.min(delay, capMs));
  }
  return undefined;
}

function parseOne(value: string, nowMs: number): number | undefined {
  if (value === '') return undefined;
  if (DELTA_SECONDS.test(value)) return Number(value) * 1000;
  const dateMs = parseHttpDate(value, nowMs);
  if (dateMs === undefined) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** Milliseconds since the epoch for a valid HTTP-date, else undefined. Exported for tests. */
export function parseHttpDate(value: string, nowMs: number = Date.now()): number | undefined {
  let match = IMF_FIXDATE.exec(value);
  if (match) {
    const [, day, dd, mon, yyyy, hh, mm, ss] = match;
    return checkedDate(DAY_NAMES_SHORT.indexOf(day), Number(yyyy), MONTHS.indexOf(mon), Number(dd), hh, mm, ss);
  }
  match = RFC850_DATE.exec(value);
  if (match) {
    const [, day, dd, mon, yy, hh, mm, ss] = match;
    // RFC 9110: a two-digit year more than 50 years in the future means the previous century.
    const nowYear = new Date(nowMs).getUTCFullYear();
    let year = Math.floor(nowYear / 100) * 100 + Number(yy);
    if (year > nowYear + 50) year -= 100;
    return checkedDate(DAY_NAMES_LONG.indexOf(day), year, MONTHS.indexOf(mon), Number(dd), hh, mm, ss);
  }
  match = ASCTIME_DATE.exec(value);
  if (match) {
    const [, day, mon, dd, hh, mm, ss, yyyy] = match;
    return checkedDate(DAY_NAMES_SHORT.indexOf(day), Number(yyyy), MONTHS.indexOf(mon), Number(dd.trim()), hh, mm, ss);
  }
  return undefined;
}

function checkedDate(weekday: number, year: number, month: number, day: number, hh: string, mm: string, ss: string): number | undefined {
  const hours = Number(hh);
  const minutes = Number(mm);
  const seconds = Number(ss);
  if (weekday < 0 || month < 0 || hours > 23 || minutes > 59 || seconds > 60) return undefined;
  const ms = Date.UTC(year, month, day, hours, minutes, Math.min(seconds, 59));
  const date = new Date(ms);
  // Rejects 31 Feb and friends (Date.UTC silently rolls them over) and a wrong day name.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month || date.getUTCDate() !== day) return undefined;
  if (date.getUTCDay() !== weekday) return undefined;
  return ms;
}

export type JitterMode = 'full' | 'decorrelated';

export interface BackoffOptions {
  /** First delay scale (default 1000 ms). */
  initialMs?: number;
  /** No delay is ever longer than this (default 30000 ms). */
  maxMs?: number;
  /** Uniform in [0, 1); injectable for tests (default Math.random). */
  random?: () => number;
  /**
   * - 'full' (AWS "full jitter"): attempt n waits uniform(0, min(maxMs, initialMs × 2^n)).
   * - 'decorrelated' (default, AWS "decorrelated jitter"): waits
   *   min(maxMs, uniform(initialMs, 3 × previous)); never shorter than initialMs, so a server
   *   that accepts and drops at once is never hammered faster than that.
   */
  jitter?: JitterMode;
}

/** Capped exponential backoff with jitter. `next()` returns the next delay; `reset()` starts over. */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly jitter: JitterMode;
  private readonly random: () => number;
  private attempt = 0;
  private previous: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = Math.max(0, options.initialMs ?? 1000);
    this.maxMs = Math.max(this.initialMs, options.maxMs ?? 30_000);
    this.random = options.random ?? Math.random;
    this.jitter = options.jitter ?? 'decorrelated';
    this.previous = this.initialMs;
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const r = clampUnit(this.random());
    let delay: number;
    if (this.jitter === 'full') {
      const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 52));
      delay = r * ceiling;
    } else {
      const upper = Math.max(this.initialMs, this.previous * 3);
      delay = Math.min(this.maxMs, this.initialMs + r * (upper - this.initialMs));
      this.previous = delay;
    }
    this.attempt++;
    return Math.round(delay);
  }

  reset(): void {
    this.attempt = 0;
    this.previous = this.initialMs;
  }
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
