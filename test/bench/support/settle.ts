import type { Emulator } from '../../emulator/server';

/** Generations settled first and left out of latency figures: the first pass through a code path compiles it. */
export const WARM_UP = 5;

/** Settles a generation unless it already ended (a late timer after the approach gave up). */
export function settleIfHeld(emulator: Emulator, id: string): void {
  const status = emulator.generation(id)?.status;
  if (status === 'queued' || status === 'processing') emulator.settle(id, { status: 'succeeded' });
}

/**
 * Per generation: `at(id) - settledAt`, for every generation that reached `at`, leaving out the
 * first `warmUp` (settled first): they pay for lazy compilation, once per process.
 */
export function latencies(settledAt: ReadonlyMap<string, number>, at: (id: string) => number | undefined, warmUp = 0): number[] {
  return [...settledAt].slice(warmUp).flatMap(([id, settled]) => {
    const reached = at(id);
    return reached === undefined ? [] : [reached - settled];
  });
}
