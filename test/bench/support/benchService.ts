import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GenerationService, type GenerationServiceOptions } from '../../../src/generation/service';
import type { OxenClient } from '../../../src/oxen/client';
import { clientFor, TEST_KEY } from '../../unit/support/oxen';
import { BENCH_MODEL, benchParams } from './benchRequest';
import { CompletionClock } from './completionClock';
import { ReferenceJournalStore } from './referenceJournalStore';

export interface BenchServiceOptions {
  key?: string;
  /** Tracker timings; the shipped defaults when omitted. */
  tracker?: GenerationServiceOptions['tracker'];
  /**
   * Record the moment each generation leaves queued/processing, i.e. when the service acted on
   * the tracker's signal and started the download ("the tracker knew"). Costs one views() scan
   * per change, so the scale benchmark, which measures CPU, leaves it off.
   */
  recordKnown?: boolean;
}

/** Our generation service, wired as core.ts wires it, minus VS Code. */
export interface BenchService {
  service: GenerationService;
  client: OxenClient;
  clock: CompletionClock;
  folder: string;
  /** Submits one image (distinct prompt, seed and file name per index); resolves with its id. */
  submitOne(index: number): Promise<string>;
  close(): Promise<void>;
}

const IN_FLIGHT = new Set(['queued', 'processing']);

export async function startBenchService(apiUrl: string, options: BenchServiceOptions = {}): Promise<BenchService> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-'));
  const client = clientFor(apiUrl, { key: options.key ?? TEST_KEY });
  const clock = new CompletionClock();
  const service: GenerationService = new GenerationService({
    client,
    store: new ReferenceJournalStore(),
    tracker: options.tracker,
    onChange: options.recordKnown
      ? () => {
          for (const view of service.views()) {
            if (view.generationId && !IN_FLIGHT.has(view.state)) clock.markKnown(view.generationId);
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
    async submitOne(index) {
      const destination = { folder, baseName: `bench-${index}` };
      const { generationIds } = await service.submit({ model: BENCH_MODEL, params: benchParams(index), count: 1, destination });
      return generationIds[0];
    },
    async close() {
      await service.dispose();
      await client.transport.close();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}
