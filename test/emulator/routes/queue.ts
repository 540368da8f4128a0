import { ACCOUNT } from '../account';
import { generationNotFound, invalidParams } from '../errors';
import { parseJsonObject, sendJson } from '../http';
import type { Route } from '../router';
import { toRow, type GenerationTarget } from '../state/generation';
import { matchesFilter, parseGenerationFilter } from './filters';
import { requireImageModel } from './imageModels';

function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidParams(`${field} must be a string`);
  return value;
}

function numGenerations(value: unknown, max: number): number {
  if (value === undefined) return 1;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    throw invalidParams(`num_generations must be an integer between 1 and ${max}`);
  }
  return value as number;
}

/** The async queue (oxen-api.md §3-§6). */
export const queueRoutes: Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/ai\/queue$/,
    async handle(ctx, { res, body }) {
      const request = parseJsonObject(body);
      const model = requireImageModel(ctx.catalog, request.model, 404);
      const count = numGenerations(request.num_generations, ctx.variants.maxNumGenerations);
      const target: GenerationTarget = {
        namespace: optionalString(request, 'target_namespace') ?? ACCOUNT.username,
        repo: optionalString(request, 'target_repo'),
        directory: optionalString(request, 'target_directory'),
      };
      // Everything else is passed through to the model and echoed in the rows, unchanged.
      const { model: _model, num_generations: _count, ...params } = request;
      const generations = ctx.queue.enqueue({ model, count, params, target });
      if (ctx.faults.takeResetAfterEnqueue()) {
        // The ambiguous failure: the generations exist and will run (and bill), but no answer comes.
        res.destroy();
        return;
      }
      const delayMs = ctx.faults.enqueueAnswerDelayMs();
      if (delayMs > 0) await ctx.timers.sleep(delayMs);
      sendJson(res, 200, { generations: generations.map((generation) => ({ generation_id: generation.id, status: generation.status })) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/ai\/queue$/,
    handle(ctx, { res, query }) {
      const filter = parseGenerationFilter(query, ['queued', 'processing']);
      const rows = ctx.queue
        .all()
        .filter((generation) => matchesFilter(generation, filter))
        .map((generation) => toRow(generation, ctx.variants.rowModelKey));
      sendJson(res, 200, { count: rows.length, generations: rows });
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/ai\/queue\/([^/]+)$/,
    handle(ctx, { res, params: [id] }) {
      const generation = ctx.queue.get(id);
      if (!generation) throw generationNotFound();
      sendJson(res, 200, toRow(generation, ctx.variants.rowModelKey));
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/ai\/queue\/([^/]+)$/,
    handle(ctx, { res, params: [id] }) {
      if (!ctx.queue.cancel(id)) throw generationNotFound();
      sendJson(res, 200, { status: 'success', generation_id: id });
    },
  },
];
