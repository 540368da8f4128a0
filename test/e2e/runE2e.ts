/**
 * Playwright e2e in the real workbench: code-server (VS Code 1.100.3) + headless Debian
 * Chromium, the extension installed from this repository, the Oxen API emulator as backend.
 *
 *   npm run test:e2e                  (= tsx test/e2e/runE2e.ts)
 *   tsx test/e2e/runE2e.ts [--grep=PATTERN]
 *
 * Builds dist/ first when it is older than the sources (harness/extension.ts; `npm test` thus
 * builds once), starts the emulator (a generation takes ~1.3 s), a temp workspace with markdown
 * files and code-server (trusted folder; user settings: apiBaseUrl = emulator, startup editor
 * none, Default Dark Modern), with OXEN_API_KEY in its environment. Then mocha runs
 * test/e2e/*.e2e.ts in this process, in file-name order, against that one workbench; specs reach
 * it through support/environment.ts `e2e()`.
 *
 * Screenshots of every step go to test-results/e2e/ (gitignored); the README's go to
 * docs/images/. On a failure the page is saved as test-results/e2e/failure-*.png with the tail of
 * code-server's output and the workbench console.
 *
 * Env: OXEN_TEST_VERBOSE=1 (tee code-server and browser output), OXEN_KEEP_TEMP=1 (keep temp
 * dirs), OXEN_EXTENSION_PATH (extension folder; default the repo). The last line printed is
 * `N passed, N failed`; exit code 1 on any failure or when no test ran. In CI (CI=true) a
 * missing prerequisite is a failure, never a skip.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { ensureChromium } from '../harness/browser';
import { ensureCodeServerInstalled, tail } from '../harness/codeServer';
import { checkExtensionBuilt, ensureBuilt } from '../harness/extension';
import { CODE_SERVER_VERSION, REPO_ROOT } from '../harness/paths';
import { runMain } from '../harness/runMain';
import { RESULTS_DIR, startE2eEnvironment, type E2eEnvironment } from './support/environment';

const VERBOSE = process.env.OXEN_TEST_VERBOSE === '1';
const EXTENSION_PATH = path.resolve(process.env.OXEN_EXTENSION_PATH ?? REPO_ROOT);
const SPEC_DIR = __dirname;

function parseCli(argv: string[]): { grep?: string } {
  const options: { grep?: string } = {};
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s, 2);
    if (key === '--grep' && value) options.grep = value;
    else throw new Error(`unknown argument ${arg} (use --grep=PATTERN)`);
  }
  return options;
}

function specFiles(): string[] {
  return fs
    .readdirSync(SPEC_DIR)
    .filter((name) => name.endsWith('.e2e.ts'))
    .sort()
    .map((name) => path.join(SPEC_DIR, name));
}

function safeName(title: string): string {
  return title.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
}

async function runSpecs(env: E2eEnvironment, grep: string | undefined): Promise<{ passed: number; failed: number }> {
  const mocha = new Mocha({ reporter: 'spec', timeout: 90_000, ...(grep ? { grep } : {}) });
  mocha.rootHooks({
    // Before the next test changes anything: what the page looked like, and what the server and
    // the workbench said.
    async afterEach(this: Mocha.Context) {
      const test = this.currentTest;
      if (test?.state !== 'failed') return;
      const file = path.join(RESULTS_DIR, `failure-${safeName(test.fullTitle())}.png`);
      await env.browser.page.screenshot({ path: file }).then(
        () => console.log(`    screenshot of the failure: ${path.relative(REPO_ROOT, file)}`),
        (error: Error) => console.log(`    no screenshot of the failure: ${error.message}`),
      );
      console.log(`    --- code-server output (last 30 lines) ---\n${tail(env.server.logs(), 30)}`);
      console.log(`    --- workbench console (last ${env.recentConsole.length}) ---\n${env.recentConsole.join('\n')}\n`);
    },
  });
  for (const file of specFiles()) mocha.addFile(file);
  let passed = 0;
  let failed = 0;
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => (passed += 1));
    runner.on('fail', () => (failed += 1));
  });
  return { passed, failed };
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const started = Date.now();
  if (EXTENSION_PATH === REPO_ROOT) ensureBuilt();
  checkExtensionBuilt(EXTENSION_PATH);
  ensureChromium();
  ensureCodeServerInstalled(); // installs it outside CI; in CI a missing install is an error
  fs.rmSync(RESULTS_DIR, { recursive: true, force: true }); // screenshots of this run only
  const env = await startE2eEnvironment({ extensionPath: EXTENSION_PATH, verbose: VERBOSE });
  console.log(`code-server ${CODE_SERVER_VERSION} on ${env.server.baseUrl}, emulator on ${env.emulator.apiUrl} (${Date.now() - started} ms)`);
  let outcome: { passed: number; failed: number };
  try {
    outcome = await runSpecs(env, cli.grep);
  } finally {
    await env.stop();
  }
  console.log(`\nE2E run took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${path.relative(REPO_ROOT, RESULTS_DIR)}/`);
  if (outcome.passed + outcome.failed === 0) console.log('ERROR: no test ran');
  console.log(`${outcome.passed} passed, ${outcome.failed} failed`);
  return outcome.failed > 0 || outcome.passed === 0 ? 1 : 0;
}

runMain(main, '0 passed, 1 failed');
