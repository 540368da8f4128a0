import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { relativePathInside } from '../../assets/pathContainment';
import type { ImageType } from '../../assets/imageType';

/**
 * Checks on local images the webview names (a dropped file URI): pure, so they are
 * table-tested. The webview's string never reaches the file system before these pass (SEC-09),
 * and the bytes are sniffed afterwards (a `.png` name proves nothing).
 */

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);
/** Local references larger than this are refused: a style reference does not need more. */
export const MAX_REFERENCE_BYTES = 20 * 1024 * 1024;

export type DroppedFileCheck = { ok: true; path: string; workspaceFolder: string } | { ok: false; reason: string };

/**
 * A dropped `file:` URI → an absolute path inside one of the workspace folders, with an image
 * extension; anything else (other schemes, UNC hosts, NUL bytes, `..` escapes, non-images) is refused.
 */
export function checkDroppedFileUri(raw: string, workspaceFolders: readonly string[]): DroppedFileCheck {
  if (raw.length > 4096 || raw.includes('\0')) return { ok: false, reason: 'not a usable file URI' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, reason: 'not a URI' };
  }
  if (url.protocol !== 'file:') return { ok: false, reason: `only workspace files can be dropped (got ${url.protocol.replace(/:$/, '')}:)` };
  if (url.hostname !== '' && url.hostname !== 'localhost') return { ok: false, reason: 'files on other machines cannot be used' };
  if (url.search !== '' || url.hash !== '') return { ok: false, reason: 'not a plain file URI' };
  let filePath: string;
  try {
    filePath = fileURLToPath(url);
  } catch {
    return { ok: false, reason: 'not a usable file URI' };
  }
  if (filePath.includes('\0')) return { ok: false, reason: 'not a usable file URI' };
  if (!IMAGE_EXTENSIONS.has(path.extname(filePath).toLowerCase())) return { ok: false, reason: 'only PNG, JPEG and WebP images can be used' };
  const folder = workspaceFolders.find((candidate) => {
    const relative = relativePathInside(candidate, filePath);
    return relative !== undefined && relative !== '';
  });
  if (!folder) return { ok: false, reason: 'the file is not inside the workspace' };
  return { ok: true, path: filePath, workspaceFolder: folder };
}

const DATA_URI_TYPES: Record<ImageType, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

export function dataUriOf(bytes: Uint8Array, type: ImageType): string {
  return `data:${DATA_URI_TYPES[type]};base64,${Buffer.from(bytes).toString('base64')}`;
}

export function uploadExtension(type: ImageType): 'png' | 'jpg' | 'webp' {
  return type === 'jpeg' ? 'jpg' : type;
}
