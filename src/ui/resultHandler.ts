import * as vscode from 'vscode';
import type { GenerationView, TerminalEvent } from '../generation/generationEvents';
import type { GenerationService } from '../generation/service';
import { withinBound } from '../generation/timeBound';
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
  /** REL-16: how long one step (history, a link edit, a file move) may take; default 10 s. */
  stepTimeoutMs?: number;
}

/**
 * Well within the service's 30 s bound per handler, and above what a healthy step takes: a link
 * edit VS Code keeps refusing as stale is retried for 5 s (placeholders.ts), then saved.
 */
const STEP_TIMEOUT_MS = 10_000;

function eventKey(event: TerminalEvent): string {
  return event.generationId ?? event.submission.id;
}

function viewKey(view: GenerationView): string {
  return view.generationId ?? view.submissionId;
}

function documentName(documentUri: string): string {
  return vscode.workspace.asRelativePath(vscode.Uri.parse(documentUri), false);
}

function promptOf(event: TerminalEvent): string {
  const prompt = event.submission.params.prompt;
  return typeof prompt === 'string' ? prompt : '';
}

/**
 * What happens when a generation ends, whoever started it and even after a reload: the saved
 * image is recorded in the history and linked where the placeholder is (or the user is told
 * where it went); a failure or cancel removes the placeholder and says why. Outcomes are handled
 * one at a time, so the images of one request never race for the same placeholder. Each step is
 * time-bounded (REL-16): a stalled one ends this outcome's handling with a StepTimeoutError naming
 * it (the service sets the outcome aside as retryable), and the next outcome goes on.
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
    const { replacesFile } = target ?? {};
    const saved = replacesFile
      ? await this.step(`moving the new image over ${vscode.workspace.asRelativePath(replacesFile)}`, () => replaceRegeneratedFile(event.file, replacesFile, this.deps.log))
      : event.file;
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
    await this.step('recording history', () => this.deps.history.record(entry));
    this.deps.log.info(`Generation ${event.generationId} saved as ${saved}.`);
    if (saved === target?.replacesFile) {
      await this.step('updating history', () => forgetReplacedEntries(this.deps.history, entry));
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
      const name = documentName(documentUri);
      const last = !this.othersPending(event);
      // Delivered again after a reload that came after the link was written: only what is left to do.
      const placed =
        (await this.step(`placing the link in ${name}`, () => placeLink(documentUri, target.token, link, last))) ||
        (await this.step(`reading ${name}`, () => documentContains(documentUri, link)));
      if (placed) {
        const { replacesLink } = target;
        if (replacesLink) await this.step(`removing the replaced link in ${name}`, () => dropReplacedLink(documentUri, replacesLink, link));
        return;
      }
    }
    if (target.announce || documentUri) announceSaved(file, link);
  }

  private async onNotSaved(event: Exclude<TerminalEvent, { type: 'saved' }>, target: RequestTarget | undefined): Promise<void> {
    const documentUri = target?.documentUri;
    if (documentUri && !this.othersPending(event)) {
      await this.step(`removing the placeholder in ${documentName(documentUri)}`, () => removePlaceholder(documentUri, target.token));
    }
    if (event.type === 'cancelled') {
      this.deps.log.info(`Generation ${event.generationId} cancelled.`);
      if (target?.documentUri || target?.announce) void vscode.window.showInformationMessage(vscode.l10n.t('Image generation cancelled: {0}', promptOf(event)));
      return;
    }
    this.deps.log.warn(`Generation ${event.generationId ?? event.submission.id} failed (${event.failure.kind}): ${event.failure.message}`);
    showError(describeFailure(event.failure), event.failure.retryable ? this.retryActions(event) : []);
  }

  /** One step of handling an outcome, bounded so a stalled one cannot hold back every later outcome (REL-16). */
  private step<T>(name: string, work: () => Thenable<T>): Promise<T> {
    return withinBound(name, this.deps.stepTimeoutMs ?? STEP_TIMEOUT_MS, work);
  }

  /**
   * A download that failed after Oxen made (and billed) the image can be tried again, and so can
   * a sync request that never got its answer (it is sent again).
   */
  private retryActions(event: Extract<TerminalEvent, { type: 'failed' }>): Action[] {
    const id = eventKey(event);
    return [
      // A stuck outcome's image is saved already: Retry handles it again, it downloads nothing (REL-16).
      { title: event.generationId && event.failure.kind !== 'stuck' ? vscode.l10n.t('Retry Download') : vscode.l10n.t('Retry'), run: () => this.deps.service.retry(id) },
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
