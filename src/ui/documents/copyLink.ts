import * as vscode from 'vscode';
import type { HistoryEntry } from '../../host/historyStore';
import { historyEntryPath, historyImageLink } from '../historyFiles';
import type { CopiedLinks } from './copiedLinks';

/**
 * The gallery's "Copy markdown link": the link for `document` (the active markdown document, if
 * any) on the clipboard, through `vscode.env.clipboard` only (works in remote windows), and
 * remembered so that pasting it into markdown goes through the paste provider.
 */
export async function copyHistoryLink(entry: HistoryEntry, file: string, document: vscode.TextDocument | undefined, copiedLinks: CopiedLinks): Promise<string> {
  const link = historyImageLink(entry, file, document);
  await vscode.env.clipboard.writeText(link);
  copiedLinks.remember(link, entry.generationId);
  vscode.window.setStatusBarMessage(vscode.l10n.t('Markdown link copied.'), 3000);
  return link;
}

/** The same for the history entry `generationId`, with no document (the test API's "Copy markdown link"). */
export async function copyHistoryLinkById(history: { list(): readonly HistoryEntry[] }, generationId: string, copiedLinks: CopiedLinks): Promise<string | undefined> {
  const entry = history.list().find((candidate) => candidate.generationId === generationId);
  const file = entry && historyEntryPath(entry);
  return entry && file ? copyHistoryLink(entry, file, undefined, copiedLinks) : undefined;
}
