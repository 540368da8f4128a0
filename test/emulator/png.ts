import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHUNK_OVERHEAD = 12; // length (4) + type (4) + CRC (4)
const IEND = chunk('IEND', Buffer.alloc(0));

/**
 * Padding chunk type. Lower-case first letter: ancillary (decoders may skip it); lower-case second:
 * private; upper-case third: the reserved bit PNG requires to be clear; lower-case fourth:
 * safe-to-copy. So a padded file stays a valid PNG that every viewer shows unchanged.
 */
const PADDING_TYPE = 'paDd';
const PADDING_SLICE = Buffer.alloc(64 * 1024);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(CHUNK_OVERHEAD + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes 8-bit RGB pixels (row-major, 3 bytes per pixel) as a PNG. */
export function encodePng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  // bytes 10-12 stay 0: deflate compression, adaptive filtering, no interlace

  const stride = width * 3;
  const scanlines = Buffer.alloc((stride + 1) * height); // each row: filter byte 0 ("None") + pixels
  for (let y = 0; y < height; y++) {
    scanlines.set(rgb.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  // Level 1: these pictures are smooth, so the fastest level already compresses them well.
  const compressed = deflateSync(scanlines, { level: 1 });
  return Buffer.concat([SIGNATURE, chunk('IHDR', header), chunk('IDAT', compressed), IEND]);
}

/** A PNG to be sent as a stream: its exact size is known up front, its bytes are produced lazily. */
export interface PngStream {
  readonly byteLength: number;
  chunks(): Generator<Buffer>;
}

/**
 * Streams `png` grown to at least `minBytes` by one padding chunk before IEND. The padding is zeros,
 * produced (and CRC'd) slice by slice, so a 50 MB download never holds 50 MB in memory.
 */
export function paddedPng(png: Buffer, minBytes: number): PngStream {
  const paddingLength = Math.max(0, minBytes - png.length - CHUNK_OVERHEAD);
  if (minBytes <= png.length) {
    return { byteLength: png.length, *chunks() { yield png; } };
  }
  const beforeIend = png.subarray(0, png.length - IEND.length);
  return {
    byteLength: png.length + CHUNK_OVERHEAD + paddingLength,
    *chunks() {
      yield beforeIend;
      const head = Buffer.alloc(8);
      head.writeUInt32BE(paddingLength, 0);
      head.write(PADDING_TYPE, 4, 'latin1');
      yield head;
      let crc = crc32(head.subarray(4));
      for (let left = paddingLength; left > 0; left -= PADDING_SLICE.length) {
        const slice = PADDING_SLICE.subarray(0, Math.min(left, PADDING_SLICE.length));
        crc = crc32(slice, crc);
        yield slice;
      }
      const tail = Buffer.alloc(4);
      tail.writeUInt32BE(crc, 0);
      yield tail;
      yield IEND;
    },
  };
}
