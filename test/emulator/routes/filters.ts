import { ACCOUNT } from '../account';
import { invalidParams } from '../errors';
import { GENERATION_STATUSES, type Generation, type GenerationStatus } from '../state/generation';

/** The filters shared by GET /api/ai/queue and GET /api/ai/generations (oxen-api.md §4, §8). */
export interface GenerationFilter {
  namespace: string;
  model: string | null;
  statuses: readonly GenerationStatus[];
  mediaType: string | null;
  repo: string | null;
  folder: string | null;
}

const MEDIA_TYPES = ['image', 'video'];

/** @param defaultStatuses what an omitted `status` means: active only for the queue, all for history */
export function parseGenerationFilter(query: URLSearchParams, defaultStatuses: readonly GenerationStatus[]): GenerationFilter {
  const status = query.get('status');
  if (status !== null && !GENERATION_STATUSES.includes(status as GenerationStatus)) {
    throw invalidParams(`status must be one of ${GENERATION_STATUSES.join(', ')}`);
  }
  const mediaType = query.get('media_type');
  if (mediaType !== null && !MEDIA_TYPES.includes(mediaType)) {
    throw invalidParams(`media_type must be one of ${MEDIA_TYPES.join(', ')}`);
  }
  return {
    namespace: query.get('namespace') ?? ACCOUNT.username,
    model: query.get('model'),
    statuses: status === null ? defaultStatuses : [status as GenerationStatus],
    mediaType,
    repo: query.get('repo'),
    folder: query.get('folder'),
  };
}

export function matchesFilter(generation: Generation, filter: GenerationFilter): boolean {
  return (
    generation.target.namespace === filter.namespace &&
    (filter.model === null || generation.model.id === filter.model) &&
    filter.statuses.includes(generation.status) &&
    (filter.mediaType === null || generation.mediaType === filter.mediaType) &&
    (filter.repo === null || generation.target.repo === filter.repo) &&
    (filter.folder === null || generation.target.directory === filter.folder)
  );
}
