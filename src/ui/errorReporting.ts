import * as vscode from 'vscode';
import type { FailureInfo } from '../generation/journal';
import { OxenError, OxenUnknownModelError } from '../oxen/errors';
import { SettingsError } from '../host/settings';
import { COMMANDS } from './commandIds';
import { MissingApiKeyError } from './userErrors';
import { UntrustedWorkspaceError } from './workspaceTrust';

export interface Action {
  title: string;
  run(): Thenable<unknown>;
}

interface Described {
  message: string;
  actions: Action[];
}

const setApiKeyAction = (): Action => ({
  title: vscode.l10n.t('Set API Key'),
  run: () => vscode.commands.executeCommand(COMMANDS.setApiKey),
});

const showLogAction = (): Action => ({
  title: vscode.l10n.t('Show Log'),
  run: () => vscode.commands.executeCommand(COMMANDS.showLog),
});

/** A user-facing sentence for each kind of failure; the core's English text is the detail. */
function messageForKind(kind: string, detail: string): string {
  switch (kind) {
    case 'unauthorized':
      return vscode.l10n.t('Oxen did not accept the API key. Set a valid key to continue.');
    case 'insufficient-credits':
      return vscode.l10n.t('Your Oxen account has run out of credits: {0}', detail);
    case 'invalid-params':
      return vscode.l10n.t('Oxen refused the parameters: {0}', detail);
    case 'rate-limited':
      return vscode.l10n.t('Oxen is limiting requests right now; try again in a moment. ({0})', detail);
    case 'network':
      return vscode.l10n.t('Could not reach Oxen: {0}', detail);
    case 'server':
      return vscode.l10n.t('Oxen had a problem: {0}', detail);
    case 'generation-failed':
      return vscode.l10n.t('Oxen could not generate the image: {0}', detail);
    case 'disk-full':
      return vscode.l10n.t('The disk is full, so the image could not be saved. Free some space, then choose Retry Download. ({0})', detail);
    case 'read-only-destination':
      return vscode.l10n.t(
        'The destination folder is read-only. Make it writable or change {0}, then choose Retry Download. ({1})',
        'oxenImageStudio.assetDestination',
        detail,
      );
    case 'destination-not-writable':
      return vscode.l10n.t(
        'VS Code may not write to the destination folder. Fix its permissions or change {0}, then choose Retry Download. ({1})',
        'oxenImageStudio.assetDestination',
        detail,
      );
    case 'file-system':
      return vscode.l10n.t('The image could not be saved; choose Retry Download to try again. ({0})', detail);
    case 'sync-interrupted':
      return vscode.l10n.t(
        'The window closed while Oxen was making this image. A synchronous request ({0} "sync") has no id until Oxen answers, so it cannot be recovered, and it may have been billed. Choose Retry to generate it again.',
        'oxenImageStudio.delivery',
      );
    case 'sync-unconfirmed':
      return vscode.l10n.t(
        'The connection broke before Oxen answered, so the image may have been made and billed without reaching you; a synchronous request has no id to look it up by. Choose Retry to generate it again. ({0})',
        detail,
      );
    case 'stuck':
      return vscode.l10n.t('The image was saved, but putting it in place took too long, so it was set aside. Choose Retry to finish. ({0})', detail);
    case 'sync-lost':
      return vscode.l10n.t('The image arrived, but the window closed before it was saved, and Oxen keeps no copy of a synchronous answer. Generate it again.');
    default:
      return detail;
  }
}

function actionsForKind(kind: string): Action[] {
  return kind === 'unauthorized' ? [setApiKeyAction()] : [showLogAction()];
}

/** The message and follow-up actions for anything a command can throw. */
export function describeError(error: unknown): Described {
  if (error instanceof MissingApiKeyError) return { message: error.message, actions: [setApiKeyAction()] };
  if (error instanceof UntrustedWorkspaceError) {
    return {
      message: error.message,
      actions: [{ title: vscode.l10n.t('Manage Workspace Trust'), run: () => vscode.commands.executeCommand('workbench.trust.manage') }],
    };
  }
  if (error instanceof SettingsError) {
    return {
      message: error.message,
      actions: [{ title: vscode.l10n.t('Open Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', error.setting) }],
    };
  }
  if (error instanceof OxenUnknownModelError) {
    return {
      message: vscode.l10n.t('Oxen does not know the model “{0}”. Check {1}.', error.model, 'oxenImageStudio.defaultModel'),
      actions: [{ title: vscode.l10n.t('Open Settings'), run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'oxenImageStudio.defaultModel') }],
    };
  }
  if (error instanceof OxenError) return { message: messageForKind(error.kind, error.message), actions: actionsForKind(error.kind) };
  return { message: error instanceof Error ? error.message : String(error), actions: [showLogAction()] };
}

/** Same, for a generation that failed after it was accepted. */
export function describeFailure(failure: FailureInfo): Described {
  return { message: messageForKind(failure.kind, failure.message), actions: actionsForKind(failure.kind) };
}

/** Shows an error notification with its actions; does not wait for the user. */
export function showError(described: Described, extraActions: Action[] = []): void {
  const actions = [...extraActions, ...described.actions];
  void vscode.window.showErrorMessage(described.message, ...actions.map((action) => action.title)).then((picked) => {
    void actions.find((action) => action.title === picked)?.run();
  });
}

