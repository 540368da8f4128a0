import { strict as assert } from 'node:assert';
import { crc32, inflateSync } from 'node:zlib';
import * as fc from 'fast-check';
import { injectPngText, InvalidPngError, PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import { encodePng } from '../emulator/png';

const HEADER_BYTES = 33; // signature (8) + IHDR chunk (12 + 13)

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function smallPng(): Buffer {
  const width = 3;
  const height = 2;
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
  return encodePng(width, height, rgb);
}

/** `png` with `extra` chunks inserted right after IHDR. */
function withChunksAfterHeader(png: Buffer, ...extra: Buffer[]): Buffer {
  return Buffer.concat([png.subarray(0, HEADER_BYTES), ...extra, png.subarray(HEADER_BYTES)]);
}

async function* streamOf(pieces: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* pieces;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return Buffer.concat(pieces);
}

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length];
  return bounds.slice(1).map((end, i) => bytes.subarray(bounds[i], end));
}

interface ParsedChunk {
  type: string;
  data: Buffer;
}

/** Walks every chunk as a decoder would: signature, lengths, CRCs, IHDR first, IEND last. */
function decodeChunks(png: Buffer): ParsedChunk[] {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: ParsedChunk[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    assert.equal(png.readUInt32BE(offset + 8 + length), crc32(png.subarray(offset + 4, offset + 8 + length)), `${type} CRC`);
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length) });
    offset += 12 + length;
  }
  assert.equal(chunks[0]?.type, 'IHDR');
  assert.equal(chunks.at(-1)?.type, 'IEND');
  return chunks;
}

function pixels(png: Buffer): Buffer {
  return inflateSync(Buffer.concat(decodeChunks(png).filter((c) => c.type === 'IDAT').map((c) => c.data)));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('assets/pngText', () => {
  const metadata = JSON.stringify({ prompt: 'a red fox in snow', model: 'krea-v2-large-text-to-image', seed: 42 });

  describe('injectPngText', () => {
    it('adds an iTXt chunk right after IHDR that readPngText reads back', async () => {
      const png = smallPng();
      const out = await collect(injectPngText(streamOf([png]), PNG_TEXT_KEYWORD, metadata));
      assert.deepEqual(
        decodeChunks(out).map((c) => c.type),
        ['IHDR', 'iTXt', 'IDAT', 'IEND'],
      );
      assert.equal(readPngText(out).get(PNG_TEXT_KEYWORD), metadata);
    });

    it('passes every other byte through unchanged and the image still decodes to the same pixels', async () => {
      const png = smallPng();
      const out = await collect(injectPngText(streamOf([png]), PNG_TEXT_KEYWORD, metadata));
      const injectedLength = out.length - png.length;
      assert.deepEqual(out.subarray(0, HEADER_BYTES), png.subarray(0, HEADER_BYTES));
      assert.deepEqual(out.subarray(HEADER_BYTES + injectedLength), png.subarray(HEADER_BYTES));
      assert.deepEqual(pixels(out), pixels(png));
    });

    it('gives identical output whatever the chunk boundaries of the input', async () => {
      const png = withChunksAfterHeader(smallPng(), chunk('tEXt', Buffer.from('Author\0someone', 'latin1')));
      const expected = await collect(injectPngText(streamOf([png]), PNG_TEXT_KEYWORD, metadata));
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 0, max: png.length }), { maxLength: 12 }), async (cuts) => {
          const out = await collect(injectPngText(streamOf(splitAt(png, cuts)), PNG_TEXT_KEYWORD, metadata));
          assert.deepEqual(out, expected);
        }),
        { numRuns: 200 },
      );
    });

    it('holds back only the header: later pieces are yielded as they arrive, uncopied', async () => {
      const png = smallPng();
      const rest = png.subarray(HEADER_BYTES + 5);
      let releaseRest!: () => void;
      const restArrives = new Promise<void>((resolve) => (releaseRest = resolve));
      async function* slowSource(): AsyncGenerator<Uint8Array> {
        yield png.subarray(0, 20);
        yield png.subarray(20, HEADER_BYTES + 5);
        await restArrives; // the download has not delivered more yet
        yield rest;
      }
      const output = injectPngText(slowSource(), PNG_TEXT_KEYWORD, metadata);
      const header = await output.next();
      const textChunk = await output.next();
      const leftover = await output.next();
      assert.deepEqual(header.value, png.subarray(0, HEADER_BYTES));
      assert.equal(Buffer.from(textChunk.value!).toString('latin1', 4, 8), 'iTXt');
      assert.deepEqual(leftover.value, png.subarray(HEADER_BYTES, HEADER_BYTES + 5));
      releaseRest();
      const passedThrough = await output.next();
      assert.equal(passedThrough.value, rest, 'the same object, not a copy');
      assert.equal((await output.next()).done, true);
    });

    it('round-trips unicode text exactly', async () => {
      const png = smallPng();
      const samples = ['日本語のプロンプト', 'émoji 🦊🏔️ 👩‍👩‍👧', 'עברית مرحبا', 'quotes "\' and \\ backslash', ''];
      for (const text of samples) {
        const out = await collect(injectPngText(streamOf([png]), PNG_TEXT_KEYWORD, JSON.stringify({ prompt: text })));
        assert.equal(readPngText(out).get(PNG_TEXT_KEYWORD), JSON.stringify({ prompt: text }));
      }
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (prompt) => {
          const text = JSON.stringify({ prompt });
          const out = await collect(injectPngText(streamOf([png]), PNG_TEXT_KEYWORD, text));
          assert.equal(readPngText(out).get(PNG_TEXT_KEYWORD), text);
        }),
        { numRuns: 100 },
      );
    });

    const png = smallPng();
    const corruptIhdrCrc = Buffer.from(png);
    corruptIhdrCrc[HEADER_BYTES - 1]! ^= 0xff;
    const wrongFirstChunk = Buffer.concat([png.subarray(0, 8), chunk('tEXt', Buffer.from('a\0b')), png.subarray(8)]);
    const zeroWidth = Buffer.concat([png.subarray(0, 8), chunk('IHDR', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 8, 2, 0, 0, 0])), png.subarray(HEADER_BYTES)]);
    const badDepth = Buffer.concat([png.subarray(0, 8), chunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 3, 2, 0, 0, 0])), png.subarray(HEADER_BYTES)]);
    const invalidInputs: Array<[string, Uint8Array[]]> = [
      ['an HTML error page', [Buffer.from('<!DOCTYPE html><html><body>403 Forbidden</body></html>')]],
      ['a JPEG', [Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...new Array(40).fill(0)])]],
      ['an empty body', []],
      ['a body that ends inside IHDR', [png.subarray(0, 8), png.subarray(8, 20)]],
      ['a corrupt IHDR checksum', [corruptIhdrCrc]],
      ['a first chunk that is not IHDR', [wrongFirstChunk]],
      ['a zero width', [zeroWidth]],
      ['a bit depth the colour type does not allow', [badDepth]],
    ];
    for (const [name, pieces] of invalidInputs) {
      it(`rejects ${name} with InvalidPngError`, async () => {
        const error = await rejection(collect(injectPngText(streamOf(pieces), PNG_TEXT_KEYWORD, metadata)));
        assert.ok(error instanceof InvalidPngError, String(error));
      });
    }

    it('refuses a keyword PNG does not allow', async () => {
      for (const keyword of ['', 'k'.repeat(80), ' leading', 'double  space', 'smile 😀']) {
        const error = await rejection(collect(injectPngText(streamOf([png]), keyword, 'x')));
        assert.ok(error instanceof RangeError, keyword);
      }
    });
  });

  describe('readPngText', () => {
    const png = smallPng();
    const iTXt = (keyword: string, text: string, compressed = false) =>
      chunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), Buffer.from(text)]));
    const tEXt = (keyword: string, text: string) => chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));

    it('reads tEXt (Latin-1) and uncompressed iTXt (UTF-8) entries', () => {
      const file = withChunksAfterHeader(png, tEXt('Author', 'Zoë'), iTXt('Title', 'Füchse im Schnee 🦊'));
      assert.deepEqual([...readPngText(file)], [
        ['Author', 'Zoë'],
        ['Title', 'Füchse im Schnee 🦊'],
      ]);
    });

    it('keeps the first entry of a repeated keyword, skips compressed and malformed ones', () => {
      const file = withChunksAfterHeader(
        png,
        iTXt('k', 'first'),
        iTXt('k', 'second'),
        iTXt('zipped', 'x', true),
        chunk('tEXt', Buffer.from('no separator')),
        chunk('iTXt', Buffer.from('truncated\0\0')),
      );
      assert.deepEqual([...readPngText(file)], [['k', 'first']]);
    });

    it('stops at the image data: text after IDAT is not read', () => {
      const idatEnd = png.length - 12; // before IEND
      const file = Buffer.concat([png.subarray(0, idatEnd), tEXt('late', 'x'), png.subarray(idatEnd)]);
      assert.equal(readPngText(file).size, 0);
    });

    it('refuses a text chunk with a wrong checksum', () => {
      const bad = tEXt('Author', 'x');
      bad[bad.length - 1]! ^= 1;
      assert.throws(() => readPngText(withChunksAfterHeader(png, bad)), InvalidPngError);
    });

    it('refuses non-PNG bytes and files that end before the image data', () => {
      assert.throws(() => readPngText(Buffer.from('GIF89a')), InvalidPngError);
      assert.throws(() => readPngText(png.subarray(0, HEADER_BYTES)), InvalidPngError);
      assert.throws(() => readPngText(withChunksAfterHeader(png, tEXt('a', 'b')).subarray(0, HEADER_BYTES + 6)), InvalidPngError);
    });
  });
});
