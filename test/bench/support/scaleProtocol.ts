/** What scaleProbe.ts and scale.ts say to each other (kept apart: importing the probe would run it). */

/** The probe printed this once its warm-up generations are in flight: settle them, succeeded. */
export const WARM_UP_LINE = 'warm-up-in-flight';
/** The probe printed this once the tracking round is in flight: settle them all as failed. */
export const TRACKING_LINE = 'tracking-in-flight';
/** The probe printed this once the full round is in flight: settle them all, succeeded. */
export const IN_FLIGHT_LINE = 'in-flight';

/** CPU (user + system, ms) of one round of N generations in flight at once. */
export interface RoundCpu {
  /** Submitting all N and the work they leave behind. */
  submitMs: number;
  /** From the first settle to the last terminal event. */
  completeMs: number;
}

export interface ScaleProbeResult {
  generations: number;
  saved: number;
  failures: number;
  /**
   * Round 1, tracking: every generation fails at Oxen, so the completion does everything but
   * fetch and save bytes (stream event, state changes, journal, terminal event, cleanup).
   */
  tracking: RoundCpu;
  /** Round 2, the full path: every generation succeeds and its image is downloaded and saved. */
  full: RoundCpu;
  /** CPU spent over IDLE_WINDOW_MS with every generation in flight and nothing happening. */
  idleCpuMs: number;
  idleWindowMs: number;
  /** Heap (and array buffers) still referenced per generation while all of them were in flight. */
  heapPerGenerationBytes: number;
  rssPerGenerationBytes: number;
  /** From the first image saved to the last. */
  completionWindowMs: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number };
  statusReads: number;
}
