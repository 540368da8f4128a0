/**
 * Main file of a throwaway extension that code-server loads in development mode: on
 * activation it loads the production dist/extension.js copied next to it and calls its
 * activate() with the real ExtensionContext, timing both, and writes the figures to the file
 * named by OXEN_BENCH_ACTIVATION_RESULT. The real `vscode` API and extension host, our code only.
 */
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function activate(context: unknown): void {
  const start = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(path.join(__dirname, 'dist', 'extension.js')) as { activate(context: unknown): unknown };
  const loaded = performance.now();
  extension.activate(context);
  const activated = performance.now();
  writeFileSync(process.env.OXEN_BENCH_ACTIVATION_RESULT!, JSON.stringify({ requireMs: loaded - start, activateMs: activated - loaded }));
}
