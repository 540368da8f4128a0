/**
 * Bundles the integration suite (TypeScript) into CommonJS that the extension host can require:
 * test/integration/suite/{index.ts, **\/*.test.ts} -> out/integration/suite/*.js.
 * `vscode` and every npm package (mocha, ...) stay external: out/ is inside the repo, so they
 * resolve from the repo's node_modules at run time.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { REPO_ROOT } from './paths';

export const SUITE_SRC_DIR = path.join(REPO_ROOT, 'test', 'integration', 'suite');
export const SUITE_OUT_DIR = path.join(REPO_ROOT, 'out', 'integration', 'suite');
/** What to pass as extensionTestsPath (VS Code requires this module and calls its run()). */
export const SUITE_INDEX = path.join(SUITE_OUT_DIR, 'index');

export interface BundledSuite {
  outDir: string;
  indexPath: string;
  /** Compiled test files, relative to outDir, posix separators. */
  testFiles: string[];
}

export async function bundleIntegrationSuite(): Promise<BundledSuite> {
  const sources = (fs.readdirSync(SUITE_SRC_DIR, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f === 'index.ts' || f.endsWith('.test.ts'))
    .sort();
  if (!sources.includes('index.ts')) throw new Error(`missing ${path.join(SUITE_SRC_DIR, 'index.ts')}`);
  fs.rmSync(SUITE_OUT_DIR, { recursive: true, force: true }); // no stale compiled tests
  await esbuild.build({
    entryPoints: sources.map((f) => path.join(SUITE_SRC_DIR, f)),
    outbase: SUITE_SRC_DIR,
    outdir: SUITE_OUT_DIR,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    external: ['vscode'],
    sourcemap: 'inline',
    sourcesContent: false,
    logLevel: 'warning',
  });
  return {
    outDir: SUITE_OUT_DIR,
    indexPath: SUITE_INDEX,
    testFiles: sources.filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, '.js')),
  };
}
