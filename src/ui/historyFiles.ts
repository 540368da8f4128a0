import * as path from 'node:path';
import * as vscode from 'vscode';
import { relativePathInside } from '../assets/pathContainment';
import type { HistoryEntry } from '../host/historyStore';
import { readAssetSettings } from '../host/settings';
import { imageLinkMarkdown } from './imageLink';

/** The workspace folder a history entry was saved in (by name; the only folder when there is one). */
export function historyEntryFolder(entry: HistoryEntry): vscode.WorkspaceFolder | undefined {
  const folders = vscode.workspace.workspaceFolders ?? [];
  return folders.find((folder) => folder.name === entry.workspaceFolder) ?? (folders.length === 1 ? folders[0] : undefined);
}

/** The entry's file, only if it resolves inside its workspace folder (history is stored state, not trusted input). */
export function historyEntryPath(entry: HistoryEntry): string | undefined {
  const folder = historyEntryFolder(entry);
  if (!folder || folder.uri.scheme !== 'file' || typeof entry.file !== 'string') return undefined;
  const absolute = path.join(folder.uri.fsPath, ...entry.file.split('/'));
  return relativePathInside(folder.uri.fsPath, absolute) === undefined ? undefined : absolute;
}

/**
 * The markdown link to the entry's `file` (from `historyEntryPath`) for `document` as the link
 * settings ask; without a document, relative to the image's workspace folder.
 */
export function historyImageLink(entry: HistoryEntry, file: string, document: vscode.TextDocument | undefined): string {
  const folder = historyEntryFolder(entry)!;
  const settings = readAssetSettings(document?.uri ?? folder.uri);
  return imageLinkMarkdown(file, entry.prompt, {
    documentPath: document && document.uri.scheme === 'file' ? document.uri.fsPath : undefined,
    workspaceFolder: folder.uri.fsPath,
    altText: settings.altText,
    linkPathStyle: settings.linkPathStyle,
  });
}
