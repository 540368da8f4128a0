/**
 * Run by scale.ts in its own process (`node --expose-gc -r tsx/cjs scaleProbe.ts API_URL KEY N`),
 * against an emulator in another process that holds every generation. Warms up with a few
 * generations (WARM_UP_LINE), then submits N, sits idle for a moment, prints IN_FLIGHT_LINE and
 * waits while scale.ts settles them; prints one JSON line (ScaleProbeResult). Only this process's
 * CPU and memory are counted.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { waitFor } from '../unit/support/oxen';
import { startBenchService, type BenchService } from './support/benchService';
import { IN_FLIGHT_LINE, WARM_UP_LINE, type ScaleProbeResult } from './support/scaleProtocol';
import { sleep } from './support/sleep';

/**
 * Under tsx, modules first used mid-run are transpiled then, which the shipped (prebuilt) bundle
 * never pays; a first round of generations gets them loaded, and V8's code compiled, beforehand.
 */
const WARM_UP_GENERATIONS = 20;
/** Work a submission leaves behind (journal writes, collection) still counts as submitting. */
const SUBMIT_TAIL_MS = 1000;
const IDLE_WINDOW_MS = 1000;

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Submits `count` generations numbered from `first`, all at once. */
function submitAll(bench: BenchService, first: number, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, (_, index) => bench.submitOne(first + index)));
}

async function main(): Promise<void> {
  const [apiUrl, key, countText] = process.argv.slice(2);
  const generations = Number(countText);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const retained = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

  const bench = await startBenchService(apiUrl, { key });
  try {
    const savedAt: number[] = [];
    bench.service.onTerminal(() => {
      savedAt.push(performance.now());
    });
    await submitAll(bench, 0, WARM_UP_GENERATIONS);
    console.log(WARM_UP_LINE);
    await waitFor(() => savedAt.length === WARM_UP_GENERATIONS, 60_000, 'warm-up generations saved');
    savedAt.length = 0;

    gc();
    const heapBefore = retained();
    const rssBefore = process.memoryUsage().rss;
    const submitStart = process.cpuUsage();
    await submitAll(bench, WARM_UP_GENERATIONS, generations);
    await sleep(SUBMIT_TAIL_MS);
    const submitCpu = process.cpuUsage(submitStart);
    gc();
    const heapInFlight = retained();
    const rssInFlight = process.memoryUsage().rss;

    const idleStart = process.cpuUsage();
    await sleep(IDLE_WINDOW_MS);
    const idleCpu = process.cpuUsage(idleStart);

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const completeStart = process.cpuUsage();
    console.log(IN_FLIGHT_LINE);
    await waitFor(() => savedAt.length === generations, 180_000, 'every generation saved');
    const completeCpu = process.cpuUsage(completeStart);
    delay.disable();

    const result: ScaleProbeResult = {
      generations,
      saved: bench.clock.savedCount() - WARM_UP_GENERATIONS,
      failures: bench.clock.failures().length,
      submitCpuMs: cpuMs(submitCpu),
      idleCpuMs: cpuMs(idleCpu),
      idleWindowMs: IDLE_WINDOW_MS,
      completeCpuMs: cpuMs(completeCpu),
      heapPerGenerationBytes: (heapInFlight - heapBefore) / generations,
      rssPerGenerationBytes: (rssInFlight - rssBefore) / generations,
      completionWindowMs: Math.max(...savedAt) - Math.min(...savedAt),
      eventLoopDelayMs: {
        p50: delay.percentile(50) / 1e6,
        p99: delay.percentile(99) / 1e6,
        max: delay.max / 1e6,
        mean: delay.mean / 1e6,
      },
      statusReads: bench.service.statusReads,
    };
    console.log(JSON.stringify(result));
  } finally {
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
