import type { AltTextSource, LinkPathStyle } from '../host/settings';

/**
 * Where the UI wants a request's images to go, stored with the request in the journal (the
 * core treats it as opaque), so the link still lands in the right place after a reload (REL-06).
 */
export interface RequestTarget {
  /** Unique per request: finds the placeholder in the document and the request's waiters. */
  token: string;
  /** The markdown document that holds the placeholder, when a link was asked for. */
  documentUri?: string;
  /** The markdown document the request was made for, linked or not (the gallery groups by it). */
  forDocumentUri?: string;
  /** How links to the images are written, decided when the request was made. */
  altText: AltTextSource;
  linkPathStyle: LinkPathStyle;
  /** Tell the user where the files went (interactive requests without a link). */
  announce: boolean;
  /** Regenerate in place: the absolute path of the file the new image replaces once saved. */
  replacesFile?: string;
  /** Vary, "replace this link": the link text that the new link (placed right after it) replaces once saved. */
  replacesLink?: string;
}

const ALT_TEXT_SOURCES: readonly string[] = ['prompt', 'fileName'] satisfies AltTextSource[];
const LINK_PATH_STYLES: readonly string[] = ['relativeToDocument', 'relativeToWorkspaceFolder'] satisfies LinkPathStyle[];

/** Reads a target back from the journal; anything malformed counts as no target. */
export function parseRequestTarget(value: unknown): RequestTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const target = value as Record<string, unknown>;
  if (typeof target.token !== 'string' || typeof target.announce !== 'boolean') return undefined;
  if (typeof target.altText !== 'string' || !ALT_TEXT_SOURCES.includes(target.altText)) return undefined;
  if (typeof target.linkPathStyle !== 'string' || !LINK_PATH_STYLES.includes(target.linkPathStyle)) return undefined;
  if (target.documentUri !== undefined && typeof target.documentUri !== 'string') return undefined;
  if (target.replacesFile !== undefined && typeof target.replacesFile !== 'string') return undefined;
  if (target.replacesLink !== undefined && typeof target.replacesLink !== 'string') return undefined;
  return {
    token: target.token,
    documentUri: target.documentUri,
    forDocumentUri: typeof target.forDocumentUri === 'string' ? target.forDocumentUri : undefined,
    altText: target.altText as AltTextSource,
    linkPathStyle: target.linkPathStyle as LinkPathStyle,
    announce: target.announce,
    ...(target.replacesFile !== undefined ? { replacesFile: target.replacesFile } : {}),
    ...(target.replacesLink !== undefined ? { replacesLink: target.replacesLink } : {}),
  };
}
