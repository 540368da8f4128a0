import * as vscode from 'vscode';
import type { GenerationRecord } from '../../assets/generationRecord';
import { STUDIO_VIEW_ID } from '../sidebar/ids';
import type { StudioInbox } from '../sidebar/inbox';
import { parseRecallArgument } from './recallArgument';
import { historyEntryFor, imageName, lookupRecord, type HistoryReader } from './recordLookup';

/**
 * Recall actions that only need the sidebar: "Load into Sidebar" (also the Explorer's
 * "Regenerate Like This") and "Show in Gallery". No core: the sidebar takes it from here.
 */

export interface SidebarRecallDeps {
  history: HistoryReader;
  inbox: StudioInbox;
}

/** The image's record, or undefined after telling the user plainly that we did not make it. */
export async function recordOrExplain(image: vscode.Uri, history: HistoryReader): Promise<GenerationRecord | undefined> {
  let record: GenerationRecord | undefined;
  try {
    record = await lookupRecord(image, history);
  } catch (error) {
    throw new Error(vscode.l10n.t('Cannot read {0}: {1}', vscode.workspace.asRelativePath(image), (error as Error).message));
  }
  if (!record) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('{0} was not made by Oxen Image Studio: it carries no generation info and is not in this workspace’s history.', imageName(image)),
    );
  }
  return record;
}

/** Shows the error too: a hover's or CodeLens's command link drops a rejection silently. */
function reportingErrors(command: (argument?: unknown) => Promise<boolean>) {
  return async (argument?: unknown): Promise<boolean> => {
    try {
      return await command(argument);
    } catch (error) {
      void vscode.window.showErrorMessage(error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
}

async function revealSidebar(): Promise<void> {
  await vscode.commands.executeCommand(`${STUDIO_VIEW_ID}.focus`);
}

/** Puts the image's prompt, model and parameters into the sidebar's form; resolves to whether it could. */
export function loadIntoSidebarCommand(commandId: string, deps: SidebarRecallDeps) {
  return reportingErrors(async (argument?: unknown): Promise<boolean> => {
    const { image } = parseRecallArgument(commandId, argument);
    const record = await recordOrExplain(image, deps.history);
    if (!record) return false;
    deps.inbox.post({ type: 'loadDraft', model: record.model, params: { ...record.params, prompt: record.prompt } });
    await revealSidebar();
    return true;
  });
}

/** Shows the image's entry in the sidebar's gallery; resolves to whether the gallery has it. */
export function showInGalleryCommand(commandId: string, deps: SidebarRecallDeps) {
  return reportingErrors(async (argument?: unknown): Promise<boolean> => {
    const { image } = parseRecallArgument(commandId, argument);
    const record = await recordOrExplain(image, deps.history);
    if (!record) return false;
    const entry =
      deps.history.list().find((candidate) => record.generationId !== undefined && candidate.generationId === record.generationId) ??
      historyEntryFor(image, deps.history);
    if (!entry) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('{0} was made by Oxen Image Studio in another workspace, so this workspace’s gallery does not list it.', imageName(image)),
      );
      return false;
    }
    deps.inbox.post({ type: 'showInGallery', generationId: entry.generationId, filter: entry.file });
    await revealSidebar();
    return true;
  });
}
