import * as vscode from 'vscode';
import type { ApiKeyStore } from '../../host/apiKeyStore';
import { COMMANDS } from '../commandIds';

/** Why a typed key cannot be right, or undefined when it looks like one. */
function apiKeyProblem(candidate: string): string | undefined {
  const key = candidate.trim();
  if (key === '') return vscode.l10n.t('Enter your Oxen API key.');
  if (/\s/.test(key)) return vscode.l10n.t('An API key has no spaces or line breaks.');
  return undefined;
}

/** A key passed as `{ key }` by a setup script or another extension, checked like a typed one. */
function keyFromArgument(argument: unknown): string {
  const key = typeof argument === 'object' && argument !== null ? (argument as { key?: unknown }).key : undefined;
  const problem = typeof key === 'string' ? apiKeyProblem(key) : vscode.l10n.t('expected {0}', '{ key: string }');
  // The message never quotes the argument: it may be a key.
  if (problem !== undefined || typeof key !== 'string') {
    throw new Error(vscode.l10n.t('Invalid argument for {0}: {1}', COMMANDS.setApiKey, problem ?? ''));
  }
  return key.trim();
}

/**
 * `oxenImageStudio.setApiKey`: asks for the key in a password box (or takes `{ key }`) and keeps
 * it in VS Code's SecretStorage only (SEC-05). Returns nothing, so the key never travels back.
 */
export function setApiKeyCommand(store: ApiKeyStore) {
  return async (argument?: unknown): Promise<void> => {
    if (argument !== undefined) {
      await store.set(keyFromArgument(argument));
      return;
    }
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('Oxen Image Studio: Set API Key'),
      prompt: vscode.l10n.t('Paste your Oxen API key (hub.oxen.ai → your profile → API Keys). It is kept in VS Code’s secret storage.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: apiKeyProblem,
    });
    if (typed === undefined) return;
    await store.set(typed.trim());
    void vscode.window.showInformationMessage(vscode.l10n.t('Oxen API key saved in VS Code’s secret storage.'));
  };
}
