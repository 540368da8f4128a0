import * as vscode from 'vscode';

/**
 * A cancellable notification that lasts until the request is done; cancelling it cancels the
 * request's generations that are still on their way.
 */
export function showRequestProgress(title: string, done: Promise<unknown>, cancel: () => Promise<void>): void {
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_progress, token) => {
    const subscription = token.onCancellationRequested(() => void cancel());
    try {
      await done.catch(() => undefined); // the outcome itself is reported by the result handler
    } finally {
      subscription.dispose();
    }
  });
}
