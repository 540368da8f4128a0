import { parseArgs } from 'node:util';
import { startEmulator } from './server';

/**
 * `npm run emulator -- --port N [--key K] [--processing-ms N]`: the emulator as a standalone
 * backend (for `npm start` and tests in another process). Runs until SIGINT or SIGTERM.
 */
function integerOption(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`--${name} must be a non-negative integer, got "${raw}"`);
  return Number(raw);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      key: { type: 'string' },
      'processing-ms': { type: 'string' },
    },
    strict: true,
  });
  const processingMs = integerOption('processing-ms', values['processing-ms']);
  const emulator = await startEmulator({
    port: integerOption('port', values.port),
    apiKey: values.key,
    timing: { processingMs },
  });
  // The first line is the API URL alone, so a parent process can read it without parsing prose.
  console.log(emulator.apiUrl);
  console.log(`Oxen API emulator: API ${emulator.apiUrl}, storage ${emulator.storageUrl}, key "${values.key ?? 'test-key'}"`);
  console.log(`Admin: ${emulator.apiUrl}/__emulator/{faults,reset,requests,state,hold,settle,emit}. Ctrl+C stops.`);

  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
