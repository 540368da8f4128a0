import { startEmulatorProcess } from '../unit/support/processes';
import { EmulatorAdmin } from './support/emulatorAdmin';
import { startProbe } from './support/probeProcess';
import type { Measurement, MeasurementReport } from './support/results';
import { IN_FLIGHT_LINE, TRACKING_LINE, WARM_UP_LINE, type ScaleProbeResult } from './support/scaleProtocol';
import { single } from './support/stats';

const GENERATIONS = 1000;
const KEY = 'bench-key';
/** Settle requests in flight at once: the emulator renders each picture (a few ms) as it settles. */
const SETTLE_CONCURRENCY = 8;

type Outcome = 'succeeded' | 'failed';

/** Settles every held generation, a few at a time, as fast as the emulator renders them. */
async function settleAll(admin: EmulatorAdmin, outcome: (index: number) => Outcome): Promise<void> {
  const ids = (await admin.state()).generations.filter((row) => row.status === 'queued').map((row) => row.generation_id);
  const queue = ids.map((id, index) => ({ id, outcome: outcome(index) }));
  await Promise.all(
    Array.from({ length: SETTLE_CONCURRENCY }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await admin.settle(next.id, next.outcome);
    }),
  );
}

/**
 * 5. Scale: 1,000 generations in flight in one process (scaleProbe.ts), the emulator in another
 * (so its CPU is not counted) and this process settling them through the admin endpoints.
 */
export const scale: Measurement = {
  id: 'scale',
  title: `Scale (${GENERATIONS.toLocaleString('en')} generations in flight in one process)`,
  async run(): Promise<MeasurementReport> {
    const emulator = await startEmulatorProcess(KEY);
    try {
      const admin = new EmulatorAdmin(emulator.apiUrl);
      await admin.hold(true);
      const profileFlags = process.env.OXEN_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.OXEN_BENCH_CPU_PROF}`] : [];
      const probe = startProbe('test/bench/scaleProbe.ts', [emulator.apiUrl, KEY, String(GENERATIONS)], ['--expose-gc', ...profileFlags]);
      await probe.line(WARM_UP_LINE, 60_000);
      await settleAll(admin, (index) => (index % 2 === 0 ? 'succeeded' : 'failed'));
      await probe.line(TRACKING_LINE, 120_000);
      await settleAll(admin, () => 'failed');
      await probe.line(IN_FLIGHT_LINE, 120_000);
      await settleAll(admin, () => 'succeeded');
      const result = JSON.parse(await probe.result()) as ScaleProbeResult;
      const requests = await admin.requests();
      const connections = requests.filter((request) => request.path === '/api/events').length;
      if (result.saved !== GENERATIONS || result.failures > 0) {
        throw new Error(`${result.saved} of ${GENERATIONS} saved, ${result.failures} unexpected outcomes`);
      }
      const { tracking, full } = result;
      const perGeneration = (ms: number) => single(ms / GENERATIONS);
      // Both rounds submit the same 1,000 generations the same way: two measurements of one cost.
      const submitMs = (tracking.submitMs + full.submitMs) / 2;
      return {
        id: this.id,
        title: this.title,
        figures: [
          { key: 'scale.connections', label: 'SSE connections for 1,000 in flight', unit: 'connections', ours: single(connections) },
          { key: 'scale.cpuTracking', label: 'CPU per generation, tracking (no image bytes)', unit: 'ms', ours: perGeneration(submitMs + tracking.completeMs) },
          { key: 'scale.cpuTrackingSubmit', label: '  of which submitting (enqueue, journal)', unit: 'ms', ours: perGeneration(submitMs) },
          { key: 'scale.cpuTrackingComplete', label: '  of which notice, states, terminal event', unit: 'ms', ours: perGeneration(tracking.completeMs) },
          { key: 'scale.cpuSaving', label: 'CPU per image, fetching and saving its bytes', unit: 'ms', ours: perGeneration(full.completeMs - tracking.completeMs) },
          { key: 'scale.cpuFull', label: 'CPU per generation, submit → saved (all of it)', unit: 'ms', ours: perGeneration(full.submitMs + full.completeMs) },
          { key: 'scale.heapPerGeneration', label: 'memory per generation in flight (heap)', unit: 'bytes', ours: single(result.heapPerGenerationBytes) },
          { key: 'scale.idleCpuPerGeneration', label: 'CPU per generation per second in flight, idle', unit: 'ms', ours: single(result.idleCpuMs / (result.idleWindowMs / 1000) / GENERATIONS) },
          { key: 'scale.eventLoopDelayP99', label: 'event-loop delay p99 while completing', unit: 'ms', ours: single(result.eventLoopDelayMs.p99) },
          { key: 'scale.eventLoopDelayMax', label: 'event-loop delay max while completing', unit: 'ms', ours: single(result.eventLoopDelayMs.max) },
          { key: 'scale.completionWindow', label: 'first → last image saved', unit: 'ms', ours: single(result.completionWindowMs) },
        ],
        notes: [
          `CPU is process.cpuUsage (user + system, every thread of the process, so the file system work of the thread pool too), after a warm-up round of 100 generations. Tracking: a round of ${GENERATIONS} that all fail at Oxen (no bytes to fetch); the full round's ${GENERATIONS} all succeed and are saved, and its completion CPU minus the tracking round's is the saving figure. Submitting is measured in both rounds and the mean is used: ${(tracking.submitMs / GENERATIONS).toFixed(2)} ms in the first (colder: V8 is still optimising the burst's paths), ${(full.submitMs / GENERATIONS).toFixed(2)} ms in the second; full round complete ${(full.completeMs / GENERATIONS).toFixed(2)} ms per generation.`,
          `Idle: ${result.idleCpuMs.toFixed(0)} ms over ${result.idleWindowMs} ms with all ${GENERATIONS} in flight and nothing happening.`,
          `Event-loop delay while completing: median ${result.eventLoopDelayMs.p50.toFixed(1)} ms, mean ${result.eventLoopDelayMs.mean.toFixed(1)} ms. RSS per generation in flight ${(result.rssPerGenerationBytes / 1024).toFixed(1)} KB (noisy; the heap figure is after a full GC).`,
          `Status reads: ${result.statusReads}. Settled by this process through the admin endpoint, ${SETTLE_CONCURRENCY} at a time; the emulator renders each picture as it settles, which paces the completion window.`,
        ],
        details: { ...result, requests: requests.length, connections },
      };
    } finally {
      await emulator.stop();
    }
  },
};
