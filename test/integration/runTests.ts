/**
 * Runs the integration suite inside a real VS Code extension host.
 *
 *   npm run test:integration            (= tsx test/integration/runTests.ts; builds dist/ first when
 *                                       it is older than the sources, see harness/extension.ts)
 *   tsx test/integration/runTests.ts [--trust=both|trusted|untrusted] [--grep=PATTERN]
 *
 * Default runner: code-server (VS Code 1.100.3's workbench + Node extension host, installed
 * offline by scripts/install-code-server.sh) driven by headless Debian chromium. Two passes:
 *   trusted   -- `--disable-workspace-trust`, runs every *.test.ts except *.untrusted.test.ts
 *   untrusted -- restricted mode, runs *.untrusted.test.ts (and *.anytrust.test.ts in both)
 * VSCODE_TEST_RUNNER=electron uses @vscode/test-electron instead (downloads VS Code; needs a display).
 *
 * Each pass gets a fresh Oxen API emulator, a fresh workspace (markdown at several depths), a
 * fresh VS Code profile with `oxenImageStudio.apiBaseUrl` = emulator, and the env
 * OXEN_API_KEY=test-key, OXEN_EMULATOR_URL, OXEN_TEST_RESULTS, OXEN_TEST_TRUST, OXEN_TEST_WORKSPACE.
 *
 * Env: OXEN_TEST_PASS_TIMEOUT_MS (default 600000), OXEN_TEST_VERBOSE=1 (tee code-server output),
 * OXEN_KEEP_TEMP=1 (keep temp dirs), OXEN_EXTENSION_PATH (extension folder; default the repo).
 * The last line printed is `N passed, N failed, N skipped`; exit code 1 on any failure or if no
 * test ran. In CI (CI=true) a missing prerequisite is a failure, never a skip.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchBrowser, ensureChromium, type BrowserSession } from '../harness/browser';
import { bundleIntegrationSuite, type BundledSuite } from '../harness/bundleSuite';
import { ensureCodeServerInstalled, startCodeServer, tail, type CodeServer } from '../harness/codeServer';
import { checkExtensionBuilt, ensureBuilt } from '../harness/extension';
import { CODE_SERVER_VERSION, REPO_ROOT } from '../harness/paths';
import { runMain } from '../harness/runMain';
import { createWorkspace, removeDir } from '../harness/workspace';
import { startEmulator } from '../emulator/server';
import { selectsFile, type TestResults, type TrustMode } from './suite/index';

const API_KEY = 'test-key';
const PASS_TIMEOUT_MS = Number(process.env.OXEN_TEST_PASS_TIMEOUT_MS ?? 10 * 60_000);
const VERBOSE = process.env.OXEN_TEST_VERBOSE === '1';
const EXTENSION_PATH = path.resolve(process.env.OXEN_EXTENSION_PATH ?? REPO_ROOT);

interface PassOutcome {
  trust: TrustMode;
  results?: TestResults;
  /** Why the pass produced no usable results (crash, timeout, ...). */
  error?: string;
  durationMs: number;
}

interface CliOptions {
  trust: TrustMode[];
  grep?: string;
}

function parseCli(argv: string[]): CliOptions {
  const opts: CliOptions = { trust: ['trusted', 'untrusted'] };
  for (const arg of argv) {
    const [key, value] = arg.split(/=(.*)/s, 2);
    if (key === '--trust' && (value === 'trusted' || value === 'untrusted')) opts.trust = [value];
    else if (key === '--trust' && value === 'both') opts.trust = ['trusted', 'untrusted'];
    else if (key === '--grep' && value) opts.grep = value;
    else throw new Error(`unknown argument ${arg} (use --trust=both|trusted|untrusted, --grep=PATTERN)`);
  }
  return opts;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readResults(file: string): TestResults | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TestResults;
  } catch {
    return undefined;
  }
}

/** Checks what a run needs; throws PrerequisiteError saying what to install. */
function preflight(runner: string): void {
  if (EXTENSION_PATH === REPO_ROOT) ensureBuilt();
  checkExtensionBuilt(EXTENSION_PATH);
  if (runner === 'code-server') {
    ensureChromium();
    ensureCodeServerInstalled(); // installs it outside CI; in CI a missing install is an error
  }
}

function passEnv(trust: TrustMode, resultsFile: string, workspace: string, apiUrl: string, grep?: string) {
  return {
    OXEN_API_KEY: API_KEY,
    OXEN_TEST_RESULTS: resultsFile,
    OXEN_EMULATOR_URL: apiUrl,
    OXEN_TEST_TRUST: trust,
    OXEN_TEST_WORKSPACE: workspace,
    ...(grep ? { OXEN_TEST_GREP: grep } : {}),
  };
}

/** Prints the suite's `[oxen-tests]` progress lines forwarded to the page console (all with VERBOSE). */
function consoleForwarder(prefix: string, recent: string[]) {
  return (text: string, type: string) => {
    recent.push(`[${type}] ${text.replace(/%c/g, '').slice(0, 400)}`);
    if (recent.length > 40) recent.shift();
    const m = text.match(/\[oxen-tests\] ([\s\S]*)$/);
    if (m) console.log(`${prefix}${m[1]}`);
    else if (VERBOSE) console.log(`${prefix}[browser ${type}] ${text}`);
  };
}

async function runCodeServerPass(
  trust: TrustMode,
  suite: BundledSuite,
  tempRoot: string,
  grep: string | undefined,
): Promise<PassOutcome> {
  const started = Date.now();
  const resultsFile = path.join(tempRoot, `results-${trust}.json`);
  const workspace = createWorkspace({ prefix: `oxen-ws-${trust}-` });
  const emulator = await startEmulator({ apiKey: API_KEY });
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  const recentConsole: string[] = [];
  try {
    server = await startCodeServer({
      workspaceFolder: workspace,
      trustWorkspace: trust === 'trusted',
      userSettings: { 'oxenImageStudio.apiBaseUrl': emulator.apiUrl },
      env: passEnv(trust, resultsFile, workspace, emulator.apiUrl, grep),
      extensionDevelopmentPath: EXTENSION_PATH,
      onOutput: VERBOSE ? (t) => process.stdout.write(`  [code-server] ${t}`) : undefined,
    });
    const srv = server;
    console.log(`  code-server ${CODE_SERVER_VERSION} on ${srv.baseUrl} (${Date.now() - started} ms)`);
    browser = await launchBrowser({ onConsole: consoleForwarder('    | ', recentConsole) });
    const testUrl = srv.workbenchUrl({ extensionDevelopmentPath: EXTENSION_PATH, extensionTestsPath: suite.indexPath });
    await browser.page.goto(testUrl, { waitUntil: 'domcontentloaded', timeout: 60_000 });

    // Verdict: the results file. Also notice an extension host that died without writing it.
    const deadline = Date.now() + PASS_TIMEOUT_MS;
    const launchDeadline = Date.now() + 120_000;
    let hostLaunched = false;
    void srv.waitForOutput(/Launched Extension Host Process/, 120_000).then(
      () => (hostLaunched = true),
      () => undefined,
    );
    let hostExitedAt: number | undefined;
    let hostExitCode: number | undefined;
    void srv.waitForExtensionHostExit(PASS_TIMEOUT_MS).then(
      (code) => {
        hostExitedAt = Date.now();
        hostExitCode = code;
      },
      () => undefined,
    );
    for (;;) {
      const results = fs.existsSync(resultsFile) ? readResults(resultsFile) : undefined;
      if (results) return { trust, results, durationMs: Date.now() - started };
      if (srv.process.exitCode !== null || srv.process.signalCode !== null) {
        return fail(`code-server exited (code ${srv.process.exitCode}) before the tests reported`, srv);
      }
      if (hostExitedAt !== undefined && Date.now() - hostExitedAt > 5000) {
        return fail(`extension host exited with code ${hostExitCode} without writing results`, srv);
      }
      if (!hostLaunched && Date.now() > launchDeadline) {
        return fail('the workbench did not start an extension host within 120 s', srv);
      }
      if (Date.now() > deadline) {
        return fail(`no results after ${Math.round(PASS_TIMEOUT_MS / 1000)} s (OXEN_TEST_PASS_TIMEOUT_MS)`, srv);
      }
      await delay(250);
    }
  } catch (error) {
    return fail((error as Error).message, server);
  } finally {
    await browser?.close();
    await server?.stop();
    await emulator.close();
    removeDir(workspace);
  }

  function fail(reason: string, srv: CodeServer | undefined): PassOutcome {
    const logs =
      (srv ? `\n  --- code-server output (last 60 lines) ---\n${tail(srv.logs(), 60)}` : '') +
      (recentConsole.length > 0 ? `\n  --- workbench console (last ${recentConsole.length}) ---\n${recentConsole.join('\n')}` : '');
    // Tests that finished before the crash/timeout, from the suite's progress file.
    const partial = readResults(`${resultsFile}.progress`);
    return { trust, results: partial, error: `${reason}${logs}`, durationMs: Date.now() - started };
  }
}

async function runElectronPass(
  trust: TrustMode,
  suite: BundledSuite,
  tempRoot: string,
  grep: string | undefined,
): Promise<PassOutcome> {
  const started = Date.now();
  const { runTests, downloadAndUnzipVSCode } = await import('@vscode/test-electron');
  const resultsFile = path.join(tempRoot, `results-${trust}.json`);
  const workspace = createWorkspace({ prefix: `oxen-ws-${trust}-` });
  const userDataDir = path.join(tempRoot, `electron-user-data-${trust}`);
  const extensionsDir = path.join(tempRoot, `electron-extensions-${trust}`);
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const emulator = await startEmulator({ apiKey: API_KEY });
  try {
    fs.writeFileSync(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'oxenImageStudio.apiBaseUrl': emulator.apiUrl }, null, 2),
    );
    const env = passEnv(trust, resultsFile, workspace, emulator.apiUrl, grep);
    const launchArgs = [workspace, `--user-data-dir=${userDataDir}`, `--extensions-dir=${extensionsDir}`];
    let executable: string;
    try {
      executable = await downloadAndUnzipVSCode(process.env.VSCODE_TEST_VERSION ?? 'stable');
    } catch (error) {
      throw new Error(
        `could not download VS Code for VSCODE_TEST_RUNNER=electron (${(error as Error).message}); ` +
          `without internet use the default runner (code-server)`,
      );
    }
    if (trust === 'trusted') {
      // runTests() always adds --disable-workspace-trust. A non-zero exit (failed tests) is not an
      // error here: the results file decides.
      await runTests({
        vscodeExecutablePath: executable,
        extensionDevelopmentPath: EXTENSION_PATH,
        extensionTestsPath: suite.indexPath,
        launchArgs,
        extensionTestsEnv: env,
      }).catch((error: unknown) => console.log(`  VS Code: ${(error as Error).message}`));
    } else {
      // Same as runTests() minus --disable-workspace-trust, so the folder opens in restricted mode.
      const args = [
        ...launchArgs,
        '--no-sandbox',
        '--disable-gpu-sandbox',
        '--disable-updates',
        '--skip-welcome',
        '--skip-release-notes',
        `--extensionTestsPath=${suite.indexPath}`,
        `--extensionDevelopmentPath=${EXTENSION_PATH}`,
      ];
      await new Promise<void>((resolve) => {
        const child = spawn(executable, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
        const timer = setTimeout(() => child.kill('SIGKILL'), PASS_TIMEOUT_MS);
        child.on('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.on('error', (error) => {
          console.log(`  VS Code: ${error.message}`);
          resolve();
        });
      });
    }
    const results = readResults(resultsFile);
    if (!results) {
      const partial = readResults(`${resultsFile}.progress`);
      return { trust, results: partial, error: 'VS Code exited without writing results', durationMs: Date.now() - started };
    }
    return { trust, results, durationMs: Date.now() - started };
  } catch (error) {
    return { trust, error: (error as Error).message, durationMs: Date.now() - started };
  } finally {
    await emulator.close();
    removeDir(workspace);
  }
}

function printPass(outcome: PassOutcome): void {
  console.log('');
  console.log(`  ${outcome.trust} workspace (${(outcome.durationMs / 1000).toFixed(1)} s)`);
  if (outcome.error) console.log(`    ✘ the pass did not complete: ${outcome.error}`);
  const r = outcome.results;
  if (!r) return;
  const all = [
    ...r.passes.map((t) => ({ ...t, mark: '✔' })),
    ...r.failures.map((t) => ({ ...t, mark: '✘' })),
    ...r.pending.map((t) => ({ ...t, mark: '-' })),
  ];
  for (const t of all) {
    const ms = t.duration !== undefined && t.mark !== '-' ? ` (${t.duration} ms)` : '';
    console.log(`    ${t.mark} ${t.fullTitle}${ms}`);
  }
  if (all.length === 0 && !outcome.error) console.log(`    (no tests ran; files: ${r.files.join(', ') || 'none'})`);
}

function printFailures(outcomes: PassOutcome[]): void {
  let n = 0;
  for (const o of outcomes) {
    for (const f of o.results?.failures ?? []) {
      n += 1;
      console.log('');
      console.log(`  ${n}) [${o.trust}] ${f.fullTitle}${f.file ? `  (${f.file})` : ''}`);
      console.log(indent(trimStack(f.stack ?? f.error ?? 'unknown error'), '     '));
    }
  }
}

/** Drops stack frames of VS Code, Node and mocha internals (test frames stay). */
function trimStack(stack: string): string {
  const noise = /\/\.cache\/code-server\/|\(node:internal|at node:internal|\/node_modules\/mocha\/|new Promise \(<anonymous>\)|Array\.forEach \(<anonymous>\)/;
  return stack
    .split('\n')
    .filter((line) => !(/^\s*at /.test(line) && noise.test(line)))
    .join('\n');
}

function indent(text: string, pad: string): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2));
  const runner = (process.env.VSCODE_TEST_RUNNER ?? 'code-server').toLowerCase();
  if (runner !== 'code-server' && runner !== 'electron') {
    throw new Error(`VSCODE_TEST_RUNNER must be code-server or electron, got ${runner}`);
  }
  const t0 = Date.now();
  preflight(runner);
  const suite = await bundleIntegrationSuite();
  console.log(`Integration suite bundled to ${path.relative(REPO_ROOT, suite.outDir)} (${suite.testFiles.length} test files, ${Date.now() - t0} ms)`);
  console.log(`Runner: ${runner === 'electron' ? '@vscode/test-electron' : `code-server ${CODE_SERVER_VERSION} + chromium`}; extension: ${EXTENSION_PATH}`);

  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'oxen-integration-'));
  const outcomes: PassOutcome[] = [];
  try {
    for (const trust of cli.trust) {
      const files = suite.testFiles.filter((f) => selectsFile(f, trust));
      if (files.length === 0) {
        console.log(`\n  ${trust} workspace: no test files for this pass (see suite/index.ts naming), not run`);
        continue;
      }
      console.log(`\n▶ ${trust} workspace: ${files.join(', ')}`);
      const outcome =
        runner === 'electron'
          ? await runElectronPass(trust, suite, tempRoot, cli.grep)
          : await runCodeServerPass(trust, suite, tempRoot, cli.grep);
      outcomes.push(outcome);
    }
  } finally {
    removeDir(tempRoot);
  }

  for (const o of outcomes) printPass(o);
  printFailures(outcomes);
  const passed = outcomes.reduce((n, o) => n + (o.results?.passes.length ?? 0), 0);
  const skipped = outcomes.reduce((n, o) => n + (o.results?.pending.length ?? 0), 0);
  const failed = outcomes.reduce((n, o) => n + (o.results?.failures.length ?? 0) + (o.error ? 1 : 0), 0);
  console.log('');
  console.log(`Integration run took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (passed + failed === 0) console.log('ERROR: no test ran');
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 || passed + failed === 0 ? 1 : 0;
}

runMain(main, '0 passed, 1 failed, 0 skipped');
