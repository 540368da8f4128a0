import type { GenerationRow, OxenClient } from '../oxen/client';
import type { SubmissionRecord } from './journal';

/** Rows enqueued this long before the submission was written still count as ours (clock skew). */
const ENQUEUE_SKEW_SECONDS = 120;

/**
 * After an ambiguous enqueue (REL-07), finds the rows it may have created: same model, prompt
 * and seed, enqueued after the submission was journaled, not claimed by another submission.
 * Active rows are read first; terminal ones only when not all were found.
 */
export async function findSubmittedRows(
  client: OxenClient,
  record: SubmissionRecord,
  claimedIds: ReadonlySet<string>,
): Promise<GenerationRow[]> {
  const since = record.createdAt / 1000 - ENQUEUE_SKEW_SECONDS;
  const matches = (row: GenerationRow) =>
    !claimedIds.has(row.id) &&
    (row.model === undefined || row.model === record.model) &&
    row.params.prompt === record.params.prompt &&
    (record.params.seed === undefined || row.params.seed === record.params.seed) &&
    (row.enqueuedAt === undefined || row.enqueuedAt >= since);
  const found: GenerationRow[] = [];
  for (const status of [undefined, 'succeeded', 'failed', 'cancelled'] as const) {
    const rows = await client.listQueue({ model: record.model, status });
    found.push(...rows.filter(matches));
    if (found.length >= record.numGenerations) break;
  }
  return found.slice(0, record.numGenerations);
}
