import * as vscode from 'vscode';
import type { PaletteMemory } from '../host/paletteMemory';
import { readDefaultModel } from '../host/settings';
import { describeParameters } from '../oxen/modelParameters';
import { describeError, showError } from './errorReporting';
import type { GenerationRunner, Placement } from './generationRunner';
import type { ModelCatalog } from './modelCatalog';
import { initialChoices, pickOptions } from './optionsPick';
import { pickPrompt } from './promptPick';
import type { GenerationInput } from './requestBuilder';

export interface PaletteDependencies {
  runner: GenerationRunner;
  catalog: ModelCatalog;
  memory: PaletteMemory;
}

function selectedText(editor: vscode.TextEditor | undefined): string {
  return editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).trim() : '';
}

/** Prompt, then options; undefined when the user backed out. */
async function askForInput(deps: PaletteDependencies, initialPrompt: string): Promise<GenerationInput | undefined> {
  const prompt = await pickPrompt(initialPrompt, deps.memory.recentPrompts());
  if (!prompt) return undefined;
  const modelId = readDefaultModel();
  const model = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Loading {0}…', modelId) }, () =>
    deps.catalog.get(modelId),
  );
  const descriptors = describeParameters(model.id, model.parameterSchema);
  const choices = await pickOptions(model, descriptors, initialChoices(descriptors, deps.memory.lastChoices(model.id)));
  if (!choices) return undefined;
  await deps.memory.rememberPrompt(prompt);
  await deps.memory.rememberChoices(model.id, choices);
  const params = Object.fromEntries(Object.entries(choices.values).filter(([, value]) => value !== undefined));
  if (choices.seed !== 'random') params.seed = choices.seed;
  return { prompt, model: model.id, params, count: choices.count };
}

/**
 * The interactive flow of both generate commands. Problems are shown with their actions (Set API
 * Key, Open Settings, Manage Workspace Trust), not thrown: nobody is there to catch them.
 */
export async function runPaletteGeneration(deps: PaletteDependencies, here: boolean): Promise<void> {
  try {
    await deps.runner.checkReady();
    const editor = vscode.window.activeTextEditor;
    if (here && !editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a markdown document and put the cursor where the image should go.'));
      return;
    }
    const input = await askForInput(deps, selectedText(editor));
    if (!input) return;
    const placement: Placement =
      here && editor
        ? { kind: 'link', uri: editor.document.uri, position: editor.selection.active }
        : { kind: 'none', forDocument: editor?.document.uri };
    await deps.runner.run({ ...input, placement, interactive: true, wait: false });
  } catch (error) {
    showError(describeError(error));
  }
}
