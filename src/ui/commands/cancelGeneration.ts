import * as vscode from 'vscode';
import type { GenerationService } from '../../generation/service';
import type { Log } from '../../host/log';
import { COMMANDS } from '../commandIds';
import { describeError, showError } from '../errorReporting';
import { cancelId, unfinished } from '../queueState';
import { pickFromQueue } from '../queuePick';
import { InvalidRequestError } from '../userErrors';

/** `{ generationId }` or the id itself: what keybindings and other extensions may pass. */
function idFrom(argument: unknown): string {
  if (typeof argument === 'string' && argument.trim() !== '') return argument.trim();
  const id = (argument as { generationId?: unknown } | null)?.generationId;
  if (typeof argument === 'object' && typeof id === 'string' && id.trim() !== '') return id.trim();
  throw new InvalidRequestError(vscode.l10n.t('Invalid argument for {0}: give a generation id or {1}.', COMMANDS.cancelGeneration, '{ generationId }'));
}

/**
 * `oxenImageStudio.cancelGeneration`: with an id, cancels that generation and returns whether it
 * was cancelled; without one (palette, status bar), shows the queue to cancel from.
 */
export function cancelGenerationCommand(deps: { service: GenerationService; log: Log }) {
  return async (argument?: unknown): Promise<boolean | undefined> => {
    if (argument !== undefined) return deps.service.cancel(idFrom(argument));
    const inFlight = unfinished(deps.service.views());
    if (inFlight.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No image is being generated.'));
      return undefined;
    }
    const chosen = await pickFromQueue(inFlight);
    for (const view of chosen) {
      try {
        await deps.service.cancel(cancelId(view));
      } catch (error) {
        deps.log.warn(`Cancel of ${cancelId(view)} failed: ${(error as Error).message}`);
        showError(describeError(error));
      }
    }
    return undefined;
  };
}
