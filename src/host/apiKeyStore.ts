import * as vscode from 'vscode';

/** The environment variable read when no key was set with "Set API Key". */
export const API_KEY_ENVIRONMENT_VARIABLE = 'OXEN_API_KEY';
const SECRET_NAME = 'oxenImageStudio.apiKey';

export type ApiKeySource = 'secret-storage' | 'environment';

/**
 * The Oxen API key: VS Code's SecretStorage first, `OXEN_API_KEY` from the environment as a
 * fallback. Nothing else ever stores it (SEC-05); every key read is handed to `onKeySeen` so the
 * log can redact it.
 */
export class ApiKeyStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly subscription: vscode.Disposable;
  /** Fires when the stored key is set or cleared, in this window or another one. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly env: NodeJS.ProcessEnv,
    private readonly onKeySeen: (key: string) => void,
  ) {
    this.subscription = secrets.onDidChange((event) => {
      if (event.key === SECRET_NAME) this.changed.fire();
    });
    const fromEnvironment = this.environmentKey();
    if (fromEnvironment) onKeySeen(fromEnvironment);
  }

  async get(): Promise<string | undefined> {
    return (await this.resolve())?.key;
  }

  async source(): Promise<ApiKeySource | undefined> {
    return (await this.resolve())?.source;
  }

  async set(key: string): Promise<void> {
    this.onKeySeen(key);
    await this.secrets.store(SECRET_NAME, key);
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_NAME);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  private async resolve(): Promise<{ key: string; source: ApiKeySource } | undefined> {
    const stored = (await this.secrets.get(SECRET_NAME))?.trim();
    if (stored) {
      this.onKeySeen(stored);
      return { key: stored, source: 'secret-storage' };
    }
    const fromEnvironment = this.environmentKey();
    return fromEnvironment ? { key: fromEnvironment, source: 'environment' } : undefined;
  }

  private environmentKey(): string | undefined {
    return this.env[API_KEY_ENVIRONMENT_VARIABLE]?.trim() || undefined;
  }
}
