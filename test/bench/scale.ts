import { startEmulatorProcess } from '../unit/support/processes';
import { EmulatorAdmin } from './support/emulatorAdmin';
import { startProbe } from './support/probeProcess';
import type { Measurement, MeasurementReport } from './support/results';
import { IN_FLIGHT_LINE, WARM_UP_LINE, type ScaleProbeResult } from './support/scaleProtocol';
import { single } from './support/stats';

const GENERATIONS = 1000;
const KEY = 'bench-key';
/** Settle requests in flight at once: the emulator renders each picture (a few ms) as it settles. */
const SETTLE_CONCURRENCY = 8;

/** Settles every held generation, a few at a time, as fast as the emulator renders them. */
async function settleAll(admin: EmulatorAdmin): Promise<void> {
  const queue = (await admin.state()).generations.filter((row) => row.status === 'queued').map((row) => row.generation_id);
  await Promise.all(
    Array.from({ length: SETTLE_CONCURRENCY }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await admin.settle(id);
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
      const probe = startProbe('test/bench/scaleProbe.ts', [emulator.apiUrl, KEY, String(GENERATIONS)], ['--expose-gc']);
      await probe.line(WARM_UP_LINE, 60_000);
      await settleAll(admin);
      await probe.line(IN_FLIGHT_LINE, 120_000);
      await settleAll(admin);
      const result = JSON.parse(await probe.result()) as ScaleProbeResult;
      const requests = await admin.requests();
      const connections = requests.filter((request) => request.path === '/api/events').length;
      const cpuPerGeneration = (result.submitCpuMs + result.completeCpuMs) / GENERATIONS;
      if (result.saved !== GENERATIONS) throw new Error(`only ${result.saved} of ${GENERATIONS} saved (${result.failures} failed)`);
      return {
        id: this.id,
        title: this.title,
        figures: [
          { key: 'scale.connections', label: 'SSE connections for 1,000 in flight', unit: 'connections', ours: single(connections) },
          { key: 'scale.cpuPerGeneration', label: 'CPU per generation, submit → saved', unit: 'ms', ours: single(cpuPerGeneration) },
          { key: 'scale.cpuSubmit', label: '  of which submitting (enqueue, journal)', unit: 'ms', ours: single(result.submitCpuMs / GENERATIONS) },
          { key: 'scale.cpuComplete', label: '  of which notice + download + save', unit: 'ms', ours: single(result.completeCpuMs / GENERATIONS) },
          { key: 'scale.heapPerGeneration', label: 'memory per generation in flight (heap)', unit: 'bytes', ours: single(result.heapPerGenerationBytes) },
          { key: 'scale.idleCpuPerGeneration', label: 'CPU per generation per second in flight, idle', unit: 'ms', ours: single(result.idleCpuMs / (result.idleWindowMs / 1000) / GENERATIONS) },
          { key: 'scale.eventLoopDelayP99', label: 'event-loop delay p99 while completing', unit: 'ms', ours: single(result.eventLoopDelayMs.p99) },
          { key: 'scale.eventLoopDelayMax', label: 'event-loop delay max while completing', unit: 'ms', ours: single(result.eventLoopDelayMs.max) },
          { key: 'scale.completionWindow', label: 'first → last image saved', unit: 'ms', ours: single(result.completionWindowMs) },
        ],
        notes: [
          `CPU is process.cpuUsage (user + system, every thread of the process, so the file system work of the thread pool too), after a warm-up round of 20 generations; ${result.idleCpuMs.toFixed(0)} ms over ${result.idleWindowMs} ms with all ${GENERATIONS} in flight and nothing happening.`,
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
