import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isInFlight } from '../../../src/generation/journal';
import { GenerationService, type DeliveryMode, type GenerationServiceOptions } from '../../../src/generation/service';
import type { OxenClient } from '../../../src/oxen/client';
import { MemoryJournalStore } from '../../unit/support/memoryJournalStore';
import { clientFor, TEST_KEY } from '../../unit/support/oxen';
import { BENCH_MODEL, benchParams } from './benchRequest';
import { CompletionClock } from './completionClock';

export interface BenchServiceOptions {
  key?: string;
  /** Tracker timings; the shipped defaults when omitted. */
  tracker?: GenerationServiceOptions['tracker'];
  /**
   * Record the moment each generation given to `watchKnown` leaves queued/processing, i.e. when
   * the service acted on the tracker's signal and started the download ("the tracker knew"). One
   * state lookup per watched generation per change; the scale benchmark, which measures CPU,
   * leaves it off.
   */
  recordKnown?: boolean;
  /** How results reach the service changed (stream, or polling and why). */
  onLiveUpdates?: GenerationServiceOptions['onLiveUpdates'];
}

/** Our generation service, wired as core.ts wires it, minus VS Code. */
export interface BenchService {
  service: GenerationService;
  client: OxenClient;
  clock: CompletionClock;
  folder: string;
  /**
   * Submits one image (distinct prompt, seed and file name per index); resolves with its id, or
   * with '' for 'sync', which has no id before Oxen answers (its terminal event carries one).
   */
  submitOne(index: number, delivery?: DeliveryMode): Promise<string>;
  /** With `recordKnown`: from now on, the clock marks this generation known when the service acts on its completion. */
  watchKnown(generationId: string): void;
  close(): Promise<void>;
}


export async function startBenchService(apiUrl: string, options: BenchServiceOptions = {}): Promise<BenchService> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-'));
  const client = clientFor(apiUrl, { key: options.key ?? TEST_KEY });
  const clock = new CompletionClock();
  const watched = new Set<string>();
  const service: GenerationService = new GenerationService({
    client,
    store: new MemoryJournalStore(),
    tracker: options.tracker,
    onLiveUpdates: options.onLiveUpdates,
    onChange: options.recordKnown
      ? () => {
          for (const id of watched) {
            const state = service.generationState(id);
            if (state !== undefined && isInFlight(state)) continue;
            clock.markKnown(id);
            watched.delete(id);
          }
        }
      : undefined,
  });
  service.onTerminal((event) => {
    if (event.generationId === undefined) return;
    if (event.type === 'saved') clock.markSaved(event.generationId);
    else clock.markFailed(event.generationId, event.type === 'failed' ? event.failure.message : 'cancelled');
  });
  return {
    service,
    client,
    clock,
    folder,
    async submitOne(index, delivery) {
      const destination = { folder, baseName: `bench-${index}` };
      const { generationIds } = await service.submit({ model: BENCH_MODEL, params: benchParams(index), count: 1, destination, delivery });
      return generationIds[0] ?? '';
    },
    watchKnown(generationId) {
      watched.add(generationId);
    },
    async close() {
      await service.dispose();
      await client.transport.close();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
