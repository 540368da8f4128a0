import * as vscode from 'vscode';
import type { GenerationView, TerminalEvent } from '../generation/generationEvents';
import type { GenerationService } from '../generation/service';
import type { HistoryEntry, HistoryStore } from '../host/historyStore';
import type { Log } from '../host/log';
import { describeFailure, showError, type Action } from './errorReporting';
import { imageLinkMarkdown } from './imageLink';
import { documentContains, placeLink, removePlaceholder } from './placeholders';
import { dropReplacedLink, forgetReplacedEntries, replaceRegeneratedFile } from './recall/recallResults';
import { parseRequestTarget, type RequestTarget } from './requestTarget';
import type { RequestWaiters } from './requestWaiters';
import { announceSaved } from './savedNotification';

export interface ResultHandlerDependencies {
  service: GenerationService;
  history: HistoryStore;
  waiters: RequestWaiters;
  log: Log;
}

function eventKey(event: TerminalEvent): string {
  return event.generationId ?? event.submission.id;
}

function viewKey(view: GenerationView): string {
  return view.generationId ?? view.submissionId;
}

function promptOf(event: TerminalEvent): string {
  const prompt = event.submission.params.prompt;
  return typeof prompt === 'string' ? prompt : '';
}

/**
 * What happens when a generation ends, whoever started it and even after a reload: the saved
 * image is recorded in the history and linked where the placeholder is (or the user is told
 * where it went); a failure or cancel removes the placeholder and says why. Outcomes are handled
 * one at a time, so the images of one request never race for the same placeholder.
 */
export class ResultHandler {
  private queue: Promise<void> = Promise.resolve();
  /** Outcomes handled in this session; the journal forgets them only after every handler ran. */
  private readonly handled = new Set<string>();

  constructor(private readonly deps: ResultHandlerDependencies) {}

  readonly handle = (event: TerminalEvent): Promise<void> => {
    const next = this.queue.then(() => this.handleOne(event));
    this.queue = next.catch(() => undefined);
    return next;
  };

  private async handleOne(event: TerminalEvent): Promise<void> {
    const target = parseRequestTarget(event.submission.target);
    try {
      if (event.type === 'saved') await this.onSaved(event, target);
      else await this.onNotSaved(event, target);
    } finally {
      this.handled.add(eventKey(event));
      if (target) this.deps.waiters.handled(target.token, event);
    }
  }

  private async onSaved(event: Extract<TerminalEvent, { type: 'saved' }>, target: RequestTarget | undefined): Promise<void> {
    const saved = target?.replacesFile ? await replaceRegeneratedFile(event.file, target.replacesFile, this.deps.log) : event.file;
    const file = vscode.Uri.file(saved);
    const workspaceFolder = vscode.workspace.getWorkspaceFolder(file);
    const prompt = promptOf(event);
    const forDocument = target?.documentUri ?? target?.forDocumentUri;
    const entry: HistoryEntry = {
      generationId: event.generationId,
      model: event.submission.model,
      prompt,
      params: event.submission.params,
      file: vscode.workspace.asRelativePath(file, false),
      workspaceFolder: workspaceFolder?.name ?? '',
      created: new Date(event.submission.createdAt).toISOString(),
      ...(forDocument ? { document: vscode.workspace.asRelativePath(vscode.Uri.parse(forDocument), false) } : {}),
    };
    await this.deps.history.record(entry);
    this.deps.log.info(`Generation ${event.generationId} saved as ${saved}.`);
    if (saved === target?.replacesFile) {
      await forgetReplacedEntries(this.deps.history, entry);
      vscode.window.setStatusBarMessage(vscode.l10n.t('Regenerated {0}.', entry.file), 5000);
      return;
    }
    if (!target || !workspaceFolder) return;
    const documentUri = target.documentUri;
    const link = imageLinkMarkdown(saved, prompt, {
      documentPath: documentUri ? vscode.Uri.parse(documentUri).fsPath : undefined,
      workspaceFolder: workspaceFolder.uri.fsPath,
      altText: target.altText,
      linkPathStyle: target.linkPathStyle,
    });
    if (documentUri) {
      // Delivered again after a reload that came after the link was written: only what is left to do.
      if ((await placeLink(documentUri, target.token, link, !this.othersPending(event))) || (await documentContains(documentUri, link))) {
        if (target.replacesLink) await dropReplacedLink(documentUri, target.replacesLink, link);
        return;
      }
    }
    if (target.announce || documentUri) announceSaved(file, link);
  }

  private async onNotSaved(event: Exclude<TerminalEvent, { type: 'saved' }>, target: RequestTarget | undefined): Promise<void> {
    if (target?.documentUri && !this.othersPending(event)) await removePlaceholder(target.documentUri, target.token);
    if (event.type === 'cancelled') {
      this.deps.log.info(`Generation ${event.generationId} cancelled.`);
      if (target?.documentUri || target?.announce) void vscode.window.showInformationMessage(vscode.l10n.t('Image generation cancelled: {0}', promptOf(event)));
      return;
    }
    this.deps.log.warn(`Generation ${event.generationId ?? event.submission.id} failed (${event.failure.kind}): ${event.failure.message}`);
    showError(describeFailure(event.failure), event.failure.retryable ? this.retryActions(event) : []);
  }

  /**
   * A download that failed after Oxen made (and billed) the image can be tried again, and so can
   * a sync request that never got its answer (it is sent again).
   */
  private retryActions(event: Extract<TerminalEvent, { type: 'failed' }>): Action[] {
    const id = eventKey(event);
    return [
      { title: event.generationId ? vscode.l10n.t('Retry Download') : vscode.l10n.t('Retry'), run: () => this.deps.service.retry(id) },
      { title: vscode.l10n.t('Dismiss'), run: () => this.deps.service.dismiss(id) },
    ];
  }

  /**
   * Whether other images of the same request are still to come, so the placeholder must stay.
   * A download failure awaiting "Retry" does not hold the placeholder.
   */
  private othersPending(event: TerminalEvent): boolean {
    const own = eventKey(event);
    return this.deps.service
      .views()
      .some(
        (view) =>
          view.batchId === event.submission.batchId &&
          viewKey(view) !== own &&
          !this.handled.has(viewKey(view)) &&
          !(view.state === 'failed' && view.failure?.retryable),
      );
  }
}
