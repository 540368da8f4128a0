import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { OxenClient } from '../../../src/oxen/client';
import type { CompletionClock } from '../support/completionClock';

/** What both documented approaches are given: a client, a folder and the clock to report to. */
export interface BaselineContext {
  client: OxenClient;
  folder: string;
  clock: CompletionClock;
  /** Called with the generation id as soon as the enqueue answer arrived. */
  onEnqueued?(id: string): void;
  /**
   * How long to wait for the result before counting the generation as missed. The documented
   * snippets have no such limit: they would wait forever.
   */
  deadlineMs: number;
}

export type BaselineOutcome = 'saved' | 'failed' | 'missed';

/**
 * The documentation's "then download": a plain GET of the result streamed to a file. No sniffing,
 * metadata or atomic placement, which only flatters the baselines.
 */
export async function saveImage(client: OxenClient, url: string, folder: string, id: string): Promise<void> {
  const response = await client.transport.download(url, AbortSignal.timeout(60_000));
  if (response.status !== 200) {
    response.discard();
    throw new Error(`download of ${id} answered HTTP ${response.status}`);
  }
  await pipeline(response.body, createWriteStream(path.join(folder, `${id}.png`)));
}
