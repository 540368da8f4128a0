import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { InvalidRequestError } from '../userErrors';

/**
 * The argument of the recall commands (hover and CodeLens actions; a public contract, like
 * generateImage's): `{ image, document?, line?, start?, end?, mode?, skipConfirmation?, wait? }`.
 * `image` is the image's URI; `document` and `line`/`start`/`end` name the link in a markdown
 * document (Vary needs it). The Explorer passes a bare `vscode.Uri`, which means `{ image }`.
 */
export interface RecallArgument {
  image: string;
  document?: string;
  line?: number;
  start?: number;
  end?: number;
  /** Vary: where the new image goes; asked when absent. */
  mode?: VaryMode;
  /** Regenerate in place: for scripted callers (and tests) that asked the user themselves; the hover never sets it. */
  skipConfirmation?: boolean;
  /** Resolve only once the new image is saved (and linked). */
  wait?: boolean;
}

export type VaryMode = 'beside' | 'replace';

export interface ParsedRecall {
  image: vscode.Uri;
  link: { document: vscode.Uri; range: vscode.Range } | undefined;
  mode: VaryMode | undefined;
  skipConfirmation: boolean;
  wait: boolean;
}

/** The actions offered on an image we made, in the order the hover and CodeLens show them. */
export const RECALL_ACTIONS = [
  { command: COMMANDS.regenerateInPlace, icon: 'refresh' },
  { command: COMMANDS.vary, icon: 'wand' },
  { command: COMMANDS.loadIntoSidebar, icon: 'go-to-file' },
  { command: COMMANDS.showInGallery, icon: 'library' },
] as const;

export function recallActionTitle(command: (typeof RECALL_ACTIONS)[number]['command']): string {
  switch (command) {
    case COMMANDS.regenerateInPlace:
      return vscode.l10n.t('Regenerate in Place');
    case COMMANDS.vary:
      return vscode.l10n.t('Vary');
    case COMMANDS.loadIntoSidebar:
      return vscode.l10n.t('Load into Sidebar');
    case COMMANDS.showInGallery:
      return vscode.l10n.t('Show in Gallery');
  }
}

/** The argument that names the link at `range` in `document`, pointing to `image`. */
export function linkArgument(image: vscode.Uri, document: vscode.Uri, range: vscode.Range): RecallArgument {
  return { image: image.toString(), document: document.toString(), line: range.start.line, start: range.start.character, end: range.end.character };
}

function invalid(commandId: string, detail: string): InvalidRequestError {
  return new InvalidRequestError(vscode.l10n.t('Invalid argument for {0}: {1}', commandId, detail));
}

function parseUri(commandId: string, field: string, value: unknown): vscode.Uri {
  if (typeof value !== 'string' || value === '') throw invalid(commandId, vscode.l10n.t('{0} must be a URI', field));
  try {
    return vscode.Uri.parse(value, true);
  } catch {
    throw invalid(commandId, vscode.l10n.t('{0} must be a URI', field));
  }
}

function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function parseRecallArgument(commandId: string, argument: unknown): ParsedRecall {
  if (argument instanceof vscode.Uri) return { image: argument, link: undefined, mode: undefined, skipConfirmation: false, wait: false };
  if (typeof argument !== 'object' || argument === null) throw invalid(commandId, vscode.l10n.t('expected {0}', '{ image, document?, line?, start?, end? }'));
  const value = argument as Record<string, unknown>;
  const image = parseUri(commandId, 'image', value.image);
  let link: ParsedRecall['link'];
  if (value.document !== undefined) {
    const document = parseUri(commandId, 'document', value.document);
    if (!isOffset(value.line) || !isOffset(value.start) || !isOffset(value.end) || value.end < value.start) {
      throw invalid(commandId, vscode.l10n.t('line, start and end must name the link in the document'));
    }
    link = { document, range: new vscode.Range(value.line, value.start, value.line, value.end) };
  }
  if (value.mode !== undefined && value.mode !== 'beside' && value.mode !== 'replace') throw invalid(commandId, vscode.l10n.t('mode must be "beside" or "replace"'));
  return { image, link, mode: value.mode, skipConfirmation: value.skipConfirmation === true, wait: value.wait === true };
}

/** A `command:` link target for markdown, with the argument encoded as VS Code expects. */
export function commandLink(command: string, argument: RecallArgument): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify([argument]))}`;
}
