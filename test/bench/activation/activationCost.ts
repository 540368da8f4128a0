import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { Figure } from '../support/results';
import { summarize } from '../support/stats';

const RUNS = 20;

interface ProbeResult {
  requireMs: number;
  activateMs: number;
  coreLoadedByActivation: boolean;
  socketsOpenedByActivation: number;
  coreRequireMs: number;
}

/** Compiles the probe and the `vscode` stand-in to plain JavaScript inside the build folder. */
async function prepareProbe(root: string): Promise<string> {
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' } as const;
  await build({ ...common, entryPoints: [path.join(__dirname, 'vscodeStandIn.ts')], outfile: path.join(root, 'node_modules', 'vscode', 'index.js') });
  const probe = path.join(root, 'activationProbe.js');
  await build({ ...common, entryPoints: [path.join(__dirname, 'activationProbe.ts')], outfile: probe, external: ['vscode'] });
  return probe;
}

export interface ActivationCost {
  figures: Figure[];
  notes: string[];
  runs: ProbeResult[];
}

/**
 * Cost of loading dist/extension.js and calling activate() with no pending work, in fresh Node
 * processes (the first load of a process is what VS Code pays), with the `vscode` stand-in.
 */
export async function measureActivationCost(root: string): Promise<ActivationCost> {
  const probe = await prepareProbe(root);
  const runs: ProbeResult[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { stdout } = await promisify(execFile)(process.execPath, [probe, root]);
    runs.push(JSON.parse(stdout.trim()) as ProbeResult);
  }
  const coreLoads = runs.filter((run) => run.coreLoadedByActivation).length;
  const sockets = runs.reduce((sum, run) => sum + run.socketsOpenedByActivation, 0);
  await fs.rm(probe, { force: true });
  return {
    figures: [
      { key: 'activation.total', label: 'require + activate(), stand-in', unit: 'ms', ours: summarize(runs.map((run) => run.requireMs + run.activateMs)) },
      { key: 'activation.require', label: '  of which require(dist/extension.js)', unit: 'ms', ours: summarize(runs.map((run) => run.requireMs)) },
      { key: 'activation.activate', label: '  of which activate()', unit: 'ms', ours: summarize(runs.map((run) => run.activateMs)) },
      { key: 'activation.coreRequire', label: 'require(dist/core.js) on the first command', unit: 'ms', ours: summarize(runs.map((run) => run.coreRequireMs)) },
    ],
    notes: [
      `${RUNS} fresh Node processes, plain JavaScript (no tsx). Activation loaded the core chunk in ${coreLoads} of ${RUNS} runs and opened ${sockets} sockets (PERF-01/02: both must be 0).`,
    ],
    runs,
  };
}
