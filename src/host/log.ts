import * as vscode from 'vscode';

/** What the rest of the extension may write to the log: every line passes through redaction. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const REDACTED = '[redacted]';
/** An `Authorization: Bearer …` value, wherever some message happens to quote one. */
const BEARER_TOKEN = /\b(Bearer\s+)[^\s"',;]+/gi;
/** Keys shorter than this are not worth hunting for in text: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

/**
 * The "Oxen Image Studio" log channel. No message reaches it without the API keys it has been
 * told about, and anything shaped like a bearer token, replaced (SEC-05): a key must never end up
 * in a log a user pastes into a bug report.
 */
export class RedactingLog implements Log, vscode.Disposable {
  private readonly channel: vscode.LogOutputChannel;
  private readonly secrets = new Set<string>();

  constructor(name: string) {
    this.channel = vscode.window.createOutputChannel(name, { log: true });
  }

  /** Registers a value that must never be written (the key from SecretStorage or the environment). */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
  }

  private redact(text: string): string {
    let result = text.replace(BEARER_TOKEN, `$1${REDACTED}`);
    for (const secret of this.secrets) result = result.split(secret).join(REDACTED);
    return result;
  }

  info(message: string): void {
    this.channel.info(this.redact(message));
  }

  warn(message: string): void {
    this.channel.warn(this.redact(message));
  }

  error(message: string): void {
    this.channel.error(this.redact(message));
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
