import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { findImageLinkTo, markdownImageLink } from '../assets/markdownLink';

/**
 * The placeholder a document shows while its image is being made:
 *
 *   ![Generating: a red fox in the snow…](oxen-image-studio-pending/3f2a…)
 *
 * It is ordinary markdown (the preview shows the alt text), inserted as one undoable edit, and
 * found again by its unique token, never by an offset: the user keeps typing meanwhile, and after
 * a reload the text is all there is. When the image is saved the placeholder is replaced by the
 * link in one edit; on failure or cancel it is removed.
 */

const PENDING_PATH_PREFIX = 'oxen-image-studio-pending/';
/** Images of one request sit side by side: `![a](a.png) ![a](a-1.png)`. */
const LINK_SEPARATOR = ' ';

export function newRequestToken(): string {
  return randomUUID().replace(/-/g, '');
}

export function placeholderMarkdown(token: string, prompt: string): string {
  return markdownImageLink(vscode.l10n.t('Generating: {0}…', prompt), PENDING_PATH_PREFIX + token);
}

/** The placeholder's range, whatever the user did to its alt text meanwhile. */
function findPlaceholder(document: vscode.TextDocument, token: string): vscode.Range | undefined {
  const span = findImageLinkTo(document.getText(), PENDING_PATH_PREFIX + token);
  return span && new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
}

async function openDocument(uri: string): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri);
  if (open) return open;
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  } catch {
    return undefined; // deleted or moved meanwhile: the caller says where the file went instead
  }
}

/** Applies one edit; saves afterwards only a document that had no unsaved changes before it. */
async function applyAndKeepSavedState(document: vscode.TextDocument, edit: vscode.WorkspaceEdit): Promise<boolean> {
  const wasClean = !document.isDirty;
  if (!(await vscode.workspace.applyEdit(edit))) return false;
  if (wasClean && !document.isUntitled) await document.save();
  return true;
}

export async function insertPlaceholder(uri: vscode.Uri, position: vscode.Position, token: string, prompt: string): Promise<boolean> {
  const edit = new vscode.WorkspaceEdit();
  edit.insert(uri, position, placeholderMarkdown(token, prompt));
  return vscode.workspace.applyEdit(edit);
}

/**
 * Puts `link` where the placeholder is: in its place when it is the request's last image,
 * otherwise just before it (the placeholder stays for the images still coming). Returns false
 * when the placeholder is gone (the user deleted it, or the document is gone).
 */
export async function placeLink(documentUri: string, token: string, link: string, last: boolean): Promise<boolean> {
  const document = await openDocument(documentUri);
  const range = document && findPlaceholder(document, token);
  if (!document || !range) return false;
  const edit = new vscode.WorkspaceEdit();
  if (last) edit.replace(document.uri, range, link);
  else edit.insert(document.uri, range.start, link + LINK_SEPARATOR);
  return applyAndKeepSavedState(document, edit);
}

/** Text ending in an image link and the separator `placeLink` wrote after it. */
const LINK_AND_SEPARATOR_BEFORE = new RegExp(`!\\[[^\\n]*\\]\\([^)\\n]*\\)${LINK_SEPARATOR}$`);

/**
 * Removes the placeholder (failure, cancel, or an enqueue Oxen refused), and the separator after
 * an image of the same request placed before it, so no trailing space is left behind.
 */
export async function removePlaceholder(documentUri: string, token: string): Promise<void> {
  const document = await openDocument(documentUri);
  const range = document && findPlaceholder(document, token);
  if (!document || !range) return;
  const lineBefore = document.lineAt(range.start.line).text.slice(0, range.start.character);
  const start = LINK_AND_SEPARATOR_BEFORE.test(lineBefore) ? range.start.translate(0, -LINK_SEPARATOR.length) : range.start;
  const edit = new vscode.WorkspaceEdit();
  edit.delete(document.uri, new vscode.Range(start, range.end));
  await applyAndKeepSavedState(document, edit);
}

/** Whether the document already holds `text` (a link delivered again after a reload). */
export async function documentContains(documentUri: string, text: string): Promise<boolean> {
  const document = await openDocument(documentUri);
  return document?.getText().includes(text) ?? false;
}
