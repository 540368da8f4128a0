import * as path from 'node:path';
import { markdownImageLink, relativeLinkPath } from '../assets/markdownLink';
import { relativePathInside } from '../assets/pathContainment';
import type { AltTextSource, LinkPathStyle } from '../host/settings';

export interface LinkContext {
  /** Absolute path of the markdown document the link goes into; absent for "Copy Markdown Link" without one. */
  documentPath: string | undefined;
  workspaceFolder: string;
  altText: AltTextSource;
  linkPathStyle: LinkPathStyle;
}

/**
 * The markdown for a saved image: relative to the document (`/` separators, `<…>` where needed,
 * SEC-13), or from the workspace folder's root (`/assets/…`, as VS Code's preview resolves it)
 * when the setting asks for that. Without a document, the path is relative to the workspace folder.
 */
export function imageLinkMarkdown(file: string, prompt: string, context: LinkContext): string {
  const altText = context.altText === 'fileName' ? path.parse(file).name : prompt;
  if (context.linkPathStyle === 'relativeToDocument' && context.documentPath !== undefined) {
    return markdownImageLink(altText, relativeLinkPath(context.documentPath, file));
  }
  const fromRoot = relativePathInside(context.workspaceFolder, file);
  if (fromRoot === undefined) throw new RangeError(`${file} is not inside ${context.workspaceFolder}.`);
  return markdownImageLink(altText, context.linkPathStyle === 'relativeToWorkspaceFolder' ? `/${fromRoot}` : fromRoot);
}
