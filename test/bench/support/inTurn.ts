import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientFor, TEST_KEY, waitFor } from '../../unit/support/oxen';
import { startEmulatorProcess } from '../../unit/support/processes';
import { runSsePerGeneration } from '../baselines/ssePerGeneration';
import { startBenchService } from './benchService';
import { CompletionClock } from './completionClock';
import { EmulatorAdmin } from './emulatorAdmin';
import { latencies, WARM_UP } from './settle';

/** Per generation, from success to the client knowing it and to the image being saved (ms). */
export interface InTurnSamples {
  known: number[];
  saved: number[];
}

/**
 * The emulator in a process of its own, holding every generation: its picture rendering, body
 * streaming and garbage collection stay out of the process under measurement, which starts its
 * clocks at the moment the emulator wrote the SSE event (EmulatorAdmin.settleAt).
 */
export interface SeparateEmulator {
  apiUrl: string;
  admin: EmulatorAdmin;
  stop(): Promise<void>;
}

export async function startSeparateEmulator(): Promise<SeparateEmulator> {
  const emulator = await startEmulatorProcess(TEST_KEY);
  const admin = new EmulatorAdmin(emulator.apiUrl);
  await admin.hold(true);
  return { apiUrl: emulator.apiUrl, admin, stop: () => emulator.stop() };
}

function samplesFrom(settledAt: ReadonlyMap<string, number>, clock: CompletionClock): InTurnSamples {
  return {
    known: latencies(settledAt, (id) => clock.knownAt(id), WARM_UP),
    saved: latencies(settledAt, (id) => clock.savedAt(id), WARM_UP),
  };
}

/**
 * Our service (shipped defaults) with `WARM_UP + count` generations held, settled one at a time,
 * each only after the previous image is on disk, so samples never overlap.
 */
export async function oursInTurn(emulator: SeparateEmulator, count: number, timeoutMs: number): Promise<InTurnSamples> {
  const ours = await startBenchService(emulator.apiUrl, { recordKnown: true });
  try {
    const ids = await Promise.all(Array.from({ length: WARM_UP + count }, (_, index) => ours.submitOne(index)));
    const settledAt = new Map<string, number>();
    for (const id of ids) {
      ours.watchKnown(id);
      settledAt.set(id, await emulator.admin.settleAt(id));
      await waitFor(() => ours.clock.savedAt(id) !== undefined || ours.clock.failures().length > 0, timeoutMs, `generation ${id} saved`);
      const [failure] = ours.clock.failures();
      if (failure) throw new Error(`generation ${failure[0]} failed: ${failure[1]}`);
    }
    return samplesFrom(settledAt, ours.clock);
  } finally {
    await ours.close();
  }
}

/**
 * Baseline (B) `WARM_UP + count` times in turn, each generation settled once its own SSE
 * connection is open: what its completion takes when it does not lose the race.
 */
export async function ssePerGenerationInTurn(emulator: SeparateEmulator, count: number, timeoutMs: number): Promise<InTurnSamples> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-b-'));
  const client = clientFor(emulator.apiUrl);
  const clock = new CompletionClock();
  try {
    const settledAt = new Map<string, number>();
    // Indexes from 10,000: prompts and seeds distinct from our generations' on the same emulator.
    for (let index = 10_000; index < 10_000 + WARM_UP + count; index++) {
      let settled: Promise<void> = Promise.resolve();
      const outcome = await runSsePerGeneration(index, {
        client,
        folder,
        clock,
        deadlineMs: timeoutMs,
        onConnected: (id) => {
          settled = emulator.admin.settleAt(id).then((at) => void settledAt.set(id, at));
        },
      });
      await settled;
      if (outcome !== 'saved') throw new Error(`SSE-per-generation run ${index} ended ${outcome}`);
    }
    return samplesFrom(settledAt, clock);
  } finally {
    await client.transport.close();
    await fs.rm(folder, { recursive: true, force: true });
  }
}
