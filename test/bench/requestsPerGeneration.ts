import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator, type RecordedRequest } from '../emulator/server';
import { clientFor, TEST_KEY, waitFor } from '../unit/support/oxen';
import type { BaselineContext, BaselineOutcome } from './baselines/baseline';
import { DOCUMENTED_POLL_INTERVAL_MS, runDocumentedPoll } from './baselines/documentedPoll';
import { runSsePerGeneration } from './baselines/ssePerGeneration';
import { startBenchService } from './support/benchService';
import { CompletionClock } from './support/completionClock';
import type { Measurement, MeasurementReport } from './support/results';
import { settleIfHeld } from './support/settle';
import { SocketBytes } from './support/socketBytes';
import { single, summarize, type Summary } from './support/stats';

const GENERATIONS = 100;
/**
 * Everything time-based runs 10× faster than in reality, so the run takes seconds, not minutes:
 * processing 5-30 s becomes 0.5-3 s, the documented 5 s poll 500 ms, the 15 s keep-alive 1.5 s,
 * and our tracker's timers likewise. Request counts depend only on the ratios of these times, so
 * they are what the unscaled run would give.
 */
const TIME_SCALE = 10;
const MIN_PROCESSING_MS = 5000 / TIME_SCALE;
const MAX_PROCESSING_MS = 30_000 / TIME_SCALE;
const KEEP_ALIVE_MS = 15_000 / TIME_SCALE;
const DEADLINE_MS = 20_000;

/** Generation i takes MIN + (MAX - MIN) × i / (N - 1): evenly spread, the same for every approach. */
function processingMs(index: number): number {
  return MIN_PROCESSING_MS + ((MAX_PROCESSING_MS - MIN_PROCESSING_MS) * index) / (GENERATIONS - 1);
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/**
 * Requests that name a generation (status reads, downloads) are its own; the rest (enqueues, SSE
 * connections) are shared out evenly, which is exact for enqueues since each creates one generation.
 */
export function requestsPerGenerationOf(requests: readonly RecordedRequest[], ids: readonly string[]): number[] {
  const own = new Map<string, number>(ids.map((id) => [id, 0]));
  let shared = 0;
  for (const request of requests) {
    const id = UUID.exec(request.path)?.[0];
    if (id !== undefined && own.has(id)) own.set(id, own.get(id)! + 1);
    else shared++;
  }
  return ids.map((id) => own.get(id)! + shared / ids.length);
}

interface ApproachRun {
  requestsPerGeneration: number[];
  requests: number;
  sseConnections: number;
  bytesPerGeneration: number;
  missed: number;
}

/** Runs one approach on a clean request log, settling generation i `processingMs(i)` after its enqueue answer. */
async function measureApproach(emulator: Emulator, run: (onEnqueued: (index: number, id: string) => void) => Promise<number>): Promise<ApproachRun> {
  emulator.clearRequests();
  const bytes = new SocketBytes();
  const ids: string[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const saved = await run((index, id) => {
      ids[index] = id;
      timers.push(setTimeout(() => settleIfHeld(emulator, id), processingMs(index)));
    });
    const requests = [...emulator.requests];
    return {
      requestsPerGeneration: requestsPerGenerationOf(requests, ids),
      requests: requests.length,
      sseConnections: requests.filter((request) => request.path === '/api/events').length,
      bytesPerGeneration: bytes.total() / GENERATIONS,
      missed: GENERATIONS - saved,
    };
  } finally {
    bytes.stop();
    for (const timer of timers) clearTimeout(timer);
  }
}

async function ours(emulator: Emulator): Promise<ApproachRun> {
  const bench = await startBenchService(emulator.apiUrl, {
    tracker: {
      keepAliveMs: KEEP_ALIVE_MS,
      reconcileIntervalMs: 60_000 / TIME_SCALE,
      pollIntervalMs: 5000 / TIME_SCALE,
      idleCloseMs: 30_000 / TIME_SCALE,
    },
  });
  try {
    return await measureApproach(emulator, async (onEnqueued) => {
      await Promise.all(Array.from({ length: GENERATIONS }, (_, index) => bench.submitOne(index).then((id) => onEnqueued(index, id))));
      await waitFor(() => bench.clock.savedCount() === GENERATIONS, DEADLINE_MS, 'our generations saved').catch(() => undefined);
      return bench.clock.savedCount();
    });
  } finally {
    await bench.close();
  }
}

/** Runs a baseline for every generation at once; resolves with how many it saved. */
async function baseline(
  emulator: Emulator,
  firstIndex: number,
  approach: (index: number, context: BaselineContext) => Promise<BaselineOutcome>,
): Promise<ApproachRun> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-baseline-'));
  const client = clientFor(emulator.apiUrl);
  try {
    return await measureApproach(emulator, async (onEnqueued) => {
      const outcomes = await Promise.all(
        Array.from({ length: GENERATIONS }, (_, index) =>
          approach(firstIndex + index, {
            client,
            folder,
            clock: new CompletionClock(),
            deadlineMs: DEADLINE_MS,
            onEnqueued: (id) => onEnqueued(index, id),
          }),
        ),
      );
      return outcomes.filter((outcome) => outcome === 'saved').length;
    });
  } finally {
    await client.transport.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}

/**
 * 4. Requests per generation: 100 concurrent generations of 5-30 s (scaled, see TIME_SCALE),
 * HTTP requests and bytes on the wire per generation, ours vs (A) and (B) on the same emulator.
 */
export const requestsPerGeneration: Measurement = {
  id: 'requests',
  title: `Requests per generation (${GENERATIONS} concurrent, 5-30 s scaled 1/${TIME_SCALE})`,
  async run(): Promise<MeasurementReport> {
    const emulator = await startEmulator({ apiKey: TEST_KEY, keepAliveMs: KEEP_ALIVE_MS });
    emulator.hold(true);
    try {
      const runs = {
        ours: await ours(emulator),
        poll: await baseline(emulator, 10_000, (index, context) => runDocumentedPoll(index, context, DOCUMENTED_POLL_INTERVAL_MS / TIME_SCALE)),
        ssePerGeneration: await baseline(emulator, 20_000, runSsePerGeneration),
      };
      const figure = (pick: (run: ApproachRun) => Summary) => ({
        ours: pick(runs.ours),
        poll: pick(runs.poll),
        ssePerGeneration: pick(runs.ssePerGeneration),
      });
      return {
        id: this.id,
        title: this.title,
        figures: [
          { key: 'requests.perGeneration', label: 'HTTP requests per generation', unit: 'requests', ...figure((run) => summarize(run.requestsPerGeneration)) },
          { key: 'requests.bytesPerGeneration', label: 'bytes on the wire per generation', unit: 'bytes', ...figure((run) => single(run.bytesPerGeneration)) },
          { key: 'requests.sseConnections', label: 'SSE connections (whole run)', unit: 'connections', ...figure((run) => single(run.sseConnections)) },
          { key: 'requests.missed', label: `completions missed (of ${GENERATIONS})`, unit: 'count', ...figure((run) => single(run.missed)) },
        ],
        notes: [
          `Requests from the emulator's log; those naming a generation are its own, enqueues and SSE connections are shared out. The mean is the budgeted figure: ours ${runs.ours.requests} requests in all, (A) ${runs.poll.requests}, (B) ${runs.ssePerGeneration.requests}.`,
          'Bytes: every byte both ways on the client\'s TCP sockets (headers, SSE keep-alives and events, image bodies of ~9 KB), divided by the number of generations.',
          `Time scaled 1/${TIME_SCALE}: processing ${MIN_PROCESSING_MS}-${MAX_PROCESSING_MS} ms, (A) polls every ${DOCUMENTED_POLL_INTERVAL_MS / TIME_SCALE} ms, keep-alive ${KEEP_ALIVE_MS} ms.`,
        ],
        details: runs,
      };
    } finally {
      await emulator.close();
    }
  },
};
