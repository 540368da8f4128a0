import { ACCOUNT } from '../account';
import { formatTotalCost } from '../billing';
import type { Model } from '../models';
import type { Variants } from '../server';

export const GENERATION_STATUSES = ['queued', 'processing', 'succeeded', 'failed', 'cancelled'] as const;
export type GenerationStatus = (typeof GENERATION_STATUSES)[number];

export function isTerminal(status: GenerationStatus): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'cancelled';
}

/** Where a generation's result is stored and billed (oxen-api.md §3 target_*). */
export interface GenerationTarget {
  namespace: string;
  repo: string | null;
  directory: string | null;
}

/** The emulator's own record of one generation; the API only ever shows projections of it. */
export interface Generation {
  readonly id: string;
  readonly model: Model;
  readonly mediaType: 'image';
  status: GenerationStatus;
  readonly enqueuedAt: number; // Unix seconds, like every timestamp of the API
  startedAt: number | null;
  completedAt: number | null;
  resultUrl: string | null;
  errorMessage: string | null;
  readonly target: GenerationTarget;
  /** The enqueue request's parameters other than model and num_generations, exactly as sent. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The seed the picture is drawn from: the request's seed, else one picked at enqueue. */
  readonly imageSeed: number;
  cost: number | null;
}

/** A queue row (§4), as GET /api/ai/queue/{id} returns it. */
export interface GenerationRow {
  generation_id: string;
  media_type: 'image' | 'video';
  status: GenerationStatus;
  enqueued_at: number;
  started_at: number | null;
  completed_at: number | null;
  result_url: string | null;
  error_message: string | null;
  target_namespace: string | null;
  target_repo: string | null;
  target_directory: string | null;
  /** model_name or model (per variant), prompt and every other merged request parameter */
  [field: string]: unknown;
}

export function toRow(generation: Generation, modelKey: Variants['rowModelKey']): GenerationRow {
  return {
    // Request parameters first, so they can never shadow the row's own fields.
    ...generation.params,
    generation_id: generation.id,
    [modelKey]: generation.model.id,
    media_type: generation.mediaType,
    status: generation.status,
    enqueued_at: generation.enqueuedAt,
    started_at: generation.startedAt,
    completed_at: generation.completedAt,
    result_url: generation.resultUrl,
    error_message: generation.errorMessage,
    target_namespace: generation.target.namespace,
    target_repo: generation.target.repo,
    target_directory: generation.target.directory,
  };
}

/** A history row (§8): the queue row plus cost and the user who ran it. */
export function toHistoryRow(generation: Generation, modelKey: Variants['rowModelKey']): GenerationRow {
  return {
    ...toRow(generation, modelKey),
    cost: formatTotalCost([generation.cost]),
    user_id: ACCOUNT.userId,
    username: ACCOUNT.username,
    user_image: ACCOUNT.userImage,
  };
}

/**
 * The `media_generation_completed` payload (§7). Its keys differ from the row's on purpose
 * (model, url, error), and `url` is the presigned storage URL, not `result_url`.
 */
export function toCompletionEvent(generation: Generation, presign: (generationId: string) => string): Record<string, string> {
  const common = { generation_id: generation.id, status: generation.status, media_type: generation.mediaType };
  return generation.status === 'succeeded'
    ? { ...common, model: generation.model.id, url: presign(generation.id) }
    : { ...common, error: generation.errorMessage ?? '' };
}
