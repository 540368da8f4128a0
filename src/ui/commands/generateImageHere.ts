import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { parseGenerateArgument, runRequestFor } from '../generateArgument';
import type { Placement, RunResult } from '../generationRunner';
import { runPaletteGeneration, type PaletteDependencies } from '../paletteFlow';
import { requireTrustedWorkspace } from '../workspaceTrust';

/** Where "here" is for a call with an argument that does not say: the active editor's cursor. */
function cursorPlacement(): Placement {
  const editor = vscode.window.activeTextEditor;
  return editor
    ? { kind: 'link', uri: editor.document.uri, position: editor.selection.active }
    : { kind: 'none', forDocument: undefined };
}

/**
 * `oxenImageStudio.generateImageHere`: like Generate Image, with the result linked at the cursor
 * of the active markdown document (a placeholder shows at once). The editor context menu passes
 * the document's Uri, which counts as no argument.
 */
export function generateImageHereCommand(deps: PaletteDependencies) {
  return async (argument?: unknown): Promise<RunResult | undefined> => {
    if (argument === undefined || argument instanceof vscode.Uri) {
      await runPaletteGeneration(deps, true);
      return undefined;
    }
    requireTrustedWorkspace();
    const parsed = parseGenerateArgument(COMMANDS.generateImageHere, argument);
    return deps.runner.run(runRequestFor(COMMANDS.generateImageHere, parsed, cursorPlacement()));
  };
}
