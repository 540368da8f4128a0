import { createHash } from 'node:crypto';

/** A source of uniformly distributed numbers in [0, 1). */
export type Random = () => number;

/**
 * mulberry32: tiny, fast, and good enough for pictures and fault dice. Seeded so a chaos run or an
 * image can be reproduced exactly from its seed.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived from arbitrary text, stable across runs and platforms. */
export function seedFromText(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
