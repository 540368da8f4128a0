import * as vscode from 'vscode';
import { API_KEY_ENVIRONMENT_VARIABLE, type ApiKeyStore } from '../../host/apiKeyStore';

/** `oxenImageStudio.clearApiKey`: forgets the stored key, and says if the environment still provides one. */
export function clearApiKeyCommand(store: ApiKeyStore) {
  return async (): Promise<void> => {
    await store.clear();
    const stillSet = (await store.source()) === 'environment';
    void vscode.window.showInformationMessage(
      stillSet
        ? vscode.l10n.t('The stored Oxen API key was removed. {0} from the environment is still used.', API_KEY_ENVIRONMENT_VARIABLE)
        : vscode.l10n.t('The stored Oxen API key was removed.'),
    );
  };
}
