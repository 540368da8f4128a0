import { startEmulator } from '../../emulator/server';

/**
 * `tsx test/bench/support/scaledEmulatorMain.ts KEY KEEP_ALIVE_MS PROCESSING_MS`: the emulator
 * with a keep-alive interval of the bench's choosing (the CLI has no such option), plus a second
 * one whose sync endpoint answers inline bytes (`syncImage: 'b64_json'`, a start option). Its
 * first line of output is `{"apiUrl", "inlineSyncApiUrl"}`; it runs until SIGTERM.
 */
async function main(): Promise<void> {
  const [apiKey, keepAliveMs, processingMs] = process.argv.slice(2);
  const options = { apiKey, keepAliveMs: Number(keepAliveMs), timing: { processingMs: Number(processingMs) } };
  const emulator = await startEmulator(options);
  const inlineSync = await startEmulator({ ...options, variants: { syncImage: 'b64_json' } });
  console.log(JSON.stringify({ apiUrl: emulator.apiUrl, inlineSyncApiUrl: inlineSync.apiUrl }));
  process.once('SIGTERM', () => {
    void Promise.all([emulator.close(), inlineSync.close()]).then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
