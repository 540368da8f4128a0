import * as diagnostics from 'node:diagnostics_channel';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LiveUpdates } from '../../src/generation/liveUpdates';
import type { DeliveryMode } from '../../src/generation/service';
import type { FaultConfig } from '../emulator/faults';
import type { RecordedRequest } from '../emulator/server';
import { clientFor, waitFor } from '../unit/support/oxen';
import type { BaselineContext, BaselineOutcome } from './baselines/baseline';
import { DOCUMENTED_POLL_INTERVAL_MS, runDocumentedPoll } from './baselines/documentedPoll';
import { runSsePerGeneration } from './baselines/ssePerGeneration';
import { requestsPerGenerationOf } from './requestsPerGeneration';
import { startBenchService } from './support/benchService';
import { CompletionClock } from './support/completionClock';
import type { EmulatorAdmin } from './support/emulatorAdmin';
import type { Figure, Measurement, MeasurementReport } from './support/results';
import { startScaledEmulator } from './support/scaledEmulator';
import { latencies, WARM_UP } from './support/settle';
import { sleep } from './support/sleep';
import { single, summarize } from './support/stats';

/**
 * Every interval is the shipped or documented one divided by this, ours and the baselines'
 * alike, so the run takes about a minute rather than ten. Not scaled: the tracker's 3 s floor on
 * the age of a completion the stream missed (a constant in tracker.ts), the rows' whole-second
 * `completed_at`, and the time to download and save an image.
 */
export const DELIVERY_TIME_SCALE = 10;
const scaled = (ms: number): number => ms / DELIVERY_TIME_SCALE;

/** The emulator's keep-alive interval and our tracker's idea of it: the documented 15 s. */
const KEEP_ALIVE_MS = scaled(15_000);
/** Ours in polling (the shipped 5 s) and the documented poll loop (A), the same interval. */
export const DELIVERY_POLL_INTERVAL_MS = scaled(DOCUMENTED_POLL_INTERVAL_MS);
/** The tracker's shipped defaults (tracker.ts, eventStream.ts), scaled. */
const TRACKER = {
  keepAliveMs: KEEP_ALIVE_MS,
  pollIntervalMs: DELIVERY_POLL_INTERVAL_MS,
  // 6 s: at least 4 s, so a completion that was filtered out is older than the tracker's 3 s
  // floor at the first safety read and that read detects the filter.
  reconcileIntervalMs: scaled(60_000),
  idleCloseMs: scaled(30_000),
  openWaitMs: scaled(3000),
  backoff: { initialMs: scaled(1000), maxMs: scaled(30_000), healthyAfterMs: scaled(60_000) },
};
/** "Cut every few seconds": every stream is destroyed 5 s (scaled) after it opened. */
const CUT_AFTER_MS = scaled(5000);

/** Measured generations per mode, all in flight at once. */
const GENERATIONS = 40;
/** Generation i ends MIN + (MAX - MIN) × i / (N - 1) after its enqueue answer: 5-30 s, scaled. */
const MIN_GENERATION_MS = scaled(5000);
const MAX_GENERATION_MS = scaled(30_000);
const GENERATION_MS = Array.from({ length: GENERATIONS }, (_, i) => MIN_GENERATION_MS + ((MAX_GENERATION_MS - MIN_GENERATION_MS) * i) / (GENERATIONS - 1));
/** How long the sync endpoint blocks (the clock starts at its answer, so this only sets the pace). */
const SYNC_PROCESSING_MS = 100;
const SYNC_SAMPLES = 20;
/** Three safety reads: a tracker that has not switched to polling by then does not detect this network. */
const DETECTION_DEADLINE_MS = 3 * TRACKER.reconcileIntervalMs;
const SAVED_DEADLINE_MS = 20_000;

interface QueueMode {
  /** Figure keys are `delivery.<key>.*`; budgets.ts refers to them. */
  key: string;
  label: string;
  delivery: Exclude<DeliveryMode, 'sync'>;
  faults: Partial<FaultConfig>;
  /** Measured only once the tracker switched to polling ("after the first detection"). */
  broken: boolean;
  /** Submissions this far apart instead of all at once (ms). */
  staggerMs?: number;
}

export const BROKEN_STREAMS = [
  { key: 'buffering', label: 'buffering proxy', faults: { sseNetwork: 'buffering' } },
  { key: 'cut', label: `stream cut every ${CUT_AFTER_MS} ms`, faults: { sseDropAfterMs: CUT_AFTER_MS } },
  { key: 'captivePortal', label: 'captive portal (HTML)', faults: { sseNetwork: 'captive-portal' } },
  { key: 'wrongContentType', label: 'wrong content type', faults: { sseNetwork: 'wrong-content-type' } },
  { key: 'filtered', label: 'completions filtered', faults: { sseNetwork: 'filter-completions' } },
] as const satisfies ReadonlyArray<{ key: string; label: string; faults: Partial<FaultConfig> }>;

const QUEUE_MODES: readonly QueueMode[] = [
  { key: 'auto', label: 'auto, healthy stream', delivery: 'auto', faults: {}, broken: false },
  ...BROKEN_STREAMS.map((stream): QueueMode => ({ key: stream.key, label: `auto, ${stream.label}`, delivery: 'auto', faults: stream.faults, broken: true })),
  { key: 'polling', label: 'polling', delivery: 'polling', faults: {}, broken: false },
  {
    key: 'pollingStaggered',
    label: 'polling, staggered submits',
    delivery: 'polling',
    faults: {},
    broken: false,
    staggerMs: DELIVERY_POLL_INTERVAL_MS / GENERATIONS,
  },
];
const HEALTHY: Partial<FaultConfig> = { sseNetwork: null, sseDropAfterMs: null };

/** A client under test as the run drives it: ours in one mode, or a documented approach. */
interface Approach {
  /** Submits generation `index`; resolves with its id once Oxen accepted it. */
  submit(index: number): Promise<string>;
  clock: CompletionClock;
  /** Ours: how results arrive, each change with its time. */
  switches?: Array<{ at: number; updates: LiveUpdates }>;
  /** Ours: whether the service says it is polling now. */
  polling?(): boolean;
  /** (B) loses the completions that come before its own stream is open: the documentation's race. */
  mayMiss?: boolean;
  close(): Promise<void>;
}

async function ours(apiUrl: string, delivery: QueueMode['delivery']): Promise<Approach> {
  const switches: Array<{ at: number; updates: LiveUpdates }> = [];
  const bench = await startBenchService(apiUrl, { tracker: TRACKER, onLiveUpdates: (updates) => switches.push({ at: performance.now(), updates }) });
  return {
    submit: (index) => bench.submitOne(index, delivery),
    clock: bench.clock,
    switches,
    polling: () => bench.service.liveUpdates.mode === 'polling',
    close: () => bench.close(),
  };
}

async function baseline(
  apiUrl: string,
  approach: (index: number, context: BaselineContext) => Promise<BaselineOutcome>,
  mayMiss = false,
): Promise<Approach> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-delivery-'));
  const client = clientFor(apiUrl);
  const clock = new CompletionClock();
  const runs: Array<Promise<BaselineOutcome>> = [];
  return {
    submit: (index) =>
      new Promise((resolve, reject) => {
        const run = approach(index, { client, folder, clock, deadlineMs: SAVED_DEADLINE_MS, onEnqueued: resolve });
        run.catch(reject);
        runs.push(run);
      }),
    clock,
    mayMiss,
    async close() {
      await Promise.allSettled(runs);
      await client.transport.close();
      await fs.rm(folder, { recursive: true, force: true });
    },
  };
}

interface Settled {
  id: string;
  /** Time from the enqueue answer to the success: the generation time T. */
  generationMs: number;
  settledAt: number;
  /** Ours: the service said it was polling when the success was written. */
  whilePolling: boolean | undefined;
}

/**
 * Submits one generation per delay, all at once or `staggerMs` apart; each succeeds that long
 * after its enqueue answer.
 */
function runBatch(admin: EmulatorAdmin, approach: Approach, firstIndex: number, delays: readonly number[], staggerMs = 0): Promise<Settled[]> {
  return Promise.all(
    delays.map(async (delayMs, offset) => {
      if (staggerMs > 0) await sleep(offset * staggerMs);
      const id = await approach.submit(firstIndex + offset);
      const answeredAt = performance.now();
      await sleep(delayMs);
      const settledAt = await admin.settleAt(id);
      return { id, generationMs: settledAt - answeredAt, settledAt, whilePolling: approach.polling?.() };
    }),
  );
}

/** Waits until every generation was saved, or the deadline; returns how many were not (only (B) may miss any). */
async function untilSaved(approach: Approach, ids: readonly string[]): Promise<number> {
  const unsaved = () => ids.filter((id) => approach.clock.savedAt(id) === undefined).length;
  await waitFor(() => unsaved() === 0 || approach.clock.failures().length > 0, SAVED_DEADLINE_MS, 'images saved').catch(() => undefined);
  const [failure] = approach.clock.failures();
  if (failure) throw new Error(`generation ${failure[0]} failed: ${failure[1]}`);
  if (unsaved() > 0 && !approach.mayMiss) throw new Error(`${unsaved()} of ${ids.length} images not saved within ${SAVED_DEADLINE_MS} ms`);
  return unsaved();
}

interface QueueRun {
  /** Success → image saved, ms, per measured generation. */
  toFile: number[];
  requestsPerGeneration: number[];
  /** Per measured generation: 1 enqueue + ceil(T / poll interval) status reads + 1 download. */
  allowance: number[];
  generationMs: number[];
  requests: number;
  statusReads: number;
  sseConnections: number;
  missed: number;
  /** Ours, broken stream: from the first submit to the switch to polling; undefined if it never came. */
  detectionMs?: number;
  detectedAs?: string;
  settledWhilePolling?: number;
  /** Ours: every change of how results arrive, from the first submit (ms). */
  switches?: Array<{ afterMs: number; updates: LiveUpdates }>;
  /** The warm-up generations' success → saved (ms): behind a broken stream, the first images. */
  firstImages: number[];
}

/**
 * One mode on the shared emulator: WARM_UP generations first (the first pass through a code path
 * compiles it; behind a broken stream, they are also what the tracker detects the network with),
 * then, once the tracker polls when the stream is `broken`, GENERATIONS at once (or staggered), generation i succeeding
 * GENERATION_MS[i] after its enqueue answer. Only those are measured, requests included.
 */
async function runQueue(admin: EmulatorAdmin, approach: Approach, firstIndex: number, mode: Pick<QueueMode, 'broken' | 'staggerMs'>): Promise<QueueRun> {
  const started = performance.now();
  const warmUp = await runBatch(admin, approach, firstIndex, Array.from({ length: WARM_UP }, () => MIN_GENERATION_MS));
  const firstPolling = () => approach.switches?.find((change) => change.updates.mode === 'polling');
  if (mode.broken) await waitFor(() => firstPolling() !== undefined, DETECTION_DEADLINE_MS, 'the switch to polling').catch(() => undefined);
  await untilSaved(approach, warmUp.map((settled) => settled.id));

  const logged = (await admin.requests()).length;
  const measured = await runBatch(admin, approach, firstIndex + WARM_UP, GENERATION_MS, mode.staggerMs);
  const ids = measured.map((settled) => settled.id);
  const missed = await untilSaved(approach, ids);
  const requests: RecordedRequest[] = (await admin.requests()).slice(logged);
  const settledAt = (batch: readonly Settled[]) => new Map(batch.map((settled) => [settled.id, settled.settledAt]));
  const savedAt = (id: string) => approach.clock.savedAt(id);
  const detection = firstPolling();
  return {
    toFile: latencies(settledAt(measured), savedAt),
    requestsPerGeneration: requestsPerGenerationOf(requests, ids),
    allowance: measured.map((settled) => 1 + Math.ceil(settled.generationMs / DELIVERY_POLL_INTERVAL_MS) + 1),
    generationMs: measured.map((settled) => settled.generationMs),
    requests: requests.length,
    statusReads: requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/ai/queue/')).length,
    sseConnections: requests.filter((request) => request.path === '/api/events').length,
    missed,
    ...(approach.switches
      ? {
          detectionMs: detection === undefined ? undefined : detection.at - started,
          detectedAs: detection?.updates.mode === 'polling' ? detection.updates.reason : undefined,
          settledWhilePolling: measured.filter((settled) => settled.whilePolling).length,
          switches: approach.switches.map((change) => ({ afterMs: Math.round(change.at - started), updates: change.updates })),
        }
      : {}),
    firstImages: latencies(settledAt(warmUp), savedAt),
  };
}

interface SyncRun {
  toFile: number[];
  requestsPerGeneration: number;
  requests: RecordedRequest[];
}

/**
 * 'sync', one image at a time: the clock starts when the blocking request's answer reaches us
 * (its headers, through undici's diagnostics channel: Oxen is done then) and stops at 'saved'.
 */
async function runSync(emulator: { apiUrl: string; admin: EmulatorAdmin }, firstIndex: number): Promise<SyncRun> {
  const bench = await startBenchService(emulator.apiUrl, { tracker: TRACKER });
  const answeredAt: number[] = [];
  const savedAt: number[] = [];
  const onHeaders = (message: unknown) => {
    const { request } = message as { request: { method: string; path: string } };
    if (request.method === 'POST' && request.path === '/api/ai/images/generate') answeredAt.push(performance.now());
  };
  diagnostics.subscribe('undici:request:headers', onHeaders);
  bench.service.onTerminal((event) => {
    if (event.type === 'saved') savedAt.push(performance.now());
  });
  try {
    const toFile: number[] = [];
    let logged = 0;
    for (let index = 0; index < WARM_UP + SYNC_SAMPLES; index++) {
      if (index === WARM_UP) logged = (await emulator.admin.requests()).length;
      const answers = answeredAt.length;
      const saved = savedAt.length;
      await bench.submitOne(firstIndex + index, 'sync');
      await waitFor(() => savedAt.length > saved || bench.clock.failures().length > 0, SAVED_DEADLINE_MS, 'the sync image saved');
      const [failure] = bench.clock.failures();
      if (failure) throw new Error(`sync generation ${failure[0]} failed: ${failure[1]}`);
      if (answeredAt.length !== answers + 1) throw new Error(`expected one sync answer, saw ${answeredAt.length - answers}`);
      if (index >= WARM_UP) toFile.push(savedAt[saved] - answeredAt[answers]);
    }
    const requests = (await emulator.admin.requests()).slice(logged);
    return { toFile, requestsPerGeneration: requests.length / SYNC_SAMPLES, requests };
  } finally {
    diagnostics.unsubscribe('undici:request:headers', onHeaders);
    await bench.close();
  }
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Delivery modes (REL-14, REL-15; docs/performance.md): completion → file and requests per
 * generation for 'auto' on a healthy stream and behind each broken-stream network, 'polling' and
 * 'sync', against the documented poll loop (A) and SSE per generation (B), on one emulator, with
 * every timing scaled.
 */
export const deliveryModes: Measurement = {
  id: 'delivery',
  title: `Delivery modes (${GENERATIONS} concurrent generations of 5-30 s per mode, timings scaled 1/${DELIVERY_TIME_SCALE})`,
  async run(): Promise<MeasurementReport> {
    const emulator = await startScaledEmulator({ keepAliveMs: KEEP_ALIVE_MS, processingMs: SYNC_PROCESSING_MS });
    const { admin } = emulator;
    const runs: Record<string, QueueRun> = {};
    const failedModes: Record<string, string> = {};
    let nextIndex = 0;
    const indexes = () => (nextIndex += 1000);
    /** One mode's failure is reported (and budgeted) without losing the other modes' figures. */
    async function attempt<T>(key: string, run: () => Promise<T>): Promise<T | undefined> {
      try {
        return await run();
      } catch (error) {
        failedModes[key] = (error as Error).message;
        console.error(`  ${key} failed: ${(error as Error).message}`);
        return undefined;
      }
    }
    async function queueRun(key: string, mode: Pick<QueueMode, 'faults' | 'broken' | 'staggerMs'>, start: () => Promise<Approach>): Promise<void> {
      const run = await attempt(key, async () => {
        await admin.faults({ ...HEALTHY, ...mode.faults });
        const approach = await start();
        try {
          return await runQueue(admin, approach, indexes(), mode);
        } finally {
          await approach.close();
          await admin.faults(HEALTHY);
        }
      });
      if (run) runs[key] = run;
    }
    let sync: { url?: SyncRun; inline?: SyncRun } = {};
    try {
      for (const mode of QUEUE_MODES) await queueRun(mode.key, mode, () => ours(emulator.apiUrl, mode.delivery));
      const documented = { faults: {}, broken: false };
      await queueRun('poll', documented, () => baseline(emulator.apiUrl, (index, context) => runDocumentedPoll(index, context, DELIVERY_POLL_INTERVAL_MS)));
      await queueRun('ssePerGeneration', documented, () => baseline(emulator.apiUrl, runSsePerGeneration, true));
      sync = {
        url: await attempt('sync', () => runSync(emulator, indexes())),
        inline: await attempt('syncInline', () => runSync(emulator.inlineSync, indexes())),
      };
    } finally {
      await emulator.stop();
    }

    const { poll, ssePerGeneration } = runs;
    /** (A) beside every row; (B) only beside the healthy stream's, the only network it works on. */
    const baselines = (pick: (run: QueueRun) => number[], healthyStream = false) => ({
      ...(poll ? { poll: summarize(pick(poll)) } : {}),
      ...(ssePerGeneration && healthyStream ? { ssePerGeneration: summarize(pick(ssePerGeneration)) } : {}),
    });
    const measuredModes = QUEUE_MODES.flatMap((mode) => (runs[mode.key] ? [{ mode, run: runs[mode.key] }] : []));
    const syncRows = (
      [
        ['sync', 'sync, URL answer', sync.url],
        ['syncInline', 'sync, b64_json answer', sync.inline],
      ] as const
    ).flatMap(([key, label, run]) => (run ? [{ key, label, run }] : []));
    const figures: Figure[] = [
      ...measuredModes.map(({ mode, run }) => ({
        key: `delivery.${mode.key}.toFile`,
        label: `success → file, ${mode.label}${mode.broken ? ', after detection' : ''}`,
        unit: 'ms' as const,
        ours: summarize(run.toFile),
        ...baselines((baselineRun) => baselineRun.toFile, mode.key === 'auto'),
      })),
      ...syncRows.map(({ key, label, run }) => ({
        key: `delivery.${key}.toFile`,
        label: `answer → file, ${label}`,
        unit: 'ms' as const,
        ours: summarize(run.toFile),
        ...baselines((baselineRun) => baselineRun.toFile),
      })),
      ...measuredModes.map(({ mode, run }) => ({
        key: `delivery.${mode.key}.requests`,
        label: `requests per generation, ${mode.label}`,
        unit: 'requests' as const,
        ours: summarize(run.requestsPerGeneration),
        ...baselines((baselineRun) => baselineRun.requestsPerGeneration, mode.key === 'auto'),
      })),
      ...syncRows.map(({ key, label, run }) => ({
        key: `delivery.${key}.requests`,
        label: `requests per generation, ${label}`,
        unit: 'requests' as const,
        ours: single(run.requestsPerGeneration),
        ...baselines((baselineRun) => baselineRun.requestsPerGeneration),
      })),
      ...measuredModes.flatMap(({ mode, run }) =>
        mode.delivery === 'polling'
          ? [
              {
                key: `delivery.${mode.key}.overAllowance`,
                label: `${mode.label}: requests − allowance`,
                unit: 'requests' as const,
                ours: single(mean(run.requestsPerGeneration) - mean(run.allowance)),
              },
            ]
          : [],
      ),
      ...measuredModes.flatMap(({ mode, run }) =>
        mode.broken && run.detectionMs !== undefined
          ? [{ key: `delivery.${mode.key}.detection`, label: `first submit → polling, ${mode.label}`, unit: 'ms' as const, ours: single(run.detectionMs), note: run.detectedAs }]
          : [],
      ),
      { key: 'delivery.modesFailed', label: 'delivery modes that did not run to the end', unit: 'count', ours: single(Object.keys(failedModes).length) },
    ];

    const describeRun = (key: string, run: QueueRun) =>
      `${key}: ${run.requests} requests (${run.statusReads} status reads, ${run.sseConnections} GET /api/events), ${run.missed} not saved` +
      (run.switches
        ? `, ${run.settledWhilePolling} of ${GENERATIONS} succeeded while polling; detection ${run.detectionMs === undefined ? 'none' : `${Math.round(run.detectionMs)} ms (${run.detectedAs})`}; first images ${run.firstImages.map((ms) => Math.round(ms)).join(', ')} ms; ${run.switches.length} switches`
        : '');
    const notes = [
      `Emulator in its own process (keep-alive ${KEEP_ALIVE_MS} ms). Per mode, ${WARM_UP} warm-up generations, then ${GENERATIONS} submitted at once, generation i succeeding ${MIN_GENERATION_MS}-${MAX_GENERATION_MS} ms after its enqueue answer (evenly spread, so completions fall at every phase of the poll interval); only those ${GENERATIONS} are measured. Behind a broken stream they are submitted only once the service said it polls (the warm-ups are what it detected the network with).`,
      `Scaled 1/${DELIVERY_TIME_SCALE}: ours polls every ${TRACKER.pollIntervalMs} ms (and (A) too), safety read ${TRACKER.reconcileIntervalMs} ms, keep-alive ${TRACKER.keepAliveMs} ms (silence noticed after ${TRACKER.keepAliveMs * 1.25} ms), backoff ${TRACKER.backoff.initialMs}-${TRACKER.backoff.maxMs} ms; streams cut ${CUT_AFTER_MS} ms after opening. Not scaled: the 3 s age floor of a missed completion, whole-second completed_at, download and save.`,
      `Requests from the emulator's log for the measured generations only (enqueues, status reads, downloads, GET /api/events; those naming no generation shared out; a stream opened before them is not counted again). Sync: ${SYNC_SAMPLES} images one at a time, the endpoint blocking ${SYNC_PROCESSING_MS} ms, the clock started by its answer's headers; its request figure is the run's requests / ${SYNC_SAMPLES} (n = 1).`,
      `(A) is the documented loop at ${DELIVERY_POLL_INTERVAL_MS} ms on the same workload, beside every row; (B) beside the healthy stream's rows only (behind a broken stream it never hears a completion). Polling allowance per generation: 1 enqueue + ceil(T / ${DELIVERY_POLL_INTERVAL_MS} ms) status reads + 1 download, T measured from the enqueue answer to the success; "requests − allowance" compares the means. "staggered": the ${GENERATIONS} submitted ${DELIVERY_POLL_INTERVAL_MS / GENERATIONS} ms apart, so each meets the shared poll timer at another phase.`,
      ...Object.entries(runs).map(([key, run]) => describeRun(key, run)),
      ...measuredModes.flatMap(({ mode, run }) =>
        mode.delivery === 'polling'
          ? [
              `${mode.key} allowance: mean ${mean(run.allowance).toFixed(2)} requests per generation (T ${Math.round(Math.min(...run.generationMs))}-${Math.round(Math.max(...run.generationMs))} ms), measured ${mean(run.requestsPerGeneration).toFixed(2)}.`,
            ]
          : [],
      ),
      ...Object.entries(failedModes).map(([key, message]) => `${key} FAILED: ${message}`),
    ];
    return { id: this.id, title: this.title, figures, notes, details: { runs, sync, failedModes, tracker: TRACKER } };
  },
};
