/**
 * The image formats the extension saves. The type is decided from the file's first bytes, never
 * from a server-supplied name or content type (SEC-12): anything else (HTML error pages, GIF, SVG,
 * executables) is refused by the caller.
 */
export type ImageType = 'png' | 'jpeg' | 'webp';

/** How many leading bytes `sniffImageType` needs: the WebP signature is the longest (12 bytes). */
export const IMAGE_SNIFF_BYTES = 12;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];
const RIFF = [0x52, 0x49, 0x46, 0x46]; // "RIFF", then 4 bytes of little-endian size
const WEBP = [0x57, 0x45, 0x42, 0x50]; // "WEBP" at offset 8

function startsWithAt(bytes: Uint8Array, expected: readonly number[], offset = 0): boolean {
  return bytes.length >= offset + expected.length && expected.every((byte, i) => bytes[offset + i] === byte);
}

export function sniffImageType(head: Uint8Array): ImageType | undefined {
  if (startsWithAt(head, PNG_SIGNATURE)) return 'png';
  if (startsWithAt(head, JPEG_SIGNATURE)) return 'jpeg';
  if (startsWithAt(head, RIFF) && startsWithAt(head, WEBP, 8)) return 'webp';
  return undefined;
}

const EXTENSIONS: Readonly<Record<ImageType, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp' };

/** The file extension, without the dot, that every OS and viewer associates with `type`. */
export function extensionFor(type: ImageType): string {
  return EXTENSIONS[type];
}
