import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveDestination } from '../../assets/destination';
import { numberedFileName } from '../../assets/fileName';
import { verifyInsideWorkspace } from '../../assets/pathContainment';
import type { HistoryEntry } from '../../host/historyStore';
import { readAssetSettings } from '../../host/settings';
import type { Log } from '../../host/log';
import { describeError, showError } from '../errorReporting';
import { historyEntryFolder, historyEntryPath, historyImageLink } from '../historyFiles';
import { imageLinkMarkdown } from '../imageLink';

/** What dropping or pasting a gallery image into a document amounts to. */
export interface HistoryImagePlacement {
  /** The markdown link, relative to the document as the link settings ask. */
  link: string;
  /** Creates the copy the link points to, when the image had to be copied; applied with the link, undone with it. */
  copy?: { uri: vscode.Uri; edit: vscode.WorkspaceEdit };
}

/** Why an image cannot be placed, in words a user can act on. */
export class PlacementError extends Error {}

/** No more numbered names than this are tried before giving up (the folder is then full of copies). */
const MAX_NAME_ATTEMPTS = 1000;

async function readIfExists(uri: vscode.Uri): Promise<Uint8Array | undefined> {
  try {
    return await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw error;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}

/**
 * The first free `name`, `name-1`, `name-2`… in `folder` (never an existing file: SEC-12), or an
 * existing one that already holds these bytes (dropping the same image twice makes one copy).
 */
async function copyTarget(folder: string, fileName: string, bytes: Uint8Array): Promise<{ file: string; exists: boolean }> {
  const extension = path.extname(fileName);
  const base = fileName.slice(0, fileName.length - extension.length);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const file = path.join(folder, numberedFileName(base, extension.slice(1), attempt));
    const existing = await readIfExists(vscode.Uri.file(file));
    if (existing === undefined) return { file, exists: false };
    if (sameBytes(existing, bytes)) return { file, exists: true };
  }
  throw new PlacementError(vscode.l10n.t('{0} holds too many copies of {1}.', folder, fileName));
}

/**
 * A gallery image dropped or pasted into `document`. The image is linked where it is when it
 * already lies in the folder the document's destination rules (`oxenImageStudio.assetDestination`,
 * else `markdown.copyFiles.destination`, else the default) name; otherwise (another folder, or
 * another workspace folder) it is copied there under a free name, and the copy is linked. Without
 * a workspace folder for the document (untitled, outside the workspace) nothing is copied and the
 * link is relative to the image's workspace folder, as "Copy markdown link" makes it.
 */
export async function placeHistoryImage(entry: HistoryEntry, document: vscode.TextDocument): Promise<HistoryImagePlacement> {
  const source = historyEntryPath(entry);
  const sourceFolder = historyEntryFolder(entry);
  if (source === undefined || sourceFolder === undefined) {
    throw new PlacementError(vscode.l10n.t('The image {0} is not in an open workspace folder.', entry.file));
  }
  const bytes = await readIfExists(vscode.Uri.file(source));
  if (bytes === undefined) throw new PlacementError(vscode.l10n.t('The image {0} was moved or deleted.', entry.file));

  const documentFolder = document.uri.scheme === 'file' ? vscode.workspace.getWorkspaceFolder(document.uri) : undefined;
  if (documentFolder === undefined) return { link: historyImageLink(entry, source, undefined) };
  const settings = readAssetSettings(document.uri);
  const workspaceFolder = documentFolder.uri.fsPath;
  const linkTo = (file: string) =>
    imageLinkMarkdown(file, entry.prompt, { documentPath: document.uri.fsPath, workspaceFolder, altText: settings.altText, linkPathStyle: settings.linkPathStyle });

  const destination = resolveDestination({
    workspaceFolder,
    documentPath: document.uri.fsPath,
    fileName: path.basename(source),
    ownTemplate: settings.assetDestination,
    markdownCopyFilesDestination: settings.markdownCopyFilesDestination,
  });
  const inPlace = sourceFolder.uri.toString() === documentFolder.uri.toString() && (!destination.ok || path.dirname(destination.absolutePath) === path.dirname(source));
  if (inPlace) return { link: linkTo(source) };
  if (!destination.ok) throw new PlacementError(vscode.l10n.t('The image cannot be copied next to this document: {0}', destination.reason));
  if (!vscode.workspace.isTrusted) throw new PlacementError(vscode.l10n.t('Trust this workspace to copy images into it.'));
  const contained = await verifyInsideWorkspace(destination.absolutePath, workspaceFolder, (candidate) => fs.realpath(candidate));
  if (!contained.ok) throw new PlacementError(vscode.l10n.t('The image cannot be copied next to this document: {0}', contained.reason));

  const target = await copyTarget(path.dirname(destination.absolutePath), path.basename(destination.absolutePath), bytes);
  if (target.exists) return { link: linkTo(target.file) };
  const uri = vscode.Uri.file(target.file);
  const edit = new vscode.WorkspaceEdit();
  // No `overwrite`: should a file appear under this name meanwhile, the edit fails instead (SEC-12).
  edit.createFile(uri, { contents: bytes });
  return { link: linkTo(target.file), copy: { uri, edit } };
}

export interface GalleryPlacementDeps {
  history: { list(): readonly HistoryEntry[] };
  log: Log;
}

/**
 * `placeHistoryImage` for the history entry `generationId`, for the drop and paste providers: an
 * unknown id gives nothing (the default drop or paste then applies), a failure is shown to the user.
 */
export async function placeGalleryImage(generationId: string, document: vscode.TextDocument, deps: GalleryPlacementDeps): Promise<HistoryImagePlacement | undefined> {
  const entry = deps.history.list().find((candidate) => candidate.generationId === generationId);
  if (!entry) return undefined;
  try {
    return await placeHistoryImage(entry, document);
  } catch (error) {
    deps.log.warn(`Could not place ${entry.file} in ${document.uri.fsPath}: ${(error as Error).message}`);
    showError(describeError(error));
    return undefined;
  }
}

/** How the drop or paste widget names the edit. */
export function placementTitle(placement: HistoryImagePlacement): string {
  return placement.copy ? vscode.l10n.t('Copy the image here and insert its link') : vscode.l10n.t('Insert the image link');
}
