/**
 * Run by scale.ts in its own process (`node --expose-gc -r tsx/cjs scaleProbe.ts API_URL KEY N`),
 * against an emulator in another process that holds every generation. Warms up (WARM_UP_LINE),
 * then runs two rounds of N generations in flight at once: the tracking round (TRACKING_LINE; all
 * fail at Oxen, so nothing is downloaded) and the full round (IN_FLIGHT_LINE; all succeed and are
 * saved), and prints one JSON line (ScaleProbeResult). Only this process's CPU and memory count.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import { waitFor } from '../unit/support/oxen';
import { startBenchService, type BenchService } from './support/benchService';
import { IN_FLIGHT_LINE, TRACKING_LINE, WARM_UP_LINE, type RoundCpu, type ScaleProbeResult } from './support/scaleProtocol';
import { sleep } from './support/sleep';

/**
 * Under tsx, modules first used mid-run are transpiled then, which the shipped (prebuilt) bundle
 * never pays; a first round of generations (half succeed, half fail: both paths) gets them
 * loaded, and V8's code compiled, beforehand.
 */
const WARM_UP_GENERATIONS = 100;
/** Work a submission leaves behind (journal writes, collection) still counts as submitting. */
const SUBMIT_TAIL_MS = 1000;
const IDLE_WINDOW_MS = 1000;
const ROUND_TIMEOUT_MS = 180_000;

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

/** Submits `count` generations numbered from `first`, all at once, plus the work they leave behind; returns the CPU. */
async function submitAll(bench: BenchService, first: number, count: number): Promise<number> {
  const start = process.cpuUsage();
  await Promise.all(Array.from({ length: count }, (_, index) => bench.submitOne(first + index)));
  await sleep(SUBMIT_TAIL_MS);
  return cpuMs(process.cpuUsage(start));
}

async function main(): Promise<void> {
  const [apiUrl, key, countText] = process.argv.slice(2);
  const generations = Number(countText);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const retained = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

  const bench = await startBenchService(apiUrl, { key });
  try {
    let ended: Array<{ type: TerminalEvent['type']; at: number }> = [];
    bench.service.onTerminal((event) => {
      ended.push({ type: event.type, at: performance.now() });
    });
    /** Tells scale.ts to settle what is in flight, waits for every terminal event; returns them and the CPU. */
    const complete = async (line: string, count: number) => {
      ended = [];
      const start = process.cpuUsage();
      console.log(line);
      await waitFor(() => ended.length === count, ROUND_TIMEOUT_MS, `${count} terminal events after "${line}"`);
      return { events: ended, cpuMs: cpuMs(process.cpuUsage(start)) };
    };

    await submitAll(bench, 0, WARM_UP_GENERATIONS);
    await complete(WARM_UP_LINE, WARM_UP_GENERATIONS);

    const trackingSubmitMs = await submitAll(bench, WARM_UP_GENERATIONS, generations);
    const trackingRound = await complete(TRACKING_LINE, generations);
    const tracking: RoundCpu = { submitMs: trackingSubmitMs, completeMs: trackingRound.cpuMs };

    gc();
    const heapBefore = retained();
    const rssBefore = process.memoryUsage().rss;
    const fullSubmitMs = await submitAll(bench, WARM_UP_GENERATIONS + generations, generations);
    gc();
    const heapInFlight = retained();
    const rssInFlight = process.memoryUsage().rss;

    const idleStart = process.cpuUsage();
    await sleep(IDLE_WINDOW_MS);
    const idleCpu = process.cpuUsage(idleStart);

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const fullRound = await complete(IN_FLIGHT_LINE, generations);
    delay.disable();
    const full: RoundCpu = { submitMs: fullSubmitMs, completeMs: fullRound.cpuMs };

    const savedAt = fullRound.events.filter((event) => event.type === 'saved').map((event) => event.at);
    const result: ScaleProbeResult = {
      generations,
      saved: savedAt.length,
      failures: trackingRound.events.filter((event) => event.type !== 'failed').length + generations - savedAt.length,
      tracking,
      full,
      idleCpuMs: cpuMs(idleCpu),
      idleWindowMs: IDLE_WINDOW_MS,
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
