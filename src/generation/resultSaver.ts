import { extensionFor } from '../assets/imageType';
import { PNG_TEXT_KEYWORD } from '../assets/pngText';
import type { OxenClient } from '../oxen/client';
import { OxenNetworkError, OxenProtocolError, OxenRateLimitError, OxenServerError } from '../oxen/errors';
import { delay } from './delay';
import { downloadImage } from './download';
import type { GenerationEntry, SubmissionRecord } from './journal';
import { placeWithoutOverwrite } from './placeFile';
import { nodeFileSystem, type SaverFileSystem } from './saverFileSystem';
import { tempPathFor } from './tempFiles';

/**
 * A paid image is worth waiting for: storage that answers 503 a few times in a row (about 1 in
 * 8,000 images at a 5 % error rate with 3 tries, found by the chaos run in the extension host)
 * must not leave it to a manual Retry.
 */
const DEFAULT_DOWNLOAD_ATTEMPTS = 6;

export interface ResultSaverOptions {
  client: OxenClient;
  maxDownloadBytes?: number;
  downloadTimeoutMs?: number;
  /** Tries for a transient failure (network, 5xx, expired URL), 0.5 s apart doubling: 6 span about 15 s. */
  downloadAttempts?: number;
  /** Node's file system unless a test injects faults. */
  fileSystem?: SaverFileSystem;
  /** Journals each final-name candidate before it is claimed (crash recovery, see placeFile). */
  recordCandidate: (submission: SubmissionRecord, generation: GenerationEntry, file: string) => Promise<void>;
}

/** The destination folder vanished (deleted while the image was made or downloaded): make it again. */
function isMissingFolder(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

function isExpiredUrl(error: unknown): boolean {
  return error instanceof OxenProtocolError && error.status !== undefined && error.status >= 400;
}

/** Turns a succeeded generation into exactly one image file under its destination. */
export class ResultSaver {
  constructor(private readonly options: ResultSaverOptions) {}

  /**
   * Downloads (retrying transient failures), embeds the parameters, places the file; returns its
   * path. `inline` is an image a sync answer carried as bytes: saved without a request.
   */
  async save(submission: SubmissionRecord, generation: GenerationEntry, signal: AbortSignal, inline?: Uint8Array): Promise<string> {
    const { folder, baseName } = submission.destination;
    const fileSystem = this.options.fileSystem ?? nodeFileSystem;
    const tempPath = tempPathFor(folder, generation.id);
    const attempts = this.options.downloadAttempts ?? DEFAULT_DOWNLOAD_ATTEMPTS;
    for (let attempt = 1; ; attempt++) {
      try {
        await fileSystem.mkdir(folder, { recursive: true });
        if (!inline && !generation.urls?.length) await this.refreshResultUrl(generation);
        const result = await downloadImage({
          transport: this.options.client.transport,
          urls: generation.urls ?? [],
          inline,
          tempPath,
          fileSystem,
          maxBytes: this.options.maxDownloadBytes ?? 100 * 1024 * 1024,
          totalTimeoutMs: this.options.downloadTimeoutMs ?? 5 * 60_000,
          signal,
          pngMetadata: { keyword: PNG_TEXT_KEYWORD, text: JSON.stringify(metadataFor(submission, generation)) },
        });
        return await placeWithoutOverwrite(fileSystem, tempPath, folder, baseName, extensionFor(result.type), (candidate) =>
          this.options.recordCandidate(submission, generation, candidate),
        );
      } catch (error) {
        if (signal.aborted) throw error;
        // A placement that failed (read-only, no permission) leaves the downloaded temp file behind.
        await fileSystem.rm(tempPath, { force: true }).catch(() => undefined);
        // An expired presigned URL is not a failure while the row's result_url is still untried (REL-08).
        if (isExpiredUrl(error) && (await this.addResultUrl(generation))) continue;
        // A 429 on the status read that fetches result_url only says "not now" (nothing is lost by waiting).
        const transient =
          error instanceof OxenNetworkError ||
          error instanceof OxenServerError ||
          error instanceof OxenRateLimitError ||
          isExpiredUrl(error) ||
          isMissingFolder(error);
        if (attempt >= attempts || !transient) throw error;
        await delay(250 * 2 ** attempt);
      }
    }
  }

  /** Adds the row's `result_url` to the URLs to try; false when it was already there or unreadable now. */
  private async addResultUrl(generation: GenerationEntry): Promise<boolean> {
    const known = new Set(generation.urls);
    try {
      return !known.has(await this.refreshResultUrl(generation));
    } catch {
      return false;
    }
  }

  /** Adds the row's `result_url` as the last URL to try. */
  private async refreshResultUrl(generation: GenerationEntry): Promise<string> {
    const row = await this.options.client.getGeneration(generation.id);
    if (!row.resultUrl) throw new OxenProtocolError('Oxen reports the generation without a result URL.');
    generation.urls = [...(generation.urls ?? []).filter((url) => url !== row.resultUrl), row.resultUrl];
    return row.resultUrl;
  }
}

/** What travels inside the PNG: enough to recall, re-run or vary the image later. */
export function metadataFor(submission: SubmissionRecord, generation: GenerationEntry): Record<string, unknown> {
  return {
    generator: 'Oxen Image Studio',
    model: submission.model,
    prompt: submission.params.prompt,
    seed: submission.params.seed,
    params: submission.params,
    generationId: generation.id,
    created: new Date(submission.createdAt).toISOString(),
  };
}
