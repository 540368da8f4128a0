import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backoff, parseHttpDate, parseRetryAfter } from '../../src/oxen/backoff';

const NOW = Date.UTC(2026, 7, 8, 12, 0, 0); // Sat, 08 Aug 2026 12:00:00 GMT
const CAP = 300_000;

describe('parseRetryAfter (REL-03)', () => {
  const table: Array<[string | string[] | undefined, number | undefined]> = [
    // delta-seconds
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 5 ', 5000],
    ['301', CAP],
    ['99999999999999999999999', CAP],
    // HTTP-date, all three RFC 9110 forms
    ['Sat, 08 Aug 2026 12:00:30 GMT', 30_000],
    ['Saturday, 08-Aug-26 12:00:30 GMT', 30_000],
    ['Sat Aug  8 12:00:30 2026', 30_000],
    ['Sat, 08 Aug 2026 13:00:00 GMT', CAP],
    ['Sat, 08 Aug 2026 11:59:00 GMT', 0],
    ['Thu, 01 Jan 1970 00:00:00 GMT', 0],
    // garbage
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['-1', undefined],
    ['1.5', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['soon', undefined],
    ['2026-08-08T12:00:30Z', undefined],
    ['Sat, 08 Aug 2026 12:00:30 +0000', undefined],
    ['Sun, 08 Aug 2026 12:00:30 GMT', undefined], // wrong weekday
    ['Sat, 31 Feb 2026 12:00:30 GMT', undefined], // no such day
    ['Sat, 08 Aug 2026 25:00:30 GMT', undefined],
    ['Sat, 08 Foo 2026 12:00:30 GMT', undefined],
    // several header values: the first that parses
    [['garbage', '3'], 3000],
    [[], undefined],
  ];
  for (const [header, expected] of table) {
    it(`${JSON.stringify(header)} → ${String(expected)}`, () => {
      assert.equal(parseRetryAfter(header, NOW, CAP), expected);
    });
  }

  it('property: any delta-seconds is seconds × 1000, capped', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat({ max: 10_000_000 }), (seconds, cap) => {
        assert.equal(parseRetryAfter(String(seconds), NOW, cap), Math.min(seconds * 1000, cap));
      }),
    );
  });

  it('property: any IMF-fixdate is the time until that second, never negative, capped', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10 * 86_400_000, max: 10 * 86_400_000 }), (offset) => {
        const date = new Date(NOW + offset);
        const expected = Math.min(CAP, Math.max(0, Math.floor(date.getTime() / 1000) * 1000 - NOW));
        assert.equal(parseRetryAfter(date.toUTCString(), NOW, CAP), expected);
      }),
    );
  });

  it('property: arbitrary text never throws and yields undefined or a delay in [0, cap]', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789 ,:-.+GMTSatSundayAugFebx\u0000\uFFFD') })), (text) => {
        const value = parseRetryAfter(text, NOW, CAP);
        assert.ok(value === undefined || (value >= 0 && value <= CAP));
      }),
      { numRuns: 500 },
    );
  });

  it('RFC 850 two-digit years more than 50 years ahead belong to the previous century', () => {
    assert.equal(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT', NOW), Date.UTC(1994, 10, 6, 8, 49, 37));
    assert.equal(parseHttpDate('Friday, 08-Aug-70 12:00:00 GMT', NOW), Date.UTC(2070, 7, 8, 12));
  });
});

describe('Backoff (REL-03)', () => {
  it('full jitter: the ceiling doubles from initialMs and is capped at maxMs', () => {
    const top = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 1, jitter: 'full' });
    assert.deepEqual(
      Array.from({ length: 8 }, () => top.next()),
      [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
    );
    const half = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.5, jitter: 'full' });
    assert.deepEqual(
      Array.from({ length: 4 }, () => half.next()),
      [500, 1000, 2000, 4000],
    );
    const bottom = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0, jitter: 'full' });
    assert.equal(bottom.next(), 0);
  });

  it('full jitter stays capped after thousands of attempts (no overflow)', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.999, jitter: 'full' });
    for (let i = 0; i < 5000; i++) {
      const delay = backoff.next();
      assert.ok(Number.isFinite(delay) && delay <= 30_000, `attempt ${i}: ${delay}`);
    }
  });

  it('decorrelated jitter (default): grows up to 3× the previous delay, capped, never below initialMs', () => {
    const top = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 1 });
    assert.equal(top.jitter, 'decorrelated');
    assert.deepEqual(
      Array.from({ length: 6 }, () => top.next()),
      [3000, 9000, 27_000, 30_000, 30_000, 30_000],
    );
    const bottom = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0 });
    assert.deepEqual(
      Array.from({ length: 3 }, () => bottom.next()),
      [1000, 1000, 1000],
    );
  });

  it('property: every delay is within its jitter bounds for any random draws', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.constantFrom<'full' | 'decorrelated'>('full', 'decorrelated'),
        (draws, jitter) => {
          const queue = [...draws];
          const backoff = new Backoff({ initialMs: 100, maxMs: 5000, random: () => queue.shift() ?? 0, jitter });
          let previous = 100;
          draws.forEach((_, attempt) => {
            const delay = backoff.next();
            assert.ok(delay <= 5000);
            if (jitter === 'full') {
              assert.ok(delay >= 0 && delay <= Math.min(5000, 100 * 2 ** attempt));
            } else {
              assert.ok(delay >= 100 && delay <= Math.min(5000, Math.round(previous * 3)) + 1, `delay ${delay} after ${previous}`);
              previous = delay;
            }
          });
        },
      ),
    );
  });

  it('is jittered: Math.random gives spread-out delays', () => {
    for (const jitter of ['full', 'decorrelated'] as const) {
      const delays = new Set<number>();
      for (let i = 0; i < 50; i++) {
        const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter });
        backoff.next();
        delays.add(backoff.next());
      }
      assert.ok(delays.size > 25, `${jitter}: only ${delays.size} distinct delays out of 50`);
    }
  });

  it('reset() starts over from the first delay', () => {
    const backoff = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 1 });
    backoff.next();
    backoff.next();
    assert.equal(backoff.attempts, 2);
    backoff.reset();
    assert.equal(backoff.attempts, 0);
    assert.equal(backoff.next(), 3000);
  });

  it('a misbehaving random (out of range, NaN) cannot push delays out of bounds', () => {
    for (const value of [5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const backoff = new Backoff({ initialMs: 100, maxMs: 1000, random: () => value });
      for (let i = 0; i < 10; i++) {
        const delay = backoff.next();
        assert.ok(delay >= 100 && delay <= 1000, `random ${value}: ${delay}`);
      }
    }
  });

  it('defaults: 1000 ms initial, 30000 ms cap', () => {
    const backoff = new Backoff({ random: () => 1 });
    assert.equal(backoff.initialMs, 1000);
    assert.equal(backoff.maxMs, 30_000);
  });
});
