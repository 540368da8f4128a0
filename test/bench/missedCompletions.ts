import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../emulator/server';
import { clientFor, TEST_KEY, waitFor } from '../unit/support/oxen';
import type { BaselineContext, BaselineOutcome } from './baselines/baseline';
import { runDocumentedPoll } from './baselines/documentedPoll';
import { runSsePerGeneration } from './baselines/ssePerGeneration';
import { startBenchService } from './support/benchService';
import { CompletionClock } from './support/completionClock';
import type { Measurement, MeasurementReport } from './support/results';
import { settleIfHeld } from './support/settle';
import { single } from './support/stats';

const GENERATIONS = 20;
/** (B) waits this long for an event that never comes; the documented snippet would wait forever. */
const DEADLINE_MS = 3000;

/**
 * Finishes every generation the instant it exists: after each emulator request (the enqueue
 * answer is written in the poll phase), a check-phase callback settles whatever is held, so the
 * success is broadcast before the client has even read the enqueue answer, let alone connected.
 */
function finishOnSight(emulator: Emulator): () => void {
  let seenRequests = 0;
  let stopped = false;
  const check = () => {
    if (stopped) return;
    if (emulator.requests.length !== seenRequests) {
      seenRequests = emulator.requests.length;
      for (const row of emulator.generations()) settleIfHeld(emulator, row.generation_id);
    }
    setImmediate(check);
  };
  setImmediate(check);
  return () => {
    stopped = true;
  };
}

/** Also returns our status reads: zero means every completion came over the stream, early events included. */
async function ours(emulator: Emulator): Promise<{ missed: number; statusReads: number }> {
  const bench = await startBenchService(emulator.apiUrl);
  try {
    await Promise.all(Array.from({ length: GENERATIONS }, (_, index) => bench.submitOne(index)));
    await waitFor(() => bench.clock.savedCount() === GENERATIONS, DEADLINE_MS, 'instant generations saved').catch(() => undefined);
    return { missed: GENERATIONS - bench.clock.savedCount(), statusReads: bench.service.statusReads };
  } finally {
    await bench.close();
  }
}

async function baseline(emulator: Emulator, firstIndex: number, approach: (index: number, context: BaselineContext) => Promise<BaselineOutcome>): Promise<number> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-missed-'));
  const client = clientFor(emulator.apiUrl);
  try {
    const context = { client, folder, clock: new CompletionClock(), deadlineMs: DEADLINE_MS };
    const outcomes = await Promise.all(Array.from({ length: GENERATIONS }, (_, index) => approach(firstIndex + index, context)));
    return outcomes.filter((outcome) => outcome !== 'saved').length;
  } finally {
    await client.transport.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}

/**
 * 4b. Missed completions: generations that finish before an SSE connection opened after the
 * enqueue could hear of them. (B) connects after enqueueing, as the per-model docs do, and
 * misses them; we subscribe before enqueueing (and keep early events), so must miss none.
 */
export const missedCompletions: Measurement = {
  id: 'missed',
  title: `Missed completions (${GENERATIONS} generations finishing at once)`,
  async run(): Promise<MeasurementReport> {
    const emulator = await startEmulator({ apiKey: TEST_KEY });
    emulator.hold(true);
    const stop = finishOnSight(emulator);
    try {
      const { missed: oursMissed, statusReads } = await ours(emulator);
      const missed = {
        ours: oursMissed,
        poll: await baseline(emulator, 10_000, runDocumentedPoll),
        ssePerGeneration: await baseline(emulator, 20_000, runSsePerGeneration),
      };
      return {
        id: this.id,
        title: this.title,
        figures: [
          {
            key: 'missed.instant',
            label: `completions missed, finished before connect (of ${GENERATIONS})`,
            unit: 'count',
            ours: single(missed.ours),
            poll: single(missed.poll),
            ssePerGeneration: single(missed.ssePerGeneration),
          },
        ],
        notes: [
          `Each generation is settled as soon as the emulator created it, before the enqueue answer reaches the client. A generation counts as missed when no image was saved within ${DEADLINE_MS} ms.`,
          `Our status reads meanwhile: ${statusReads} (each completion came over the stream that was open before the enqueue).`,
        ],
        details: { ...missed, oursStatusReads: statusReads },
      };
    } finally {
      stop();
      await emulator.close();
    }
  },
};
