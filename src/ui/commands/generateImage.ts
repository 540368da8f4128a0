import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';
import { parseGenerateArgument, runRequestFor } from '../generateArgument';
import type { RunResult } from '../generationRunner';
import { runPaletteGeneration, type PaletteDependencies } from '../paletteFlow';
import { requireTrustedWorkspace } from '../workspaceTrust';

/**
 * `oxenImageStudio.generateImage`: without an argument (or with the Uri a menu passes), the
 * palette flow, which tells where the file went; with an argument object, no UI at all: the
 * image is linked only where `insert` says, and errors are thrown to the caller.
 */
export function generateImageCommand(deps: PaletteDependencies) {
  return async (argument?: unknown): Promise<RunResult | undefined> => {
    if (argument === undefined || argument instanceof vscode.Uri) {
      await runPaletteGeneration(deps, false);
      return undefined;
    }
    requireTrustedWorkspace();
    const parsed = parseGenerateArgument(COMMANDS.generateImage, argument);
    return deps.runner.run(runRequestFor(COMMANDS.generateImage, parsed, { kind: 'none', forDocument: undefined }));
  };
}
