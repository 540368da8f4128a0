import { BROKEN_STREAMS, DELIVERY_POLL_INTERVAL_MS, DELIVERY_TIME_SCALE } from './deliveryModes';
import type { Figure, MeasurementReport } from './support/results';

/**
 * Every budget of the benchmarks issue, in one place. `npm run bench -- --check` fails on any
 * miss (and on a figure that could not be measured).
 */
export interface Budget {
  id: string;
  text: string;
  /** Figure.key of the figure the budget holds. */
  figure: string;
  /** The number compared with `limit`, taken from the figure. */
  value(figure: Figure): number | undefined;
  limit: number;
  /** 'max': value ≤ limit; 'under': value < limit; 'min': value ≥ limit. */
  kind: 'max' | 'under' | 'min';
  unit: string;
}

const KIB = 1024;
const MIB = 1024 * 1024;
/** The "plus 1 s" behind a broken stream, at the delivery bench's time scale. */
const BROKEN_STREAM_SLACK_MS = 1000 / DELIVERY_TIME_SCALE;

export const BUDGETS: readonly Budget[] = [
  {
    id: 'bundle-size',
    text: 'main bundle (dist/extension.js) ≤ 60 KB minified',
    figure: 'activation.bundle.extension',
    value: (figure) => figure.ours.median,
    limit: 60 * KIB,
    kind: 'max',
    unit: 'bytes',
  },
  {
    id: 'gallery-query',
    text: 'a gallery page over 1,000 history entries answers within a frame (p99 < 16 ms)',
    figure: 'gallery.query',
    value: (figure) => figure.ours.p99,
    limit: 16,
    kind: 'under',
    unit: 'ms',
  },
  {
    id: 'activate',
    text: 'load + activate() with no pending work ≤ 5 ms median (stand-in harness)',
    figure: 'activation.total',
    value: (figure) => figure.ours.median,
    limit: 5,
    kind: 'max',
    unit: 'ms',
  },
  {
    id: 'notice-p99',
    text: 'SSE completion notice p99 ≤ 20 ms on loopback',
    figure: 'notice.sse',
    value: (figure) => figure.ours.p99,
    limit: 20,
    kind: 'max',
    unit: 'ms',
  },
  {
    id: 'notice-vs-poll',
    text: 'SSE completion notice ≥ 100× faster than the documented poll loop (median / median)',
    figure: 'notice.sse',
    value: (figure) => (figure.poll ? figure.poll.median / figure.ours.median : undefined),
    limit: 100,
    kind: 'min',
    unit: '×',
  },
  {
    id: 'requests',
    text: '≤ 2.1 HTTP requests per generation with SSE healthy (100 concurrent)',
    figure: 'requests.perGeneration',
    value: (figure) => figure.ours.mean,
    limit: 2.1,
    kind: 'max',
    unit: 'requests',
  },
  {
    id: 'missed-concurrent',
    text: 'zero missed completions (100 concurrent generations)',
    figure: 'requests.missed',
    value: (figure) => figure.ours.max,
    limit: 0,
    kind: 'max',
    unit: 'count',
  },
  {
    id: 'missed-instant',
    text: 'zero missed completions (generations finishing before any connection could open)',
    figure: 'missed.instant',
    value: (figure) => figure.ours.max,
    limit: 0,
    kind: 'max',
    unit: 'count',
  },
  {
    id: 'download-memory',
    text: '50 MB download adds ≤ 15 MB (retained memory, p99 of runs)',
    figure: 'memory.retained',
    value: (figure) => figure.ours.p99,
    limit: 15 * MIB,
    kind: 'max',
    unit: 'bytes',
  },
  {
    id: 'scale-connections',
    text: '1,000 generations in flight use one SSE connection',
    figure: 'scale.connections',
    value: (figure) => figure.ours.max,
    limit: 1,
    kind: 'max',
    unit: 'connections',
  },
  {
    id: 'scale-cpu',
    text: '1,000 generations in flight: < 1 ms CPU per generation to track (enqueue, stream notice, states, journal, terminal event)',
    figure: 'scale.cpuTracking',
    value: (figure) => figure.ours.median,
    limit: 1,
    kind: 'under',
    unit: 'ms',
  },
  {
    id: 'delivery-auto-healthy-latency',
    text: "delivery 'auto' on a healthy stream: success → file p99 ≤ 20 ms, no worse than today (the SSE notice budget, download and save included)",
    figure: 'delivery.auto.toFile',
    value: (figure) => figure.ours.p99,
    limit: 20,
    kind: 'max',
    unit: 'ms',
  },
  {
    id: 'delivery-auto-healthy-requests',
    text: "delivery 'auto' on a healthy stream: ≤ 2.1 HTTP requests per generation, no worse than today (mean)",
    figure: 'delivery.auto.requests',
    value: (figure) => figure.ours.mean,
    limit: 2.1,
    kind: 'max',
    unit: 'requests',
  },
  ...BROKEN_STREAMS.map(
    (stream): Budget => ({
      id: `delivery-${stream.key}`,
      text: `delivery 'auto', ${stream.label}, after the first detection: success → file median ≤ the documented poll loop's median + 1 s (${BROKEN_STREAM_SLACK_MS} ms at 1/${DELIVERY_TIME_SCALE} time); figure: ours − (A)`,
      figure: `delivery.${stream.key}.toFile`,
      value: (figure) => (figure.poll ? figure.ours.median - figure.poll.median : undefined),
      limit: BROKEN_STREAM_SLACK_MS,
      kind: 'max',
      unit: 'ms',
    }),
  ),
  ...[
    { key: 'polling', workload: 'submitted together' },
    { key: 'pollingStaggered', workload: 'submitted one by one across a poll interval' },
  ].map(
    ({ key, workload }): Budget => ({
      id: `delivery-${key}-requests`,
      text: `delivery 'polling', ${workload}: ≤ 1 + T / interval + 1 HTTP requests per generation (ceil(T / ${DELIVERY_POLL_INTERVAL_MS} ms) status reads each; means compared); figure: measured − allowed`,
      figure: `delivery.${key}.overAllowance`,
      value: (figure) => figure.ours.median,
      limit: 0,
      kind: 'max',
      unit: 'requests',
    }),
  ),
  {
    id: 'delivery-modes',
    text: 'every delivery mode ran to the end (every image saved, every run finished)',
    figure: 'delivery.modesFailed',
    value: (figure) => figure.ours.max,
    limit: 0,
    kind: 'max',
    unit: 'count',
  },
];

export interface BudgetResult {
  id: string;
  text: string;
  limit: number;
  unit: string;
  /** undefined: the figure was not measured (its measurement failed or was not run). */
  actual: number | undefined;
  pass: boolean;
}

function within(budget: Budget, value: number): boolean {
  if (budget.kind === 'max') return value <= budget.limit;
  if (budget.kind === 'under') return value < budget.limit;
  return value >= budget.limit;
}

export function checkBudgets(reports: readonly MeasurementReport[]): BudgetResult[] {
  const figures = new Map(reports.flatMap((report) => report.figures.map((figure) => [figure.key, figure] as const)));
  return BUDGETS.map((budget) => {
    const figure = figures.get(budget.figure);
    const actual = figure ? budget.value(figure) : undefined;
    return {
      id: budget.id,
      text: budget.text,
      limit: budget.limit,
      unit: budget.unit,
      actual,
      pass: actual !== undefined && Number.isFinite(actual) && within(budget, actual),
    };
  });
}
