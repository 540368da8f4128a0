import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { extensionFor, IMAGE_SNIFF_BYTES, sniffImageType } from '../../src/assets/imageType';

const bytes = (...values: number[]) => Uint8Array.from(values);
const ascii = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));

describe('assets/imageType', () => {
  // SEC-12: the type, and so the extension, comes from the bytes.
  const cases: Array<[string, Uint8Array, ReturnType<typeof sniffImageType>]> = [
    ['PNG signature', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13), 'png'],
    ['JPEG (JFIF)', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1), 'jpeg'],
    ['JPEG (Exif)', bytes(0xff, 0xd8, 0xff, 0xe1), 'jpeg'],
    ['WebP', ascii('RIFF\x24\x00\x00\x00WEBPVP8 '), 'webp'],
    ['RIFF that is not WebP (WAV)', ascii('RIFF\x24\x00\x00\x00WAVEfmt '), undefined],
    ['HTML error page', ascii('<!DOCTYPE html><html>'), undefined],
    ['GIF', ascii('GIF89a\x01\x00\x01\x00\x00\x00'), undefined],
    ['SVG', ascii('<svg xmlns="http://www.w3.org/2000/svg">'), undefined],
    ['Windows executable', ascii('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00'), undefined],
    ['ELF executable', bytes(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0), undefined],
    ['empty', bytes(), undefined],
    ['truncated PNG signature', bytes(0x89, 0x50, 0x4e, 0x47), undefined],
    ['truncated WebP header', ascii('RIFF\x24\x00\x00\x00WEB'), undefined],
  ];
  for (const [name, head, expected] of cases) {
    it(`${name} → ${expected ?? 'refused'}`, () => {
      assert.equal(sniffImageType(head), expected);
    });
  }

  it('needs no more than IMAGE_SNIFF_BYTES to decide', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: IMAGE_SNIFF_BYTES, maxLength: 64 }), (head) => {
        assert.equal(sniffImageType(head), sniffImageType(head.subarray(0, IMAGE_SNIFF_BYTES)));
      }),
    );
  });

  it('maps each type to the conventional extension', () => {
    assert.deepEqual([extensionFor('png'), extensionFor('jpeg'), extensionFor('webp')], ['png', 'jpg', 'webp']);
  });
});
