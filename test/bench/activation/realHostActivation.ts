import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { launchBrowser, type BrowserSession } from '../../harness/browser';
import { startCodeServer, type CodeServer } from '../../harness/codeServer';
import { CHROMIUM_PATH, CODE_SERVER_VERSION, isCodeServerInstalled } from '../../harness/paths';
import { createWorkspace, removeDir } from '../../harness/workspace';
import { waitFor } from '../../unit/support/oxen';
import type { Figure } from '../support/results';
import { single } from '../support/stats';

const RESULT_TIMEOUT_MS = 90_000;

export interface RealHostActivation {
  figures: Figure[];
  notes: string[];
  details: unknown;
}

function notRun(reason: string): RealHostActivation {
  return { figures: [], notes: [`Real extension host: not measured (${reason}).`], details: { notRun: reason } };
}

/** A development-mode extension holding the production bundles and the timing shim. */
async function prepareShimExtension(dist: string): Promise<string> {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-shim-'));
  await fs.cp(dist, path.join(folder, 'dist'), { recursive: true });
  await build({
    entryPoints: [path.join(__dirname, 'realHostShim.ts')],
    outfile: path.join(folder, 'shim.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const manifest = {
    name: 'oxen-bench-activation',
    publisher: 'oxen-image-studio-bench',
    version: '0.0.0',
    engines: { vscode: '^1.100.0' },
    main: './shim.js',
    // Like the extension's own manifest: after startup, not competing with the workbench's.
    activationEvents: ['onStartupFinished'],
  };
  await fs.writeFile(path.join(folder, 'package.json'), JSON.stringify(manifest));
  return folder;
}

/**
 * Loads the production bundle once in a real extension host (code-server + headless chromium,
 * the integration harness) and reports require + activate() timed inside it. Reported, never
 * asserted: one sample, on a host busy starting its own extensions. Skipped, with the reason,
 * when code-server or chromium is not installed.
 */
export async function measureRealHostActivation(dist: string): Promise<RealHostActivation> {
  if (!isCodeServerInstalled()) return notRun('code-server is not installed; npm run install:code-server');
  if (!existsSync(CHROMIUM_PATH)) return notRun(`no chromium at ${CHROMIUM_PATH}`);
  const started = performance.now();
  const shim = await prepareShimExtension(dist);
  const workspace = createWorkspace({ prefix: 'oxen-bench-ws-' });
  const resultFile = path.join(shim, 'result.json');
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  try {
    server = await startCodeServer({
      workspaceFolder: workspace,
      trustWorkspace: true,
      extensionDevelopmentPath: shim,
      env: { OXEN_BENCH_ACTIVATION_RESULT: resultFile },
    });
    browser = await launchBrowser();
    await browser.openWorkbench(server.url);
    await waitFor(() => existsSync(resultFile), RESULT_TIMEOUT_MS, 'the shim extension to activate');
    const result = JSON.parse(await fs.readFile(resultFile, 'utf8')) as { requireMs: number; activateMs: number };
    return {
      figures: [
        {
          key: 'activation.realHost',
          label: `require + activate(), real extension host`,
          unit: 'ms',
          ours: single(result.requireMs + result.activateMs),
          note: 'reported, not asserted',
        },
      ],
      notes: [
        `Real extension host: code-server ${CODE_SERVER_VERSION}, one sample: require ${result.requireMs.toFixed(2)} ms + activate() ${result.activateMs.toFixed(2)} ms (reported, not asserted; took ${((performance.now() - started) / 1000).toFixed(0)} s to run).`,
      ],
      details: result,
    };
  } catch (error) {
    return notRun(`the run failed: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await browser?.close();
    await server?.stop();
    removeDir(workspace);
    await fs.rm(shim, { recursive: true, force: true });
  }
}
