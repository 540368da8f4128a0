import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { ConcurrencyLimit } from '../../generation/concurrencyLimit';

/**
 * Small PNG thumbnails for the gallery (PERF-06): a history of 1,000 full-size images would have
 * the webview decode gigabytes of pixels. PNG (what Oxen returns for most models) is decoded here
 * with zlib and box-downscaled; formats Node cannot decode without a native library (JPEG, WebP)
 * and interlaced PNGs get no thumbnail, and the gallery shows the original, lazily loaded.
 */

export const THUMBNAIL_SIZE = 192;
/** Images larger than this are not decoded for a thumbnail (memory stays bounded). */
const MAX_PIXELS = 40_000_000;
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, straight alpha. */
  data: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decodes a non-interlaced PNG of any colour type and bit depth to RGBA8; undefined when it cannot. */
export function decodePng(bytes: Uint8Array): RgbaImage | undefined {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 33 || !buffer.subarray(0, 8).equals(SIGNATURE)) return undefined;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = 0;
  let palette: Buffer | undefined;
  let transparency: Buffer | undefined;
  const idat: Buffer[] = [];
  let offset = 8;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const data = buffer.subarray(offset + 8, offset + 8 + length);
    if (data.length !== length) return undefined;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      depth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) return undefined; // interlaced
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') transparency = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const channels = CHANNELS[colorType];
  if (!channels || width === 0 || height === 0 || width * height > MAX_PIXELS || ![1, 2, 4, 8, 16].includes(depth)) return undefined;
  if (colorType === 3 && !palette) return undefined;
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: (stride + 1) * height });
  } catch {
    return undefined;
  }
  if (raw.length < (stride + 1) * height) return undefined;
  const out = new Uint8Array(width * height * 4);
  let previous = new Uint8Array(stride);
  let current = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const left = x >= bpp ? current[x - bpp]! : 0;
      const up = previous[x]!;
      const upLeft = x >= bpp ? previous[x - bpp]! : 0;
      let value = line[x]!;
      if (filter === 1) value += left;
      else if (filter === 2) value += up;
      else if (filter === 3) value += (left + up) >> 1;
      else if (filter === 4) value += paeth(left, up, upLeft);
      else if (filter !== 0) return undefined;
      current[x] = value & 0xff;
    }
    writeRow(current, y, { width, depth, colorType, channels, palette, transparency }, out);
    [previous, current] = [current, previous];
  }
  return { width, height, data: out };
}

interface RowFormat {
  width: number;
  depth: number;
  colorType: number;
  channels: number;
  palette: Buffer | undefined;
  transparency: Buffer | undefined;
}

function writeRow(row: Uint8Array, y: number, format: RowFormat, out: Uint8Array): void {
  const { width, depth, colorType, channels, palette, transparency } = format;
  const sample = (index: number): number => {
    if (depth === 8) return row[index]!;
    if (depth === 16) return row[index * 2]!;
    const perByte = 8 / depth;
    const byte = row[Math.floor(index / perByte)]!;
    const shift = 8 - depth * ((index % perByte) + 1);
    return (byte >> shift) & ((1 << depth) - 1);
  };
  const scale = depth < 8 && colorType !== 3 ? 255 / ((1 << depth) - 1) : 1;
  for (let x = 0; x < width; x++) {
    const target = (y * width + x) * 4;
    const base = x * channels;
    if (colorType === 3) {
      const index = sample(base);
      out[target] = palette![index * 3] ?? 0;
      out[target + 1] = palette![index * 3 + 1] ?? 0;
      out[target + 2] = palette![index * 3 + 2] ?? 0;
      out[target + 3] = transparency?.[index] ?? 255;
    } else if (colorType === 0 || colorType === 4) {
      const gray = Math.round(sample(base) * scale);
      out[target] = out[target + 1] = out[target + 2] = gray;
      out[target + 3] = colorType === 4 ? sample(base + 1) : 255;
    } else {
      out[target] = sample(base);
      out[target + 1] = sample(base + 1);
      out[target + 2] = sample(base + 2);
      out[target + 3] = colorType === 6 ? sample(base + 3) : 255;
    }
  }
}

/** Box-filter downscale so the longer side is at most `maxSide` (never upscales). */
export function downscale(image: RgbaImage, maxSide: number): RgbaImage {
  const factor = Math.max(image.width, image.height) / maxSide;
  if (factor <= 1) return image;
  const width = Math.max(1, Math.round(image.width / factor));
  const height = Math.max(1, Math.round(image.height / factor));
  const data = new Uint8Array(width * height * 4);
  for (let ty = 0; ty < height; ty++) {
    const y0 = Math.floor((ty * image.height) / height);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * image.height) / height));
    for (let tx = 0; tx < width; tx++) {
      const x0 = Math.floor((tx * image.width) / width);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * image.width) / width));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let y = y0; y < y1; y++) {
        let source = (y * image.width + x0) * 4;
        for (let x = x0; x < x1; x++, source += 4) {
          const alpha = image.data[source + 3]!;
          r += image.data[source]! * alpha;
          g += image.data[source + 1]! * alpha;
          b += image.data[source + 2]! * alpha;
          a += alpha;
        }
      }
      const target = (ty * width + tx) * 4;
      const count = (y1 - y0) * (x1 - x0);
      if (a > 0) {
        data[target] = Math.round(r / a);
        data[target + 1] = Math.round(g / a);
        data[target + 2] = Math.round(b / a);
      }
      data[target + 3] = Math.round(a / count);
    }
  }
  return { width, height, data };
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng(image: RgbaImage): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(image.width, 0);
  header.writeUInt32BE(image.height, 4);
  header[8] = 8;
  header[9] = 6;
  const stride = image.width * 4;
  const raw = Buffer.alloc((stride + 1) * image.height);
  for (let y = 0; y < image.height; y++) {
    raw[y * (stride + 1)] = 0;
    raw.set(image.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

/** A PNG thumbnail of a PNG image, or undefined when the bytes are not a PNG this decoder reads. */
export function pngThumbnail(bytes: Uint8Array, maxSide = THUMBNAIL_SIZE): Buffer | undefined {
  const image = decodePng(bytes);
  return image && encodePng(downscale(image, maxSide));
}

export type ThumbnailResult = { kind: 'thumbnail'; file: string } | { kind: 'original' } | { kind: 'missing' };

/**
 * Thumbnails on disk, keyed by the image's path, size and modification time (an edited or
 * replaced image gets a new one). Made at most two at a time; repeated asks share the work.
 */
export class ThumbnailCache {
  private readonly pending = new Map<string, Promise<ThumbnailResult>>();
  private readonly limit = new ConcurrencyLimit(2);

  constructor(private readonly folder: string) {}

  get directory(): string {
    return this.folder;
  }

  /** The thumbnail if it is already on disk (no decoding): what a gallery page can show at once. */
  async cached(imagePath: string): Promise<ThumbnailResult | undefined> {
    const stat = await fs.stat(imagePath).catch(() => undefined);
    if (!stat?.isFile()) return { kind: 'missing' };
    const file = this.fileFor(imagePath, stat.size, stat.mtimeMs);
    if (await fs.stat(file).then(() => true, () => false)) return { kind: 'thumbnail', file };
    if (!(await looksLikePng(imagePath))) return { kind: 'original' };
    return undefined;
  }

  /** Makes (or finds) the thumbnail of one image. */
  get(imagePath: string): Promise<ThumbnailResult> {
    let work = this.pending.get(imagePath);
    if (!work) {
      work = this.limit.run(() => this.make(imagePath)).finally(() => this.pending.delete(imagePath));
      this.pending.set(imagePath, work);
    }
    return work;
  }

  private fileFor(imagePath: string, size: number, mtimeMs: number): string {
    const key = createHash('sha256').update(`${imagePath}\0${size}\0${Math.round(mtimeMs)}`).digest('hex').slice(0, 32);
    return path.join(this.folder, `${key}.png`);
  }

  private async make(imagePath: string): Promise<ThumbnailResult> {
    const stat = await fs.stat(imagePath).catch(() => undefined);
    if (!stat?.isFile()) return { kind: 'missing' };
    const file = this.fileFor(imagePath, stat.size, stat.mtimeMs);
    if (await fs.stat(file).then(() => true, () => false)) return { kind: 'thumbnail', file };
    if (stat.size > MAX_FILE_BYTES) return { kind: 'original' };
    const bytes = await fs.readFile(imagePath).catch(() => undefined);
    if (!bytes) return { kind: 'missing' };
    const thumbnail = pngThumbnail(bytes);
    if (!thumbnail) return { kind: 'original' };
    await fs.mkdir(this.folder, { recursive: true });
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(temp, thumbnail);
    await fs.rename(temp, file);
    return { kind: 'thumbnail', file };
  }
}

async function looksLikePng(imagePath: string): Promise<boolean> {
  const handle = await fs.open(imagePath, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    return head.equals(SIGNATURE);
  } finally {
    await handle.close();
  }
}
