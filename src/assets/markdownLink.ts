import { isAbsoluteIn, pathFlavorOf } from './pathContainment';

/**
 * Markdown that links a saved image. Whatever the prompt or the path contains, a CommonMark parser
 * must see exactly one image with that alt text and that path (SEC-13): the alt text is escaped
 * so it cannot close the label or form markup, the path so it cannot end the destination early or
 * change meaning as a URL.
 */

const MAX_ALT_LENGTH = 120;

/**
 * Characters that could end the label (`]`), escape (`\`), or start markup inside it: code,
 * emphasis, strikethrough, raw HTML or autolinks, entities, table cells, math.
 */
const ALT_MARKUP = /[\\[\]`*_~<>&|$]/g;
/** `scheme://` would be linkified by parsers that enable linkify (VS Code's preview does). */
const ALT_URL_SCHEME_COLON = /:(?=\/\/)/g;

/**
 * Characters a URL reading of the destination would take for syntax (`%` escapes, `#` fragment,
 * `?` query, `:` scheme), cannot appear in a destination at all (controls), or would be trimmed
 * away (whitespace at either end). Percent-encoded, they decode back to themselves.
 */
const DESTINATION_URL_SYNTAX = /[%#?:\u0000-\u001f\u007f]|^\s+|\s+$/gu;
/** A destination made only of these needs no `<…>`. */
const PLAIN_DESTINATION = /^[\p{L}\p{N}\p{M}%._~/+@-]+$/u;
/** Inside `<…>`, these would end the destination or be read as an escape or an entity. */
const ANGLE_DESTINATION_SYNTAX = /[\\<>&]/g;

/** The alt text the link will carry: one line, no control characters, trimmed, at most 120 characters. */
export function normalizeAltText(text: string): string {
  const oneLine = text
    .replace(/\s+/gu, ' ')
    .replace(/\p{Cc}/gu, '')
    .trim();
  return Array.from(oneLine).slice(0, MAX_ALT_LENGTH).join('').trimEnd();
}

function escapeAltText(altText: string): string {
  return altText.replace(ALT_MARKUP, '\\$&').replace(ALT_URL_SCHEME_COLON, '\\:');
}

function linkDestination(relativePath: string): string {
  const encoded = relativePath.replace(DESTINATION_URL_SYNTAX, encodeURIComponent);
  return PLAIN_DESTINATION.test(encoded) ? encoded : `<${encoded.replace(ANGLE_DESTINATION_SYNTAX, '\\$&')}>`;
}

/** `![alt](path)` for `relativePath` ('/'-separated, as from `relativeLinkPath`), alt text from the prompt. */
export function markdownImageLink(altText: string, relativePath: string): string {
  if (relativePath === '') throw new RangeError('An image link needs a path.');
  // `//host/…` (or `\\host`, which WHATWG URLs read alike) is a network location, whatever the escaping.
  if (/^[/\\]{2}/.test(relativePath)) throw new RangeError(`${relativePath} is not a path inside the workspace.`);
  return `![${escapeAltText(normalizeAltText(altText))}](${linkDestination(relativePath)})`;
}

/** The path from the document's folder to the file, with '/' separators, as a markdown link wants it. */
export function relativeLinkPath(fromDocumentAbs: string, toFileAbs: string): string {
  const flavor = pathFlavorOf(fromDocumentAbs);
  if (!isAbsoluteIn(flavor, fromDocumentAbs) || !isAbsoluteIn(flavor, toFileAbs)) {
    throw new RangeError(`Cannot link ${toFileAbs} from ${fromDocumentAbs}: both must be absolute paths of the same kind.`);
  }
  const relative = flavor.relative(flavor.dirname(fromDocumentAbs), toFileAbs);
  // On Windows, a file on another drive has no relative path.
  if (flavor.isAbsolute(relative)) throw new RangeError(`Cannot link ${toFileAbs} from ${fromDocumentAbs}: they are on different drives.`);
  return relative.split(flavor.sep).join('/');
}

/** No unescaped `]` closes more than was opened: CommonMark's rule for brackets inside link text. */
function hasBalancedBrackets(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth < 0) return false;
  }
  return depth === 0;
}

/**
 * Where the image link ending in `](destination)` is in `text`, found by its (unique) destination,
 * whatever the user typed in its alt text meanwhile: the first `![` on that line whose alt text
 * up to the destination has balanced brackets, as CommonMark reads link text. Undefined when the
 * destination is gone or no such `![` is left (the user took the link apart).
 */
export function findImageLinkTo(text: string, destination: string): { start: number; end: number } | undefined {
  const ending = `](${destination})`;
  const endingAt = text.indexOf(ending);
  if (endingAt < 0) return undefined;
  const lineStart = Math.max(text.lastIndexOf('\n', endingAt), text.lastIndexOf('\r', endingAt)) + 1;
  for (let start = text.indexOf('![', lineStart); start >= 0 && start < endingAt; start = text.indexOf('![', start + 2)) {
    if (hasBalancedBrackets(text.slice(start + 2, endingAt))) return { start, end: endingAt + ending.length };
  }
  return undefined;
}
