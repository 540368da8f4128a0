import * as vscode from 'vscode';
import { paramsWithoutPrompt, type GenerationRecord } from '../../assets/generationRecord';
import { findImageLinks } from '../../assets/imageLinkAt';
import { COMMANDS } from '../commandIds';
import { describeError, showError } from '../errorReporting';
import type { GenerationRunner, RunResult } from '../generationRunner';
import { InvalidRequestError } from '../userErrors';
import { parseRecallArgument, type ParsedRecall, type VaryMode } from './recallArgument';
import { imageName, linkTarget, type HistoryReader } from './recordLookup';
import { recordOrExplain } from './sidebarRecall';

/**
 * The recall actions that make a new image (core chunk: they need the runner). The new image is
 * always saved under a name of its own first; what it replaces (a file, a link) is journaled
 * with the request and replaced by the result handler only once the image is saved.
 */

export interface RecallRunDeps {
  runner: GenerationRunner;
  history: HistoryReader;
  /** Remembers the last "Vary" choice (global: it is a habit, not a workspace setting). */
  memento: vscode.Memento;
}

const VARY_MODE_KEY = 'oxenImageStudio.recall.varyMode';

async function confirmRegenerate(image: vscode.Uri, record: GenerationRecord): Promise<boolean> {
  const regenerate = vscode.l10n.t('Regenerate');
  const seed = record.params.seed;
  const choice = await vscode.window.showWarningMessage(
    vscode.l10n.t('Regenerate “{0}” in place?', imageName(image)),
    {
      modal: true,
      detail:
        (seed === undefined
          ? vscode.l10n.t('A new image is made with the same prompt, model and parameters.')
          : vscode.l10n.t('A new image is made with the same prompt, model and parameters (seed {0}).', String(seed))) +
        ' ' +
        vscode.l10n.t('It replaces the file once it is saved; until then the current image stays as it is.'),
    },
    regenerate,
  );
  return choice === regenerate;
}

/** The link the action was offered on, as the document has it now. */
async function currentLinkText(request: ParsedRecall): Promise<{ document: vscode.Uri; range: vscode.Range; text: string }> {
  if (!request.link) throw new InvalidRequestError(vscode.l10n.t('Invalid argument for {0}: {1}', COMMANDS.vary, vscode.l10n.t('document, line, start and end must name the link')));
  const document = await vscode.workspace.openTextDocument(request.link.document);
  const range = document.validateRange(request.link.range);
  const text = document.getText(range);
  const [link] = findImageLinks(text);
  const points = link && link.start === 0 && link.end === text.length && linkTarget(document.uri, link.path)?.toString() === request.image.toString();
  if (!points) throw new InvalidRequestError(vscode.l10n.t('The link has changed since the action was offered. Hover it again.'));
  return { document: document.uri, range, text };
}

async function pickVaryMode(memento: vscode.Memento): Promise<VaryMode | undefined> {
  const last = memento.get<VaryMode>(VARY_MODE_KEY) ?? 'beside';
  const items: Array<vscode.QuickPickItem & { mode: VaryMode }> = [
    { mode: 'beside', label: `$(add) ${vscode.l10n.t('Insert next to it')}`, detail: vscode.l10n.t('Both images stay linked, side by side.') },
    { mode: 'replace', label: `$(replace) ${vscode.l10n.t('Replace this link')}`, detail: vscode.l10n.t('The link points to the new image once it is saved; the old file stays.') },
  ];
  items.sort((a, b) => Number(b.mode === last) - Number(a.mode === last));
  items[0]!.description = vscode.l10n.t('last used');
  const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Vary: where does the new image go?') });
  if (picked) await memento.update(VARY_MODE_KEY, picked.mode);
  return picked?.mode;
}

/**
 * A hover's or CodeLens's command link drops a rejection silently, so the user is shown the error
 * (with its fix: Set API Key, Manage Workspace Trust…); a scripted caller still gets the rejection.
 */
function reportingErrors(command: (argument?: unknown) => Promise<RunResult | undefined>) {
  return async (argument?: unknown): Promise<RunResult | undefined> => {
    try {
      return await command(argument);
    } catch (error) {
      showError(describeError(error));
      throw error;
    }
  };
}

/** "Regenerate in Place": same prompt, model, parameters and seed; the file is replaced after a modal confirmation. */
export function regenerateInPlaceCommand(deps: RecallRunDeps) {
  return reportingErrors(async (argument?: unknown): Promise<RunResult | undefined> => {
    const request = parseRecallArgument(COMMANDS.regenerateInPlace, argument);
    const record = await recordOrExplain(request.image, deps.history);
    if (!record) return undefined;
    await deps.runner.checkReady();
    if (!request.skipConfirmation && !(await confirmRegenerate(request.image, record))) return undefined;
    const result = await deps.runner.run({
      prompt: record.prompt,
      model: record.model,
      params: paramsWithoutPrompt(record.params),
      count: 1,
      placement: { kind: 'none', forDocument: request.link?.document },
      interactive: true,
      wait: request.wait,
      replaces: { replacesFile: request.image.fsPath },
    });
    // The image was saved under a new name, then moved over the old file.
    return result.files ? { ...result, files: [vscode.workspace.asRelativePath(request.image, false)] } : result;
  });
}

/** "Vary": a new random seed; the new image is linked next to the old one or replaces its link. */
export function varyCommand(deps: RecallRunDeps) {
  return reportingErrors(async (argument?: unknown): Promise<RunResult | undefined> => {
    const request = parseRecallArgument(COMMANDS.vary, argument);
    const record = await recordOrExplain(request.image, deps.history);
    if (!record) return undefined;
    const link = await currentLinkText(request);
    await deps.runner.checkReady();
    const mode = request.mode ?? (await pickVaryMode(deps.memento));
    if (!mode) return undefined;
    const { seed: _seed, ...params } = paramsWithoutPrompt(record.params);
    void _seed;
    return deps.runner.run({
      prompt: record.prompt,
      model: record.model,
      params,
      count: 1,
      placement: { kind: 'link', uri: link.document, position: link.range.end, besideLink: true },
      interactive: true,
      wait: request.wait,
      replaces: mode === 'replace' ? { replacesLink: link.text } : undefined,
    });
  });
}
