import type { TerminalEvent } from '../../../src/generation/generationEvents';
import type { JournalStore } from '../../../src/generation/journal';
import { GenerationService, type GenerationServiceOptions } from '../../../src/generation/service';
import type { Emulator } from '../../emulator/server';
import { clientFor } from './oxen';

/** A generation service on the emulator with test-speed tracking, and every terminal event it handed out. */
export function startTestService(
  emulator: Emulator,
  store: JournalStore,
  overrides: Partial<GenerationServiceOptions> = {},
): { service: GenerationService; events: TerminalEvent[] } {
  const events: TerminalEvent[] = [];
  const service = new GenerationService({
    client: clientFor(emulator.apiUrl),
    store,
    tracker: { keepAliveMs: 15_000, pollIntervalMs: 100, reconcileIntervalMs: 60_000, backoff: { initialMs: 100, maxMs: 400 } },
    ...overrides,
  });
  service.onTerminal((event) => {
    events.push(event);
  });
  return { service, events };
}
