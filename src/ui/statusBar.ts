import * as vscode from 'vscode';
import type { GenerationView } from '../generation/generationEvents';
import type { LiveUpdates } from '../generation/liveUpdates';
import { COMMANDS } from './commandIds';
import { unfinished } from './queueState';

/** Context key for `when` clauses: true while any image is on its way. */
const GENERATING_CONTEXT_KEY = 'oxenImageStudio.generating';

/** Shows how many images are in flight; a click opens the queue, where each can be cancelled. */
export class GenerationStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('oxenImageStudio.queue', vscode.StatusBarAlignment.Left, 10);
  private shownCount = -1;
  private live: LiveUpdates = { mode: 'stream' };

  constructor() {
    this.item.name = vscode.l10n.t('Oxen Image Studio Queue');
    this.item.command = COMMANDS.cancelGeneration;
  }

  /** What the tooltip says now (tests read it). */
  get tooltipText(): string | undefined {
    return typeof this.item.tooltip === 'string' ? this.item.tooltip : undefined;
  }

  /** How results arrive now: said in the tooltip, so a user behind a difficult network knows why it is slower. */
  setLiveUpdates(live: LiveUpdates): void {
    this.live = live;
    if (this.shownCount > 0) this.item.tooltip = this.tooltip(this.shownCount);
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
    this.item.tooltip = this.tooltip(count);
    const label = count === 1 ? vscode.l10n.t('1 image generating') : vscode.l10n.t('{0} images generating', count);
    this.item.accessibilityInformation = { label, role: 'button' };
    this.item.show();
  }

  private tooltip(count: number): string {
    const generating =
      count === 1
        ? vscode.l10n.t('Oxen Image Studio: 1 image generating. Click to see the queue and cancel.')
        : vscode.l10n.t('Oxen Image Studio: {0} images generating. Click to see the queue and cancel.', count);
    return `${generating}\n${liveUpdatesText(this.live)}`;
  }

  dispose(): void {
    void vscode.commands.executeCommand('setContext', GENERATING_CONTEXT_KEY, false);
    this.item.dispose();
  }
}

/** REL-14: which way results arrive, and why, in the user's words. */
export function liveUpdatesText(live: LiveUpdates): string {
  if (live.mode === 'stream') return vscode.l10n.t('Live updates: event stream.');
  const seconds = Math.round(live.intervalMs / 1000);
  switch (live.reason) {
    case 'setting':
      return vscode.l10n.t('Live updates: polling every {0} s, as {1} asks.', seconds, 'oxenImageStudio.delivery');
    case 'stream-down':
      return vscode.l10n.t('Live updates: polling every {0} s while the event stream reconnects.', seconds);
    case 'stream-refused':
      return live.refusal?.contentType === 'text/html'
        ? vscode.l10n.t('Live updates: polling every {0} s; the event stream is not getting through on this network (a web page answered instead, as a captive portal or proxy login does).', seconds)
        : vscode.l10n.t('Live updates: polling every {0} s; the event stream is not getting through on this network.', seconds);
    case 'stream-silent':
      return vscode.l10n.t('Live updates: polling every {0} s; the event stream went silent, as it does behind a proxy that buffers it.', seconds);
    case 'missed-completion':
      return vscode.l10n.t('Live updates: polling every {0} s; the event stream missed a finished image, as it does behind a proxy that filters it.', seconds);
  }
}
