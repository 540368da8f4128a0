import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientFor, waitFor } from '../unit/support/oxen';
import { runDocumentedPoll, DOCUMENTED_POLL_INTERVAL_MS } from './baselines/documentedPoll';
import { startBenchService } from './support/benchService';
import { CompletionClock } from './support/completionClock';
import type { Measurement, MeasurementReport } from './support/results';
import { oursInTurn, ssePerGenerationInTurn, startSeparateEmulator, type SeparateEmulator } from './support/inTurn';
import { latencies, WARM_UP } from './support/settle';
import { sleep } from './support/sleep';
import { summarize } from './support/stats';

/** Enough that p99 is not simply the slowest sample: with 200, it is the second slowest. */
const SSE_SAMPLES = 200;
const SSE_PER_GENERATION_SAMPLES = 20;
/**
 * Poll-bound figures take seconds per sample, so a few samples run concurrently: their
 * completions are staggered evenly across one 5 s poll period, which samples every phase of it.
 */
const POLL_BOUND_SAMPLES = 20;
const STAGGER_MS = DOCUMENTED_POLL_INTERVAL_MS / POLL_BOUND_SAMPLES;

/**
 * 2. Completion notice: from the emulator marking a generation succeeded to the client knowing it.
 * "Knowing" is the moment the client acts on it: our service switching the generation to
 * 'downloading' (its onChange fires synchronously inside the tracker's signal), the poll loop
 * reading a terminal status, the per-generation stream parsing its event.
 */
export const completionNotice: Measurement = {
  id: 'notice',
  title: 'Completion notice (success → client knows)',
  async run(): Promise<MeasurementReport> {
    const emulator = await startSeparateEmulator();
    try {
      const overSse = await oursInTurn(emulator, SSE_SAMPLES, 15_000);
      const ssePerGeneration = await ssePerGenerationInTurn(emulator, SSE_PER_GENERATION_SAMPLES, 15_000);
      const { withoutStream, poll } = await pollBound(emulator);
      return {
        id: this.id,
        title: this.title,
        figures: [
          {
            key: 'notice.sse',
            label: 'notice, ours over SSE (shipped defaults)',
            unit: 'ms',
            ours: summarize(overSse.known),
            poll: summarize(poll.notice),
            ssePerGeneration: summarize(ssePerGeneration.known),
          },
          {
            key: 'notice.noStream',
            label: 'notice, ours with /api/events failing (503)',
            unit: 'ms',
            ours: summarize(withoutStream.notice),
            poll: summarize(poll.notice),
            note: 'reconcile timer (pollIntervalMs 5000, shipped default)',
          },
          {
            key: 'toFile.small',
            label: 'success → file, 9 KB image, ours over SSE',
            unit: 'ms',
            ours: summarize(overSse.saved),
            poll: summarize(poll.toFile),
            ssePerGeneration: summarize(ssePerGeneration.saved),
          },
        ],
        notes: [
          `Emulator in its own process, generations held and settled one at a time, each after the previous image was saved; the clock starts when the emulator wrote the SSE event (machine-wide monotonic clock): ${SSE_SAMPLES} samples ours, ${SSE_PER_GENERATION_SAMPLES} (B) (settled once its own stream was open), after ${WARM_UP} warm-up generations each.`,
          `Poll-bound: ${POLL_BOUND_SAMPLES} generations per approach, settled ${STAGGER_MS} ms apart across one poll period.`,
          `Our status reads while /api/events failed: ${withoutStream.statusReads}.`,
        ],
        details: { overSse, ssePerGeneration, withoutStream, poll },
      };
    } finally {
      await emulator.stop();
    }
  },
};

interface NoticeSamples {
  notice: number[];
  toFile: number[];
}

/** Ours with the stream refused, and (A) the documented 5 s loop, side by side in one window. */
async function pollBound(emulator: SeparateEmulator): Promise<{ withoutStream: NoticeSamples & { statusReads: number }; poll: NoticeSamples }> {
  await emulator.admin.faults({ httpErrors: [{ path: '/api/events', status: 503, times: 1_000_000 }] });
  const ours = await startBenchService(emulator.apiUrl, { recordKnown: true });
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-a-'));
  const client = clientFor(emulator.apiUrl);
  const pollClock = new CompletionClock();
  const pollIds: string[] = [];
  try {
    const indexes = Array.from({ length: POLL_BOUND_SAMPLES }, (_, index) => index);
    const pollRuns = indexes.map((index) =>
      runDocumentedPoll(20_000 + index, { client, folder, clock: pollClock, deadlineMs: 60_000, onEnqueued: (id) => (pollIds[index] = id) }),
    );
    // Our submit waits (openWaitMs, 3 s) for a stream that never opens, then enqueues anyway.
    const oursIds = await Promise.all(indexes.map((index) => ours.submitOne(30_000 + index)));
    for (const id of oursIds) ours.watchKnown(id);
    await waitFor(() => pollIds.filter(Boolean).length === POLL_BOUND_SAMPLES, 10_000, 'poll baseline enqueued');

    const oursSettled = new Map<string, number>();
    const pollSettled = new Map<string, number>();
    const start = performance.now();
    for (const index of indexes) {
      await sleep(Math.max(0, start + index * STAGGER_MS - performance.now()));
      oursSettled.set(oursIds[index], await emulator.admin.settleAt(oursIds[index]));
      pollSettled.set(pollIds[index], await emulator.admin.settleAt(pollIds[index]));
    }
    await Promise.all(pollRuns);
    await waitFor(() => ours.clock.savedCount() === POLL_BOUND_SAMPLES, 60_000, 'ours saved without a stream');
    return {
      withoutStream: {
        notice: latencies(oursSettled, (id) => ours.clock.knownAt(id)),
        toFile: latencies(oursSettled, (id) => ours.clock.savedAt(id)),
        statusReads: ours.service.statusReads,
      },
      poll: { notice: latencies(pollSettled, (id) => pollClock.knownAt(id)), toFile: latencies(pollSettled, (id) => pollClock.savedAt(id)) },
    };
  } finally {
    await emulator.admin.faults({ httpErrors: [] });
    await ours.close();
    await client.transport.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}
