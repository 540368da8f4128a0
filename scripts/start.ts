/**
 * `npm start` (= npm run build && tsx scripts/start.ts): the extension in a real VS Code
 * (code-server) in your browser, on a fresh copy of scripts/sample-workspace/.
 *
 * - OXEN_API_KEY set: the real Oxen API (default base URL), with that key.
 * - otherwise: the local Oxen API emulator (test/emulator/server.ts), key "emulator-key", and
 *   `oxenImageStudio.apiBaseUrl` pointing at it.
 * - OXEN_EXTENSION_PATH: load the extension from another folder (default: this repository).
 * - PORT (default 8080) and HOST (default 127.0.0.1) pick the address; OXEN_START_VERBOSE=1 shows
 *   code-server's output.
 *
 * The extension is loaded from this repository: the folder is symlinked into a fresh
 * --extensions-dir as `<publisher>.<name>-<version>`, which code-server picks up at startup, so
 * the plain URL works (reload the window after `npm run build` to pick up changes).
 * Runs until Ctrl-C, then stops code-server (whole process group) and the emulator.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureCodeServerInstalled, startCodeServer, type CodeServer } from '../test/harness/codeServer';
import { checkExtensionBuilt } from '../test/harness/extension';
import { REPO_ROOT } from '../test/harness/paths';
import { createWorkspace } from '../test/harness/workspace';

const SAMPLE_WORKSPACE = path.join(REPO_ROOT, 'scripts', 'sample-workspace');
const EMULATOR_KEY = 'emulator-key';
const EXTENSION_PATH = path.resolve(process.env.OXEN_EXTENSION_PATH ?? REPO_ROOT);

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? '127.0.0.1';
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`invalid PORT ${process.env.PORT}`);

  checkExtensionBuilt(EXTENSION_PATH);
  ensureCodeServerInstalled({ allowInstall: true });

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup: ${(error as Error).message}`);
      }
    }
    cleanups.length = 0;
  };

  let server: CodeServer | undefined;
  try {
    const userSettings: Record<string, unknown> = {};
    const env: Record<string, string> = {};
    let backend: string;
    if (process.env.OXEN_API_KEY) {
      backend = 'the real Oxen API (OXEN_API_KEY from your environment)';
    } else {
      const { startEmulator } = await import('../test/emulator/server');
      const emulator = await startEmulator({ apiKey: EMULATOR_KEY });
      cleanups.push(() => emulator.close());
      userSettings['oxenImageStudio.apiBaseUrl'] = emulator.apiUrl;
      env.OXEN_API_KEY = EMULATOR_KEY;
      env.OXEN_EMULATOR_URL = emulator.apiUrl;
      backend = `the Oxen API emulator at ${emulator.apiUrl} (key "${EMULATOR_KEY}"; admin: ${emulator.apiUrl}/__emulator/)`;
    }

    const workspace = createWorkspace({ copyFrom: SAMPLE_WORKSPACE, prefix: 'oxen-sample-' });
    cleanups.push(() => fs.rmSync(workspace, { recursive: true, force: true }));

    const verbose = process.env.OXEN_START_VERBOSE === '1';
    server = await startCodeServer({
      workspaceFolder: workspace,
      trustWorkspace: true,
      userSettings,
      env,
      port,
      host,
      installExtensions: [EXTENSION_PATH],
      onOutput: verbose ? (t) => process.stdout.write(t) : undefined,
    });
    const srv = server;
    cleanups.push(() => srv.stop());

    const line = '='.repeat(72);
    console.log(`\n${line}`);
    console.log(`  Oxen Image Studio in VS Code (code-server): ${srv.url}`);
    console.log(`  backend:   ${backend}`);
    console.log(`  workspace: ${workspace} (a copy of scripts/sample-workspace)`);
    console.log(`  Ctrl-C to stop.`);
    console.log(`${line}\n`);

    let stopping = false;
    await new Promise<void>((resolve) => {
      const onSignal = (signal: string) => {
        stopping = true;
        console.log(`\n${signal}: stopping code-server${env.OXEN_EMULATOR_URL ? ' and the emulator' : ''}...`);
        resolve();
      };
      process.once('SIGINT', () => onSignal('SIGINT'));
      process.once('SIGTERM', () => onSignal('SIGTERM'));
      process.once('SIGHUP', () => onSignal('SIGHUP'));
      srv.process.once('exit', (code, signal) => {
        if (stopping) return; // our own stop()
        console.error(`code-server exited (code ${code}, signal ${signal}); last output:\n${srv.logs().slice(-4000)}`);
        process.exitCode = 1;
        resolve();
      });
    });
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
