import * as vscode from 'vscode';

/** What other parts of the extension ask the studio sidebar to show (recall, Explorer). */
export type StudioRequest =
  | { type: 'loadDraft'; model: string; params: Record<string, unknown> }
  | { type: 'showInGallery'; generationId: string; filter: string };

/**
 * Holds the latest request until the sidebar's webview is ready for it: the view may not be
 * resolved yet (it is created on first show), or be reloading. Only the latest request counts,
 * as only the latest click does. Light: lives in the activation bundle.
 */
export class StudioInbox implements vscode.Disposable {
  private pending: StudioRequest | undefined;
  private readonly posted = new vscode.EventEmitter<void>();
  readonly onDidPost = this.posted.event;

  post(request: StudioRequest): void {
    this.pending = request;
    this.posted.fire();
  }

  take(): StudioRequest | undefined {
    const request = this.pending;
    this.pending = undefined;
    return request;
  }

  dispose(): void {
    this.posted.dispose();
  }
}
