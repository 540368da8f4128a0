import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';

/**
 * Says why the core could not start (almost always a setting, e.g. an invalid base URL), with
 * the way to fix it. Lives in the always-loaded part, so it cannot use the core's error classes:
 * a `setting` property is what marks a settings problem.
 */
export function showCoreLoadFailure(error: unknown): void {
  const setting = (error as { setting?: unknown } | undefined)?.setting;
  const openSettings = vscode.l10n.t('Open Settings');
  const showLog = vscode.l10n.t('Show Log');
  const message = vscode.l10n.t('Oxen Image Studio could not start: {0}', error instanceof Error ? error.message : String(error));
  const actions = typeof setting === 'string' ? [openSettings, showLog] : [showLog];
  void vscode.window.showErrorMessage(message, ...actions).then((picked) => {
    if (picked === openSettings) void vscode.commands.executeCommand('workbench.action.openSettings', setting);
    if (picked === showLog) void vscode.commands.executeCommand(COMMANDS.showLog);
  });
}
