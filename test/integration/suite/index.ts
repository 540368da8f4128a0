/**
 * Mocha entry point that runs *inside the VS Code extension host* (code-server or Electron).
 * VS Code calls `run()` because the runner passes this module as `extensionTestsPath`.
 *
 * Test files: every `*.test.js` compiled next to this file (recursively), selected by the trust
 * mode of the run (`process.env.OXEN_TEST_TRUST`, 'trusted' | 'untrusted'; default 'trusted'):
 *   - `*.untrusted.test.ts`  run only in the untrusted (restricted mode) pass;
 *   - `*.anytrust.test.ts`   run in both passes;
 *   - any other `*.test.ts`  run only in the trusted pass.
 * Inside a file, `process.env.OXEN_TEST_TRUST` can also pick `describe`s.
 *
 * Results go to the JSON file named by `process.env.OXEN_TEST_RESULTS` (the runner's verdict),
 * and a spec-style log goes to the extension host console.
 * Optional: OXEN_TEST_GREP (mocha grep), OXEN_TEST_TIMEOUT (ms, default 60000).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export interface TestResultEntry {
  title: string;
  fullTitle: string;
  file?: string;
  duration?: number;
  error?: string;
  stack?: string;
}

export interface TestResults {
  trust: string;
  stats: { passes: number; failures: number; pending: number; tests: number; durationMs: number };
  passes: TestResultEntry[];
  failures: TestResultEntry[];
  pending: TestResultEntry[];
  /** Files that were loaded (relative to the suite folder). */
  files: string[];
  /** Set when the suite could not even start (e.g. a test file threw on load). */
  fatal?: string;
}

export type TrustMode = 'trusted' | 'untrusted';

export function trustMode(): TrustMode {
  return process.env.OXEN_TEST_TRUST === 'untrusted' ? 'untrusted' : 'trusted';
}

/** Whether a compiled test file belongs to the given pass. */
export function selectsFile(file: string, mode: TrustMode): boolean {
  if (!file.endsWith('.test.js')) return false;
  if (file.endsWith('.anytrust.test.js')) return true;
  if (file.endsWith('.untrusted.test.js')) return mode === 'untrusted';
  return mode === 'trusted';
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

/** Final results go to OXEN_TEST_RESULTS; partial ones (after every test) to `<that>.progress`. */
function writeResults(results: TestResults, final = true): void {
  const base = process.env.OXEN_TEST_RESULTS;
  if (!base) return;
  const file = final ? base : `${base}.progress`;
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(results, null, 2));
  fs.renameSync(tmp, file); // atomic: the runner never reads a half-written file
}

function errorText(err: unknown): { error: string; stack?: string } {
  if (err instanceof Error) return { error: err.message, stack: err.stack };
  return { error: String(err) };
}

/**
 * One preformatted console line per test, prefixed `[oxen-tests]`: the code-server runner picks
 * these out of the workbench's forwarded extension-host console (format arguments are not
 * substituted there, so mocha's own spec reporter is unreadable).
 */
class LineReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.on('pass', (t) => console.log(`[oxen-tests] ✔ ${t.fullTitle()} (${t.duration ?? 0} ms)`));
    runner.on('fail', (t, err: unknown) => console.log(`[oxen-tests] ✘ ${t.fullTitle()}: ${errorText(err).error}`));
    runner.on('pending', (t) => console.log(`[oxen-tests] - ${t.fullTitle()} (pending)`));
  }
}

export async function run(): Promise<void> {
  const mode = trustMode();
  const started = Date.now();
  const results: TestResults = {
    trust: mode,
    stats: { passes: 0, failures: 0, pending: 0, tests: 0, durationMs: 0 },
    passes: [],
    failures: [],
    pending: [],
    files: [],
  };

  const timeout = Number(process.env.OXEN_TEST_TIMEOUT ?? 60_000);
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout, reporter: LineReporter });
  if (process.env.OXEN_TEST_GREP) mocha.grep(process.env.OXEN_TEST_GREP);

  const testsRoot = __dirname;
  results.files = listFiles(testsRoot).filter((f) => selectsFile(f, mode));
  for (const f of results.files) mocha.addFile(path.join(testsRoot, f));
  console.log(`[oxen-tests] ${mode} pass: ${results.files.length} file(s): ${results.files.join(', ')}`);

  const entry = (test: Mocha.Test | Mocha.Hook, err?: unknown): TestResultEntry => ({
    title: test.title,
    fullTitle: test.fullTitle(),
    file: test.file ? path.relative(testsRoot, test.file) : undefined,
    duration: test.duration,
    ...(err === undefined ? {} : errorText(err)),
  });

  let failures: number;
  try {
    failures = await new Promise<number>((resolve, reject) => {
      try {
        const runner = mocha.run((n) => resolve(n));
        const progress = () => writeResults(results, false);
        runner.on('pass', (test) => results.passes.push(entry(test)));
        runner.on('fail', (test, err) => results.failures.push(entry(test, err)));
        runner.on('pending', (test) => results.pending.push(entry(test)));
        runner.on('test end', progress);
        runner.on('hook end', progress);
      } catch (err) {
        reject(err); // e.g. a test file threw while being required
      }
    });
  } catch (err) {
    results.fatal = errorText(err).stack ?? errorText(err).error;
    results.failures.push({ title: 'loading test files', fullTitle: 'loading test files', ...errorText(err) });
    failures = 1;
  }

  results.stats = {
    passes: results.passes.length,
    failures: results.failures.length,
    pending: results.pending.length,
    tests: results.passes.length + results.failures.length + results.pending.length,
    durationMs: Date.now() - started,
  };
  writeResults(results);
  if (failures > 0 || results.failures.length > 0) {
    throw new Error(`${results.failures.length} test(s) failed`);
  }
}
