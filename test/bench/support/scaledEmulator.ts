import { TEST_KEY } from '../../unit/support/oxen';
import { EmulatorAdmin } from './emulatorAdmin';
import type { SeparateEmulator } from './inTurn';
import { startProbe } from './probeProcess';

/** Two emulators in one process of their own (scaledEmulatorMain.ts), both holding every queued generation. */
export interface ScaledEmulator extends SeparateEmulator {
  /** The same emulator but for its sync endpoint, which answers `b64_json` (no download follows). */
  inlineSync: { apiUrl: string; admin: EmulatorAdmin };
}

/**
 * Like `startSeparateEmulator` (inTurn.ts), with the SSE keep-alive interval and the sync
 * endpoint's processing time chosen by the bench.
 */
export async function startScaledEmulator(options: { keepAliveMs: number; processingMs: number }): Promise<ScaledEmulator> {
  const probe = startProbe('test/bench/support/scaledEmulatorMain.ts', [TEST_KEY, String(options.keepAliveMs), String(options.processingMs)]);
  try {
    const { apiUrl, inlineSyncApiUrl } = JSON.parse(await probe.firstLine(30_000)) as { apiUrl: string; inlineSyncApiUrl: string };
    const admin = new EmulatorAdmin(apiUrl);
    await admin.hold(true);
    return { apiUrl, admin, inlineSync: { apiUrl: inlineSyncApiUrl, admin: new EmulatorAdmin(inlineSyncApiUrl) }, stop: () => probe.stop() };
  } catch (error) {
    await probe.stop();
    throw error;
  }
}
