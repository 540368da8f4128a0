import { formatTotalCost } from '../billing';
import { ApiError, invalidParams } from '../errors';
import { sendJson } from '../http';
import type { Route } from '../router';
import { GENERATION_STATUSES, toHistoryRow } from '../state/generation';
import { matchesFilter, parseGenerationFilter } from './filters';

/** An integer query parameter from `min` up to `max` (no upper bound when omitted); absent: `fallback`. */
function integerParam(query: URLSearchParams, name: string, fallback: number, min: number, max?: number): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (/^\d+$/.test(raw) && value >= min && (max === undefined || value <= max)) return value;
  const range = max === undefined ? `of at least ${min}` : `between ${min} and ${max}`;
  throw invalidParams(`${name} must be an integer ${range}`);
}

/** Generation history with cost (oxen-api.md §8). */
export const historyRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/ai\/generations$/,
    handle(ctx, { res, query }) {
      const filter = parseGenerationFilter(query, GENERATION_STATUSES);
      const page = integerParam(query, 'page', 1, 1);
      const pageSize = integerParam(query, 'page_size', 50, 1, 1000);
      const matching = ctx.queue
        .all()
        .filter((generation) => matchesFilter(generation, filter))
        .reverse(); // newest first, as a history browser lists them
      const rows = matching.slice((page - 1) * pageSize, page * pageSize).map((generation) => toHistoryRow(generation, ctx.variants.rowModelKey));
      sendJson(res, 200, {
        count: rows.length,
        page_number: page,
        page_size: pageSize,
        // at least one page even when empty, as Phoenix's Scrivener pagination reports it
        total_pages: Math.max(1, Math.ceil(matching.length / pageSize)),
        total_entries: matching.length,
        total_cost: formatTotalCost(matching.map((generation) => generation.cost)),
        generations: rows,
      });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/ai\/generations\/([^/]+)$/,
    handle(ctx, { res, params: [id] }) {
      const generation = ctx.queue.get(id);
      if (!generation) throw new ApiError(404, 'resource_not_found', 'Generation not found');
      sendJson(res, 200, { status: 'success', status_message: 'resource_found', generation: toHistoryRow(generation, ctx.variants.rowModelKey) });
    },
  },
];
