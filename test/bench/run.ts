/**
 * `npm run bench [-- --check] [-- --only=id,id]`: runs every benchmark against the emulator on
 * loopback, prints one table and writes bench-results.json; with --check, exits non-zero when
 * any budget (budgets.ts) is missed or a figure could not be measured. See docs/performance.md.
 */
import { writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../unit/support/processes';
import { activation } from './activation/activationMeasurement';
import { checkBudgets } from './budgets';
import { completionNotice } from './completionNotice';
import { completionToFile } from './completionToFile';
import { deliveryModes } from './deliveryModes';
import { downloadMemory } from './downloadMemory';
import { galleryQuery } from './galleryQuery';
import { missedCompletions } from './missedCompletions';
import { formatReport, formatValue } from './report';
import { requestsPerGeneration } from './requestsPerGeneration';
import { scale } from './scale';
import { describeMachine } from './support/machine';
import type { Measurement, MeasurementReport } from './support/results';

const MEASUREMENTS: readonly Measurement[] = [
  activation,
  completionNotice,
  completionToFile,
  requestsPerGeneration,
  missedCompletions,
  scale,
  downloadMemory,
  galleryQuery,
  deliveryModes,
];

function parseArguments(argv: readonly string[]): { check: boolean; only: Set<string> | undefined } {
  let check = false;
  let only: Set<string> | undefined;
  for (const argument of argv) {
    if (argument === '--check') check = true;
    else if (argument.startsWith('--only=')) {
      only = new Set(argument.slice('--only='.length).split(','));
      const unknown = [...only].filter((id) => !MEASUREMENTS.some((measurement) => measurement.id === id));
      if (unknown.length > 0) throw new Error(`unknown measurement ${unknown.join(', ')}`);
    } else throw new Error(`unknown argument ${argument} (use --check, --only=${MEASUREMENTS.map((m) => m.id).join(',')})`);
  }
  return { check, only };
}

async function main(): Promise<void> {
  const { check, only } = parseArguments(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const reports: MeasurementReport[] = [];
  const failures = new Map<string, string>();
  const durations: Record<string, number> = {};
  for (const measurement of MEASUREMENTS.filter((m) => !only || only.has(m.id))) {
    const measurementStart = performance.now();
    console.log(`▶ ${measurement.title}`);
    try {
      reports.push(await measurement.run());
    } catch (error) {
      failures.set(measurement.id, (error as Error).stack ?? String(error));
      console.error(`  failed: ${(error as Error).message}`);
    }
    durations[measurement.id] = Math.round(performance.now() - measurementStart);
    console.log(`  ${(durations[measurement.id] / 1000).toFixed(1)} s`);
  }
  const wallMs = Math.round(performance.now() - started);
  const budgets = checkBudgets(reports);
  // Other work on the machine shows in the latency tails: the load average says how much there was.
  const load = { start: loadAtStart, end: os.loadavg() };
  const loadText = (values: number[]) => values.map((value) => value.toFixed(2)).join(' ');
  console.log(`\n${formatReport(reports, budgets, failures)}\n\nTotal wall time: ${(wallMs / 1000).toFixed(1)} s; load average (1, 5, 15 min) ${loadText(load.start)} at the start, ${loadText(load.end)} at the end, on ${os.availableParallelism()} CPUs`);

  const results = { date: new Date().toISOString(), machine: describeMachine(), load, wallMs, durations, reports, budgets, failures: Object.fromEntries(failures) };
  writeFileSync(path.join(REPO_ROOT, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);

  if (check) {
    const misses = budgets.filter((budget) => !budget.pass);
    const partial = only !== undefined;
    // A partial run cannot miss the budgets of measurements it did not run.
    const relevant = partial ? misses.filter((budget) => budget.actual !== undefined) : misses;
    if (relevant.length > 0 || failures.size > 0) {
      console.error(`\nbench --check: ${relevant.length} budget(s) missed, ${failures.size} measurement(s) failed:`);
      for (const budget of relevant) {
        const actual = budget.actual === undefined ? 'not measured' : formatValue(budget.actual, budget.unit);
        console.error(`  - ${budget.text}: ${actual} (limit ${formatValue(budget.limit, budget.unit)})`);
      }
      for (const id of failures.keys()) console.error(`  - ${id} failed`);
      process.exitCode = 1;
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
