import * as vscode from 'vscode';
import { parseEmbeddedRecord, type GenerationRecord } from '../../assets/generationRecord';
import { InvalidPngError, PNG_TEXT_KEYWORD, readPngText } from '../../assets/pngText';
import type { HistoryEntry } from '../../host/historyStore';

/**
 * Reads what is known about an image: the metadata embedded in our PNGs first (it travels with
 * the file), then this workspace's history (the only source for JPEG and WebP). File I/O goes
 * through `vscode.workspace.fs`, so it works in remote workspaces; no network, no core.
 */

export interface HistoryReader {
  list(): readonly HistoryEntry[];
}

/** The history entry whose file is `image`, if any. */
export function historyEntryFor(image: vscode.Uri, history: HistoryReader): HistoryEntry | undefined {
  const folder = vscode.workspace.getWorkspaceFolder(image);
  if (!folder) return undefined;
  const relative = vscode.workspace.asRelativePath(image, false);
  return history.list().find((entry) => entry.file === relative && entry.workspaceFolder === folder.name);
}

function embeddedRecord(bytes: Uint8Array): GenerationRecord | undefined {
  try {
    const text = readPngText(bytes).get(PNG_TEXT_KEYWORD);
    return text === undefined ? undefined : parseEmbeddedRecord(text);
  } catch (error) {
    if (error instanceof InvalidPngError) return undefined; // named .png, but not one: the history may still know it
    throw error;
  }
}

function historyRecord(entry: HistoryEntry): GenerationRecord {
  return { generationId: entry.generationId, model: entry.model, prompt: entry.prompt, params: entry.params, created: entry.created, source: 'history' };
}

/**
 * The generation record of `image`, or undefined for an image not made by this extension.
 * Rejects (FileSystemError) when the file cannot be read, e.g. it does not exist.
 */
export async function lookupRecord(image: vscode.Uri, history: HistoryReader): Promise<GenerationRecord | undefined> {
  if (/\.png$/i.test(image.path)) {
    const embedded = embeddedRecord(await vscode.workspace.fs.readFile(image));
    if (embedded) return embedded;
  } else {
    await vscode.workspace.fs.stat(image);
  }
  const entry = historyEntryFor(image, history);
  return entry && historyRecord(entry);
}

/** The image's file name, for messages and titles. */
export function imageName(image: vscode.Uri): string {
  return image.path.slice(image.path.lastIndexOf('/') + 1);
}

/** What the hover and the info document say about an image we did not make. */
export function notMadeByUs(): string {
  return vscode.l10n.t('Not made by Oxen Image Studio: this image carries no generation info and is not in this workspace’s history.');
}

/** The file a link in `document` points to: relative to the document, or from its workspace folder's root for `/…`. */
export function linkTarget(document: vscode.Uri, linkPath: string): vscode.Uri | undefined {
  if (linkPath.startsWith('/')) {
    const folder = vscode.workspace.getWorkspaceFolder(document);
    return folder && vscode.Uri.joinPath(folder.uri, linkPath);
  }
  if (document.scheme === 'untitled') return undefined;
  return vscode.Uri.joinPath(document, '..', linkPath);
}
