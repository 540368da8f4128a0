import { crc32 } from 'node:zlib';

/**
 * Text metadata inside PNG files, so a prompt and its parameters travel with the image wherever
 * it is copied. Writing is streaming (downloads can be 50 MB, PERF-05): only the signature and
 * IHDR are held, everything after them passes through untouched.
 */

/** Thrown when bytes that should be a PNG are not one (bad signature, bad IHDR, bad CRC, truncated). */
export class InvalidPngError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The keyword under which Oxen Image Studio stores its JSON metadata. */
export const PNG_TEXT_KEYWORD = 'oxen-image-studio';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const LENGTH_AND_TYPE_BYTES = 8;
const CRC_BYTES = 4;
const IHDR_DATA_BYTES = 13;
/** Signature plus the whole IHDR chunk: the only part of the stream the injector holds back. */
const HEADER_BYTES = SIGNATURE.length + LENGTH_AND_TYPE_BYTES + IHDR_DATA_BYTES + CRC_BYTES;
const MAX_CHUNK_LENGTH = 2 ** 31 - 1;
/** Bit depths the PNG specification allows for each colour type. */
const BIT_DEPTHS_BY_COLOUR_TYPE: ReadonlyMap<number, readonly number[]> = new Map([
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
]);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const NUL = 0;

/** Exact ISO-8859-1, which PNG text uses (TextDecoder's 'latin1' is really windows-1252). */
function decodeLatin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function chunkCrc(typeAndData: Uint8Array): number {
  return crc32(typeAndData) >>> 0;
}

function readUint32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(LENGTH_AND_TYPE_BYTES + data.length + CRC_BYTES);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(Buffer.from(type, 'latin1'), 4);
  chunk.set(data, LENGTH_AND_TYPE_BYTES);
  view.setUint32(LENGTH_AND_TYPE_BYTES + data.length, chunkCrc(chunk.subarray(4, LENGTH_AND_TYPE_BYTES + data.length)));
  return chunk;
}

/** PNG keywords are 1-79 printable Latin-1 characters without leading, trailing or double spaces. */
function assertValidKeyword(keyword: string): void {
  const printableLatin1 = /^[\x20-\x7e\xa1-\xff]{1,79}$/;
  if (!printableLatin1.test(keyword) || keyword.startsWith(' ') || keyword.endsWith(' ') || keyword.includes('  ')) {
    throw new RangeError(`"${keyword}" is not a valid PNG text keyword.`);
  }
}

/** An uncompressed iTXt chunk: UTF-8 text, so any prompt survives, unlike Latin-1 tEXt. */
function internationalTextChunk(keyword: string, text: string): Uint8Array {
  assertValidKeyword(keyword);
  const data = Buffer.concat([
    Buffer.from(keyword, 'latin1'),
    Uint8Array.of(NUL, 0 /* not compressed */, 0 /* compression method */, NUL /* no language tag */, NUL /* no translated keyword */),
    Buffer.from(text, 'utf8'),
  ]);
  if (data.length > MAX_CHUNK_LENGTH) throw new RangeError('PNG text is too long for one chunk.');
  return encodeChunk('iTXt', data);
}

function chunkType(bytes: Uint8Array, chunkStart: number): string {
  return decodeLatin1(bytes.subarray(chunkStart + 4, chunkStart + LENGTH_AND_TYPE_BYTES));
}

function assertSignature(bytes: Uint8Array): void {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((byte, i) => bytes[i] !== byte)) {
    throw new InvalidPngError('Not a PNG file: the signature is missing.');
  }
}

/** Checks the signature and that the first chunk is a well-formed IHDR with a valid CRC. */
function assertValidHeader(head: Uint8Array): void {
  assertSignature(head);
  if (head.length < HEADER_BYTES) throw new InvalidPngError('Not a valid PNG file: it ends inside the header.');
  const ihdrStart = SIGNATURE.length;
  if (readUint32(head, ihdrStart) !== IHDR_DATA_BYTES || chunkType(head, ihdrStart) !== 'IHDR') {
    throw new InvalidPngError('Not a valid PNG file: the first chunk is not a 13-byte IHDR.');
  }
  const dataStart = ihdrStart + LENGTH_AND_TYPE_BYTES;
  const crcOffset = dataStart + IHDR_DATA_BYTES;
  if (chunkCrc(head.subarray(ihdrStart + 4, crcOffset)) !== readUint32(head, crcOffset)) {
    throw new InvalidPngError('Not a valid PNG file: the IHDR checksum is wrong.');
  }
  const width = readUint32(head, dataStart);
  const height = readUint32(head, dataStart + 4);
  const [bitDepth, colourType, compression, filter, interlace] = head.subarray(dataStart + 8, crcOffset);
  const dimensionsValid = width > 0 && height > 0 && width <= MAX_CHUNK_LENGTH && height <= MAX_CHUNK_LENGTH;
  const depthValid = BIT_DEPTHS_BY_COLOUR_TYPE.get(colourType!)?.includes(bitDepth!) ?? false;
  if (!dimensionsValid || !depthValid || compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) {
    throw new InvalidPngError('Not a valid PNG file: the IHDR values are out of range.');
  }
}

/**
 * Yields `source` with an iTXt chunk (`keyword`, uncompressed UTF-8 `text`) placed right after
 * IHDR, where every decoder reads it before the image data. Holds back only the first
 * `HEADER_BYTES`; rejects with `InvalidPngError` when those are not a PNG signature and IHDR.
 */
export async function* injectPngText(source: AsyncIterable<Uint8Array>, keyword: string, text: string): AsyncGenerator<Uint8Array> {
  const textChunk = internationalTextChunk(keyword, text);
  let heldBack: Uint8Array[] = [];
  let heldBackBytes = 0;
  let injected = false;
  for await (const piece of source) {
    if (injected) {
      yield piece;
      continue;
    }
    heldBack.push(piece);
    heldBackBytes += piece.length;
    if (heldBackBytes < HEADER_BYTES) continue;
    const head = Buffer.concat(heldBack);
    heldBack = [];
    assertValidHeader(head);
    yield head.subarray(0, HEADER_BYTES);
    yield textChunk;
    if (head.length > HEADER_BYTES) yield head.subarray(HEADER_BYTES);
    injected = true;
  }
  // Fewer than HEADER_BYTES arrived: this throws, naming the first thing that is wrong.
  if (!injected) assertValidHeader(Buffer.concat(heldBack));
}

/** Keyword and text of a tEXt chunk; undefined when the chunk is malformed. */
function parseLatin1Text(data: Uint8Array): [string, string] | undefined {
  const separator = data.indexOf(NUL);
  if (separator < 1) return undefined;
  return [decodeLatin1(data.subarray(0, separator)), decodeLatin1(data.subarray(separator + 1))];
}

/** Keyword and text of an uncompressed iTXt chunk; undefined when compressed or malformed. */
function parseInternationalText(data: Uint8Array): [string, string] | undefined {
  const keywordEnd = data.indexOf(NUL);
  if (keywordEnd < 1 || data[keywordEnd + 1] !== 0 /* compressed text is not read */) return undefined;
  const languageEnd = data.indexOf(NUL, keywordEnd + 3);
  const translatedKeywordEnd = languageEnd < 0 ? -1 : data.indexOf(NUL, languageEnd + 1);
  if (translatedKeywordEnd < 0) return undefined;
  try {
    return [decodeLatin1(data.subarray(0, keywordEnd)), strictUtf8.decode(data.subarray(translatedKeywordEnd + 1))];
  } catch {
    return undefined;
  }
}

/**
 * The tEXt and uncompressed iTXt entries of a PNG, read up to the first IDAT (metadata written by
 * `injectPngText` sits before it). Every chunk's CRC is verified. When a keyword repeats, the first
 * entry wins: that is the one `injectPngText` put right after IHDR. Throws `InvalidPngError` for a
 * file that is not a PNG, has a bad CRC, or ends before its image data.
 */
export function readPngText(bytes: Uint8Array): Map<string, string> {
  assertValidHeader(bytes.subarray(0, HEADER_BYTES));
  const entries = new Map<string, string>();
  let chunkStart = SIGNATURE.length;
  for (;;) {
    if (chunkStart + LENGTH_AND_TYPE_BYTES > bytes.length) throw new InvalidPngError('Not a valid PNG file: it ends before the image data.');
    const length = readUint32(bytes, chunkStart);
    const dataStart = chunkStart + LENGTH_AND_TYPE_BYTES;
    const crcOffset = dataStart + length;
    if (length > MAX_CHUNK_LENGTH || crcOffset + CRC_BYTES > bytes.length) {
      throw new InvalidPngError('Not a valid PNG file: a chunk is truncated.');
    }
    const type = chunkType(bytes, chunkStart);
    if (chunkCrc(bytes.subarray(chunkStart + 4, crcOffset)) !== readUint32(bytes, crcOffset)) {
      throw new InvalidPngError(`Not a valid PNG file: the ${type} checksum is wrong.`);
    }
    if (type === 'IDAT' || type === 'IEND') return entries;
    const data = bytes.subarray(dataStart, crcOffset);
    const entry = type === 'tEXt' ? parseLatin1Text(data) : type === 'iTXt' ? parseInternationalText(data) : undefined;
    if (entry && !entries.has(entry[0])) entries.set(entry[0], entry[1]);
    chunkStart = crcOffset + CRC_BYTES;
  }
}
