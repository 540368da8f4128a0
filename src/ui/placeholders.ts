import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { findImageLinkTo, markdownImageLink } from '../assets/markdownLink';
import { GENERATE_DESTINATION, inFlightDestination, markedPromptLinkDestination } from './documents/promptLinks';

/**
 * The placeholder a document shows while its image is being made:
 *
 *   ![Generating: a red fox in the snow…](oxen-image-studio-pending/3f2a…)
 *
 * It is ordinary markdown (the preview shows the alt text), inserted as one undoable edit, and
 * found again by its unique token, never by an offset: the user keeps typing meanwhile, and after
 * a reload the text is all there is. When the image is saved the placeholder is replaced by the
 * link in one edit; on failure or cancel it is removed.
 *
 * A prompt link the user wrote (`![a fox](oxen:generate?…)`, src/ui/documents/promptLinks.ts) is its own
 * placeholder once marked `oxen:generating/<token>`: on failure or cancel it gets its mark undone.
 */

const PENDING_PATH_PREFIX = 'oxen-image-studio-pending/';
/** Images of one request sit side by side: `![a](a.png) ![a](a-1.png)`. */
export const LINK_SEPARATOR = ' ';
/** How long an edit VS Code refused as stale is built and tried again (see applyToCurrentText). */
const STALE_EDIT_RETRY_MS = 5000;

export function newRequestToken(): string {
  return randomUUID().replace(/-/g, '');
}

export function placeholderMarkdown(token: string, prompt: string): string {
  return markdownImageLink(vscode.l10n.t('Generating: {0}…', prompt), PENDING_PATH_PREFIX + token);
}

/** The placeholder's range, whatever the user did to its alt text meanwhile. */
function findPlaceholder(document: vscode.TextDocument, token: string): vscode.Range | undefined {
  const text = document.getText();
  const span = findImageLinkTo(text, PENDING_PATH_PREFIX + token) ?? findImageLinkTo(text, markedPromptLinkDestination(text, token));
  return span && new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
}

export async function openDocument(uri: string): Promise<vscode.TextDocument | undefined> {
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri);
  if (open) return open;
  try {
    return await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  } catch {
    return undefined; // deleted or moved meanwhile: the caller says where the file went instead
  }
}

/**
 * Applies the edit `build` makes from the document's current text. VS Code refuses an edit made
 * against a document version that another edit changed meanwhile (the user typing, the
 * placeholder or link of another request landing first), so a refused edit is built again from
 * the newer text, after a short random wait that keeps concurrent writers from colliding in
 * step. False when `build` finds nothing to do or the edit keeps being refused.
 */
async function applyToCurrentText(build: () => vscode.WorkspaceEdit | undefined): Promise<boolean> {
  const deadline = Date.now() + STALE_EDIT_RETRY_MS;
  for (;;) {
    const edit = build();
    if (!edit) return false;
    if (await vscode.workspace.applyEdit(edit)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
}

/** Applies one edit; saves afterwards only a document that had no unsaved changes before it. */
export async function applyAndKeepSavedState(document: vscode.TextDocument, build: () => vscode.WorkspaceEdit | undefined): Promise<boolean> {
  const wasClean = !document.isDirty;
  if (!(await applyToCurrentText(build))) return false;
  if (wasClean && !document.isUntitled) await document.save();
  return true;
}

/** `besideLink`: `position` is right after a link, so the placeholder is separated from it (and the separator goes with it). */
export function insertPlaceholder(uri: vscode.Uri, position: vscode.Position, token: string, prompt: string, besideLink = false): Promise<boolean> {
  return applyToCurrentText(() => {
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, position, (besideLink ? LINK_SEPARATOR : '') + placeholderMarkdown(token, prompt));
    return edit;
  });
}

/**
 * Puts `link` where the placeholder is: in its place when it is the request's last image,
 * otherwise just before it (the placeholder stays for the images still coming). Returns false
 * when the placeholder is gone (the user deleted it, or the document is gone).
 */
export async function placeLink(documentUri: string, token: string, link: string, last: boolean): Promise<boolean> {
  const document = await openDocument(documentUri);
  if (!document) return false;
  return applyAndKeepSavedState(document, () => {
    const range = findPlaceholder(document, token);
    if (!range) return undefined;
    const edit = new vscode.WorkspaceEdit();
    if (last) edit.replace(document.uri, range, link);
    else edit.insert(document.uri, range.start, link + LINK_SEPARATOR);
    return edit;
  });
}

/** Text ending in an image link and the separator `placeLink` wrote after it. */
const LINK_AND_SEPARATOR_BEFORE = new RegExp(`!\\[[^\\n]*\\]\\([^)\\n]*\\)${LINK_SEPARATOR}$`);

/**
 * Removes the placeholder (failure, cancel, or an enqueue Oxen refused), and the separator after
 * an image of the same request placed before it, so no trailing space is left behind. A prompt
 * link is not removed: it is given back as the user wrote it.
 */
export async function removePlaceholder(documentUri: string, token: string): Promise<void> {
  const document = await openDocument(documentUri);
  if (!document) return;
  await applyAndKeepSavedState(document, () => {
    const range = findPlaceholder(document, token);
    if (!range) return undefined;
    const edit = new vscode.WorkspaceEdit();
    const mark = document.getText(range).indexOf(inFlightDestination(token));
    if (mark >= 0) {
      const markStart = document.positionAt(document.offsetAt(range.start) + mark);
      edit.replace(document.uri, new vscode.Range(markStart, markStart.translate(0, inFlightDestination(token).length)), GENERATE_DESTINATION);
      return edit;
    }
    const lineBefore = document.lineAt(range.start.line).text.slice(0, range.start.character);
    const start = LINK_AND_SEPARATOR_BEFORE.test(lineBefore) ? range.start.translate(0, -LINK_SEPARATOR.length) : range.start;
    edit.delete(document.uri, new vscode.Range(start, range.end));
    return edit;
  });
}

/** Whether the document already holds `text` (a link delivered again after a reload). */
export async function documentContains(documentUri: string, text: string): Promise<boolean> {
  const document = await openDocument(documentUri);
  return document?.getText().includes(text) ?? false;
}
