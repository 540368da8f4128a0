/** What scaleProbe.ts and scale.ts say to each other (kept apart: importing the probe would run it). */

/** The probe printed this once its warm-up generations are in flight: settle them. */
export const WARM_UP_LINE = 'warm-up-in-flight';
/** The probe printed this once all measured generations are in flight: settle them. */
export const IN_FLIGHT_LINE = 'in-flight';

export interface ScaleProbeResult {
  generations: number;
  saved: number;
  failures: number;
  submitCpuMs: number;
  /** CPU spent over IDLE_WINDOW_MS with every generation in flight and nothing happening. */
  idleCpuMs: number;
  idleWindowMs: number;
  completeCpuMs: number;
  /** Heap (and array buffers) still referenced per generation while all of them were in flight. */
  heapPerGenerationBytes: number;
  rssPerGenerationBytes: number;
  /** From the first image saved to the last. */
  completionWindowMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
  statusReads: number;
}
