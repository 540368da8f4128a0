import { benchEnqueue } from '../support/benchRequest';
import { sleep } from '../support/sleep';
import { saveImage, type BaselineContext, type BaselineOutcome } from './baseline';

/** The documentation's interval: `sleep 5` between status reads. */
export const DOCUMENTED_POLL_INTERVAL_MS = 5000;

/**
 * (A) "Documented poll", as the curl/Python snippets of Oxen's docs do it: enqueue, then
 * `GET /api/ai/queue/{id}` at once and every interval until the status is terminal, then download
 * the row's `result_url`. (The snippets' extra "print the result" GET is left out.)
 */
export async function runDocumentedPoll(
  index: number,
  context: BaselineContext,
  intervalMs: number = DOCUMENTED_POLL_INTERVAL_MS,
): Promise<BaselineOutcome> {
  const { client, clock } = context;
  const [generation] = await client.enqueue(benchEnqueue(index));
  context.onEnqueued?.(generation.id);
  const deadline = performance.now() + context.deadlineMs;
  for (;;) {
    const row = await client.getGeneration(generation.id);
    if (row.status === 'succeeded' && row.resultUrl) {
      clock.markKnown(row.id);
      await saveImage(client, row.resultUrl, context.folder, row.id);
      clock.markSaved(row.id);
      return 'saved';
    }
    if (row.status === 'failed' || row.status === 'cancelled') {
      clock.markFailed(row.id, row.error ?? row.status);
      return 'failed';
    }
    if (performance.now() + intervalMs > deadline) return 'missed';
    await sleep(intervalMs);
  }
}
