import * as vscode from 'vscode';
import type { GenerationView } from '../generation/generationEvents';
import { COMMANDS } from './commandIds';
import { unfinished } from './queueState';

/** Context key for `when` clauses: true while any image is on its way. */
const GENERATING_CONTEXT_KEY = 'oxenImageStudio.generating';

/** Shows how many images are in flight; a click opens the queue, where each can be cancelled. */
export class GenerationStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('oxenImageStudio.queue', vscode.StatusBarAlignment.Left, 10);
  private shownCount = -1;

  constructor() {
    this.item.name = vscode.l10n.t('Oxen Image Studio Queue');
    this.item.command = COMMANDS.cancelGeneration;
  }

  update(views: readonly GenerationView[]): void {
    const count = unfinished(views).length;
    if (count === this.shownCount) return;
    this.shownCount = count;
    void vscode.commands.executeCommand('setContext', GENERATING_CONTEXT_KEY, count > 0);
    if (count === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(loading~spin) ${count}`;
    this.item.tooltip =
      count === 1
        ? vscode.l10n.t('Oxen Image Studio: 1 image generating. Click to see the queue and cancel.')
        : vscode.l10n.t('Oxen Image Studio: {0} images generating. Click to see the queue and cancel.', count);
    const label = count === 1 ? vscode.l10n.t('1 image generating') : vscode.l10n.t('{0} images generating', count);
    this.item.accessibilityInformation = { label, role: 'button' };
    this.item.show();
  }

  dispose(): void {
    void vscode.commands.executeCommand('setContext', GENERATING_CONTEXT_KEY, false);
    this.item.dispose();
  }
}
