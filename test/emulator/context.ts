import type { FaultInjector } from './faults';
import type { ModelCatalog } from './models';
import type { Presigner } from './presign';
import type { RecordedRequest, Variants } from './server';
import type { SseHub } from './sse';
import type { GenerationQueue } from './state/queue';
import type { TimerSet } from './timers';

/** Everything a route handler may touch: one emulator instance's state and settings. */
export interface EmulatorContext {
  /** The key /api/* requests must carry; an admin call may replace it until the next reset. */
  apiKey: string;
  readonly startApiKey: string;
  readonly apiUrl: string;
  readonly variants: Variants;
  readonly processingMs: number;
  readonly catalog: ModelCatalog;
  readonly queue: GenerationQueue;
  /** Finished pictures by generation id, for the repository and presigned downloads. */
  readonly results: Map<string, Buffer>;
  readonly sse: SseHub;
  readonly faults: FaultInjector;
  readonly presigner: Presigner;
  readonly timers: TimerSet;
  readonly requests: RecordedRequest[];
}
