import type { Summary } from './stats';

/**
 * One line of the benchmark table: our figure and, where the issue asks for a comparison, the
 * same figure for the documented approaches measured in the same run on the same emulator.
 */
export interface Figure {
  /** Stable id; budgets.ts and bench-results.json refer to figures by it. */
  key: string;
  label: string;
  unit: Unit;
  ours: Summary;
  /** (A) "documented poll": enqueue, then GET /api/ai/queue/{id} every 5 s, then download. */
  poll?: Summary;
  /** (B) "SSE per generation": enqueue, then open an SSE connection for that generation. */
  ssePerGeneration?: Summary;
  note?: string;
}

export type Unit = 'ms' | 'bytes' | 'requests' | 'count' | 'connections';

export interface MeasurementReport {
  id: string;
  title: string;
  figures: Figure[];
  /** Method notes and anything a reader needs to interpret the figures. */
  notes: string[];
  /** Raw samples and extra detail, kept in bench-results.json only. */
  details?: Record<string, unknown>;
}

export interface Measurement {
  id: string;
  title: string;
  run(): Promise<MeasurementReport>;
}
