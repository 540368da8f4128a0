import type { BudgetResult } from './budgets';
import type { Figure, MeasurementReport, Unit } from './support/results';
import type { Summary } from './support/stats';

const KIB = 1024;
const MIB = 1024 * 1024;

export function formatValue(value: number, unit: Unit | string): string {
  switch (unit) {
    case 'ms':
      return `${value.toFixed(Math.abs(value) < 10 ? 2 : Math.abs(value) < 1000 ? 1 : 0)} ms`;
    case 'bytes':
      if (Math.abs(value) >= MIB) return `${(value / MIB).toFixed(1)} MB`;
      if (Math.abs(value) >= KIB) return `${(value / KIB).toFixed(1)} KB`;
      return `${Math.round(value)} B`;
    case 'requests':
    case '×':
      return `${value.toFixed(2)}${unit === '×' ? '×' : ''}`;
    default:
      return String(Math.round(value * 100) / 100);
  }
}

/** How many times larger the baseline's median is than ours (for figures where lower is better). */
export function ratio(baseline: Summary | undefined, ours: Summary): number | undefined {
  if (!baseline || ours.median === 0) return undefined;
  return baseline.median / ours.median;
}

function formatRatio(value: number | undefined): string {
  if (value === undefined) return '—';
  return value >= 100 ? `${Math.round(value)}×` : `${value.toFixed(value >= 10 ? 1 : 2)}×`;
}

function row(figure: Figure): string[] {
  const cell = (summary: Summary | undefined, pick: 'median' | 'p99') => (summary ? formatValue(summary[pick], figure.unit) : '—');
  return [
    figure.label,
    cell(figure.ours, 'median'),
    cell(figure.ours, 'p99'),
    String(figure.ours.n),
    cell(figure.poll, 'median'),
    formatRatio(ratio(figure.poll, figure.ours)),
    cell(figure.ssePerGeneration, 'median'),
    formatRatio(ratio(figure.ssePerGeneration, figure.ours)),
  ];
}

const HEADER = ['figure', 'ours median', 'ours p99', 'n', '(A) poll median', 'A/ours', '(B) SSE/gen median', 'B/ours'];

function table(rows: string[][]): string {
  const widths = HEADER.map((_, column) => Math.max(...rows.map((cells) => [...cells[column]].length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The whole run as text: one table of every figure, then the notes, then the budgets. */
export function formatReport(reports: readonly MeasurementReport[], budgets: readonly BudgetResult[], failures: ReadonlyMap<string, string>): string {
  const rows = [HEADER, ...reports.flatMap((report) => report.figures.map(row))];
  const notes = reports.flatMap((report) => [`${report.title}:`, ...report.notes.map((note) => `  - ${note}`)]);
  const failed = [...failures].map(([id, message]) => `  ${id}: FAILED: ${message}`);
  const checks = budgets.map(
    (budget) =>
      `  ${budget.actual === undefined ? 'n/a ' : budget.pass ? 'ok  ' : 'MISS'}  ${budget.text}: ${budget.actual === undefined ? 'not measured' : formatValue(budget.actual, budget.unit)} (limit ${formatValue(budget.limit, budget.unit)})`,
  );
  return [
    table(rows),
    '',
    'Ratios: the baseline\'s median divided by ours (how many times more the documented approach takes).',
    ...notes,
    ...(failed.length ? ['', 'Measurements that failed:', ...failed] : []),
    '',
    'Budgets:',
    ...checks,
  ].join('\n');
}
