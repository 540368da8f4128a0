import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry, HistoryStore } from '../../host/historyStore';
import type { Log } from '../../host/log';
import { applyAndKeepSavedState, LINK_SEPARATOR, openDocument } from '../placeholders';

/**
 * The last step of "Regenerate in Place" and "Vary → Replace this link", run by the result
 * handler once the new image is saved under its own name. Until then the old file and the old
 * link stay untouched, so a failure loses nothing. Both steps can run again after a reload.
 */

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Moves the saved image over the file it regenerates and returns where the image now is. A new
 * image of another type (the model now answers JPEG) keeps its own name: the extension must match
 * the bytes (SEC-12); the user is told.
 */
export async function replaceRegeneratedFile(saved: string, replaced: string, log: Log): Promise<string> {
  if (path.extname(saved).toLowerCase() !== path.extname(replaced).toLowerCase()) {
    log.warn(`Regenerated image ${saved} has another type than ${replaced}; both are kept.`);
    void vscode.window.showWarningMessage(
      vscode.l10n.t('The new image is of another type, so it was saved as {0} and {1} was kept.', vscode.workspace.asRelativePath(saved), vscode.workspace.asRelativePath(replaced)),
    );
    return saved;
  }
  try {
    // One atomic rename, like every save (REL-09): the old name never lacks a complete image.
    // workspace.fs.rename with overwrite deletes the target first. The core saves on this host's disk anyway.
    await fs.rename(saved, replaced);
  } catch (error) {
    // Delivered again after a reload that came after the move: the new image is already in place.
    if (!(await exists(saved)) && (await exists(replaced))) return replaced;
    throw error;
  }
  log.info(`Regenerated ${replaced} in place.`);
  return replaced;
}

/** The entries of images the regenerated one replaced: their file now holds another image. */
export async function forgetReplacedEntries(history: HistoryStore, current: HistoryEntry): Promise<void> {
  const replaced = history
    .list()
    .filter((entry) => entry.file === current.file && entry.workspaceFolder === current.workspaceFolder && entry.generationId !== current.generationId);
  for (const entry of replaced) await history.remove(entry.generationId);
}

/** Removes `oldLink` where the new link was placed right after it; nothing when the user changed that text meanwhile. */
export async function dropReplacedLink(documentUri: string, oldLink: string, newLink: string): Promise<void> {
  const document = await openDocument(documentUri);
  if (!document) return;
  await applyAndKeepSavedState(document, () => {
    const index = document.getText().indexOf(oldLink + LINK_SEPARATOR + newLink);
    if (index < 0) return undefined;
    const edit = new vscode.WorkspaceEdit();
    edit.delete(document.uri, new vscode.Range(document.positionAt(index), document.positionAt(index + oldLink.length + LINK_SEPARATOR.length)));
    return edit;
  });
}
