/**
 * Finds inline markdown image links (`![alt](path)`, `![alt](<path with spaces> "title")`) in
 * text, for recall on hover and CodeLens. Only links to workspace image files count: URLs with a
 * scheme (https:, data:, …) are left alone. One line at a time: a link never spans lines here.
 */

export interface ImageLinkMatch {
  /** Offsets of the whole link (`![` to `)`) in the searched text. */
  start: number;
  end: number;
  /** The link exactly as written. */
  text: string;
  /** The destination decoded to a path: escapes resolved, percent-encoding decoded, `/`-separated. */
  path: string;
}

const ALT = String.raw`!\[(?:\\.|[^\]\\\n])*\]`;
const ANGLE_DESTINATION = String.raw`<(?:\\.|[^>\\\n])*>`;
const BARE_DESTINATION = String.raw`(?:\\.|[^\s()<>\\])+`;
const TITLE = String.raw`(?:[ \t]+(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\((?:\\.|[^)\\\n])*\)))?`;
const IMAGE_LINK = new RegExp(`${ALT}\\([ \\t]*(${ANGLE_DESTINATION}|${BARE_DESTINATION})${TITLE}[ \\t]*\\)`, 'g');
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const IMAGE_EXTENSION = /\.(png|jpe?g|webp)$/i;

function unescape(text: string): string {
  return text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** The path a destination names, or undefined for URLs, non-images and undecodable text. */
function destinationPath(raw: string): string | undefined {
  const angled = raw.startsWith('<');
  const unescaped = unescape(angled ? raw.slice(1, -1) : raw);
  // A `?` or `#` left unencoded starts a query or fragment, as a URL reading of the link has it.
  const withoutSuffix = unescaped.replace(/[?#].*$/s, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutSuffix);
  } catch {
    return undefined;
  }
  if (decoded === '' || URL_SCHEME.test(withoutSuffix) || !IMAGE_EXTENSION.test(decoded)) return undefined;
  return decoded.replace(/\\/g, '/');
}

/** Every image link to a local image file in `text`, in order. */
export function findImageLinks(text: string): ImageLinkMatch[] {
  const links: ImageLinkMatch[] = [];
  for (const match of text.matchAll(IMAGE_LINK)) {
    const path = destinationPath(match[1]!);
    if (path !== undefined) links.push({ start: match.index, end: match.index + match[0].length, text: match[0], path });
  }
  return links;
}

/** The image link that contains `offset`, if any. */
export function imageLinkAt(text: string, offset: number): ImageLinkMatch | undefined {
  return findImageLinks(text).find((link) => link.start <= offset && offset < link.end);
}
