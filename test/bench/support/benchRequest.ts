import type { EnqueueRequest } from '../../../src/oxen/client';

/** Every approach asks for the same kind of image, so request and response sizes compare fairly. */
export const BENCH_MODEL = 'krea-v2-large-text-to-image';

/** The index makes prompts and seeds distinct (no two generations share an image or a name). */
export function benchParams(index: number): Record<string, unknown> {
  return { prompt: `benchmark image ${index}`, seed: index };
}

export function benchEnqueue(index: number): EnqueueRequest {
  return { model: BENCH_MODEL, params: benchParams(index), numGenerations: 1 };
}
