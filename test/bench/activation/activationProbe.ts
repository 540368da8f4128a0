/**
 * Bundled to plain JavaScript and run as `node activationProbe.js <build root>` in a fresh process
 * per sample (no tsx: loading the bundle must cost what it costs in the extension host). Times
 * `require('dist/extension.js')` and `activate(context)` with an empty journal, then checks that
 * activation neither loaded the core chunk nor opened a socket (PERF-01/02), and times requiring
 * the core as the first command would. Prints one JSON line.
 */
import * as diagnostics from 'node:diagnostics_channel';
import * as path from 'node:path';
import type * as VscodeStandIn from './vscodeStandIn';

async function main(): Promise<void> {
  const root = process.argv[2];
  const extensionFile = path.join(root, 'dist', 'extension.js');
  const coreFile = path.join(root, 'dist', 'core.js');
  let sockets = 0;
  diagnostics.subscribe('net.client.socket', () => sockets++);
  // Resolved to <build root>/node_modules/vscode, the same stand-in instance the bundle gets.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { standInExtensionContext } = require('vscode') as typeof VscodeStandIn;
  const context = standInExtensionContext(root);

  const start = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(extensionFile) as { activate(context: unknown): unknown };
  const loaded = performance.now();
  extension.activate(context);
  const activated = performance.now();
  // activate() defers its pending-work check to setImmediate: let it run before judging.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const coreLoadedByActivation = require.cache[coreFile] !== undefined;

  const coreStart = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(coreFile);
  const coreRequireMs = performance.now() - coreStart;

  console.log(
    JSON.stringify({
      requireMs: loaded - start,
      activateMs: activated - loaded,
      coreLoadedByActivation,
      socketsOpenedByActivation: sockets,
      coreRequireMs,
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
