import { completionEventSchema, type CompletionEventWire } from '../../../src/oxen/schemas';
import { SseParser } from '../../../src/oxen/sseParser';
import { benchEnqueue } from '../support/benchRequest';
import { saveImage, type BaselineContext, type BaselineOutcome } from './baseline';

/**
 * (B) "SSE per generation", as the per-model pages ("Async with SSE") do it: enqueue FIRST, then
 * open `GET /api/events` for this generation and wait for its `media_generation_completed`, then
 * download the event's presigned `url`. The stream has no replay, so a generation that finishes
 * before its connection opens is never announced: that is the race this baseline keeps.
 */
export async function runSsePerGeneration(
  index: number,
  context: BaselineContext & { onConnected?(id: string): void },
): Promise<BaselineOutcome> {
  const { client, clock } = context;
  const [generation] = await client.enqueue(benchEnqueue(index));
  context.onEnqueued?.(generation.id);
  const completion = await awaitCompletionEvent(context, generation.id);
  if (!completion) return 'missed';
  if (completion.status === 'failed' || !completion.url) {
    clock.markFailed(generation.id, completion.error ?? 'no url');
    return 'failed';
  }
  clock.markKnown(generation.id);
  await saveImage(client, completion.url, context.folder, generation.id);
  clock.markSaved(generation.id);
  return 'saved';
}

/** Reads this generation's own stream until its completion event or the deadline. */
async function awaitCompletionEvent(
  context: BaselineContext & { onConnected?(id: string): void },
  id: string,
): Promise<CompletionEventWire | undefined> {
  const deadline = AbortSignal.timeout(context.deadlineMs);
  let completion: CompletionEventWire | undefined;
  const parser = new SseParser({
    onEvent(event) {
      if (event.type !== 'media_generation_completed') return;
      const parsed = completionEventSchema.safeParse(JSON.parse(event.data));
      if (parsed.success && parsed.data.generation_id === id) completion = parsed.data;
    },
  });
  let response;
  try {
    response = await context.client.openEvents(deadline);
  } catch (error) {
    if (deadline.aborted) return undefined;
    throw error;
  }
  context.onConnected?.(id);
  try {
    for await (const chunk of response.body) {
      parser.feed(chunk);
      if (completion) break;
    }
  } catch (error) {
    if (!deadline.aborted) throw error; // the deadline ends the wait; anything else is a real failure
  } finally {
    response.discard();
  }
  return completion;
}
