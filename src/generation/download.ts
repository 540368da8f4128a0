import * as path from 'node:path';
import { IMAGE_SNIFF_BYTES, sniffImageType, type ImageType } from '../assets/imageType';
import { injectPngText } from '../assets/pngText';
import { OxenCancelledError, OxenNetworkError, OxenProtocolError, OxenServerError } from '../oxen/errors';
import type { OxenTransport, StreamedResponse } from '../oxen/transport';
import { nodeFileSystem, type SaverFileSystem, type WritableFile } from './saverFileSystem';

export interface DownloadRequest {
  transport: OxenTransport;
  /** Tried in order; an expired or missing one (403/404/410) falls through to the next (REL-08). */
  urls: readonly string[];
  /** The image itself (a sync answer's `b64_json`): saved the same way, with no request. */
  inline?: Uint8Array;
  tempPath: string;
  /** Node's file system unless a test injects faults. */
  fileSystem?: SaverFileSystem;
  maxBytes: number;
  totalTimeoutMs: number;
  signal: AbortSignal;
  /** Text embedded in a PNG so the parameters travel with the image. */
  pngMetadata?: { keyword: string; text: string };
}

export interface DownloadResult {
  type: ImageType;
  bytes: number;
}

const EXPIRED_STATUSES = new Set([401, 403, 404, 410]);
/** Local file-system failures keep their own identity: they are not Oxen's fault. */
const FILE_SYSTEM_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'EISDIR', 'ENOTDIR', 'EIO', 'EMFILE']);

/**
 * Streams one result into `tempPath` (REL-09): never buffered whole (PERF-05), capped in size,
 * sniffed from its first bytes so only PNG / JPEG / WebP are kept (SEC-12), and removed again on
 * any failure so no partial file is left behind.
 */
export async function downloadImage(request: DownloadRequest): Promise<DownloadResult> {
  const deadline = AbortSignal.timeout(request.totalTimeoutMs);
  const signal = AbortSignal.any([request.signal, deadline]);
  if (request.inline) return await saveBody(inlineResponse(request.inline), request, signal, deadline);
  let lastFailure: Error | undefined;
  for (const url of request.urls) {
    const response = await request.transport.download(url, signal).catch((error: unknown) => {
      throw translateAbort(error, request.signal, deadline);
    });
    if (EXPIRED_STATUSES.has(response.status)) {
      response.discard();
      lastFailure = new OxenProtocolError(`The result URL answered HTTP ${response.status} (expired or gone).`, {
        status: response.status,
      });
      continue;
    }
    return await saveBody(response, request, signal, deadline);
  }
  throw lastFailure ?? new OxenProtocolError('Oxen gave no URL to download the result from.');
}

async function saveBody(
  response: StreamedResponse,
  request: DownloadRequest,
  signal: AbortSignal,
  deadline: AbortSignal,
): Promise<DownloadResult> {
  if (response.status !== 200) {
    response.discard();
    const message = `The image download answered HTTP ${response.status}.`;
    throw response.status >= 500 ? new OxenServerError(message, { status: response.status }) : new OxenProtocolError(message, { status: response.status });
  }
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > request.maxBytes) {
    response.discard();
    throw new OxenProtocolError(`The image is ${declared} bytes, more than the ${request.maxBytes}-byte limit.`);
  }
  const fileSystem = request.fileSystem ?? nodeFileSystem;
  let file: WritableFile;
  try {
    file = await createTempFile(fileSystem, request.tempPath);
  } catch (error) {
    response.discard();
    throw error;
  }
  let written = 0;
  try {
    const { type, body } = await sniffedBody(response.body);
    const content = type === 'png' && request.pngMetadata
      ? injectPngText(body, request.pngMetadata.keyword, request.pngMetadata.text)
      : body;
    const batch = new WriteBatch(file);
    for await (const chunk of content) {
      if (signal.aborted) throw signal.reason;
      written += chunk.length;
      if (written > request.maxBytes + (request.pngMetadata?.text.length ?? 0) + 1024) {
        throw new OxenProtocolError(`The image is larger than the ${request.maxBytes}-byte limit; the download was stopped.`);
      }
      await batch.add(chunk);
    }
    await batch.flush();
    await file.sync();
    await file.close();
    return { type, bytes: written };
  } catch (error) {
    response.discard();
    await file.close().catch(() => undefined);
    await fileSystem.rm(request.tempPath, { force: true }).catch(() => undefined);
    throw translateAbort(error, request.signal, deadline);
  }
}

/** Bytes already in hand, shaped like a download so they take the same checks and the same path. */
function inlineResponse(bytes: Uint8Array): StreamedResponse {
  return {
    status: 200,
    headers: { 'content-length': String(bytes.length) },
    body: (async function* () {
      yield bytes;
    })(),
    discard: () => undefined,
  };
}

/**
 * Creates the temp file exclusively. The usual case costs one open: its folder is created only
 * when missing, and a leftover of an interrupted download is removed only when there is one.
 */
async function createTempFile(fileSystem: SaverFileSystem, tempPath: string): Promise<WritableFile> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fileSystem.open(tempPath, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (attempt >= 3) throw error;
      if (code === 'ENOENT') await fileSystem.mkdir(path.dirname(tempPath), { recursive: true });
      else if (code === 'EEXIST') await fileSystem.rm(tempPath, { force: true });
      else throw error;
    }
  }
}

/** Up to this many bytes are gathered into one write: a small image takes one write, not one per piece. */
const WRITE_BATCH_BYTES = 64 * 1024;

/** Gathers the body's pieces and writes them together (bounded, so the body is never held whole). */
class WriteBatch {
  private pieces: Uint8Array[] = [];
  private bytes = 0;

  constructor(private readonly file: WritableFile) {}

  async add(piece: Uint8Array): Promise<void> {
    this.pieces.push(piece);
    this.bytes += piece.length;
    if (this.bytes >= WRITE_BATCH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    const pieces = this.pieces;
    const bytes = this.bytes;
    this.pieces = [];
    this.bytes = 0;
    if (pieces.length === 0) return;
    // A short write (a disk filling up) is finished with more writes, the last of which throws.
    let rest = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, bytes);
    while (rest.length > 0) rest = rest.subarray((await this.file.write(rest)).bytesWritten);
  }
}

/** Reads just enough of the body to know what it is, then yields the whole body unchanged. */
async function sniffedBody(body: AsyncIterable<Uint8Array>): Promise<{ type: ImageType; body: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headBytes = 0;
  while (headBytes < IMAGE_SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headBytes += next.value.length;
  }
  const type = sniffImageType(Buffer.concat(head));
  if (!type) throw new OxenProtocolError('The downloaded file is not a PNG, JPEG or WebP image; it was not saved.');
  async function* replay(): AsyncIterable<Uint8Array> {
    yield* head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { type, body: replay() };
}

function translateAbort(error: unknown, callerSignal: AbortSignal, deadline: AbortSignal): unknown {
  if (callerSignal.aborted) return new OxenCancelledError('The download was cancelled.');
  if (deadline.aborted) return new OxenNetworkError('The image download took too long and was stopped.', true, true);
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) {
    return new OxenNetworkError('The image download was interrupted.', true, true, { cause: error });
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code && FILE_SYSTEM_CODES.has(code)) return error;
  if (error instanceof Error && !(error as { kind?: unknown }).kind) {
    return new OxenNetworkError(`The image download failed (${error.message}).`, false, true, { cause: error });
  }
  return error;
}
