import * as vscode from 'vscode';
import { findPromptLinks, inFlightDestination, type PromptLink, type PromptLinkIssue } from './promptLinks';
import type { GenerationService } from '../../generation/service';
import { readDefaultModel } from '../../host/settings';
import { OxenUnknownModelError } from '../../oxen/errors';
import { describeParameters, parametersFromText } from '../../oxen/modelParameters';
import type { GenerationRunner, Submitted } from '../generationRunner';
import type { ModelCatalog } from '../modelCatalog';
import { newRequestToken, removePlaceholder } from '../placeholders';
import { MAX_IMAGES_PER_REQUEST, validateInput, type GenerationInput } from '../requestBuilder';
import { parseRequestTarget } from '../requestTarget';
import { InvalidRequestError } from '../userErrors';

export interface PromptLinkDependencies {
  runner: GenerationRunner;
  catalog: ModelCatalog;
  service: Pick<GenerationService, 'targets'>;
}

export interface PromptLinkOptions {
  /** Only the link at this position; otherwise every link of the document. */
  at?: vscode.Position;
  /** Make each request's `files` settle once its images are saved. */
  wait: boolean;
  /** Asked before each submission: stop, and give the links not yet sent back to the user. */
  shouldStop?: () => boolean;
  onSubmitted?: (submitted: Submitted, index: number, total: number) => void;
}

/** A prompt link that cannot be generated as written: says where it is, so the user can fix it. */
export class PromptLinkError extends InvalidRequestError {
  constructor(
    readonly location: vscode.Location,
    message: string,
  ) {
    super(message);
  }
}

/** The link asked for is being filled already: news, not a mistake. */
export class PromptLinkInFlightError extends InvalidRequestError {
  constructor() {
    super(vscode.l10n.t('The image for this placeholder is already being generated.'));
  }
}

function issueMessage(issue: PromptLinkIssue): string {
  switch (issue.kind) {
    case 'emptyPrompt':
      return vscode.l10n.t('the alt text, which is the prompt, is empty.');
    case 'badEncoding':
      return vscode.l10n.t('“{0}” is not valid percent-encoding.', issue.text);
    case 'emptyName':
      return vscode.l10n.t('a parameter has no name.');
    case 'duplicate':
      return vscode.l10n.t('{0} is given twice.', issue.name);
    case 'reserved':
      return vscode.l10n.t('{0} cannot be a parameter: the prompt is the alt text and the number of images is count.', issue.name);
    case 'emptyModel':
      return vscode.l10n.t('model is empty.');
    case 'badCount':
      return vscode.l10n.t('count must be a whole number from 1 to {0}, not “{1}”.', MAX_IMAGES_PER_REQUEST, issue.text);
  }
}

interface Prepared {
  link: PromptLink;
  input: GenerationInput;
}

/**
 * Fills prompt links (`![prompt](oxen:generate?…)`, src/ui/documents/promptLinks.ts) in document order.
 * Every link is checked before any is touched, so a bad one changes nothing; then each is marked
 * in flight in the document itself (a second run, even after a reload, leaves it alone) and sent
 * through the runner, whose result handler later replaces the link with the image, or gives the
 * user's text back on failure or cancel. One run per document at a time.
 */
export class PromptLinkGenerator {
  private readonly busyDocuments = new Map<string, Promise<unknown>>();
  /** Marked in this session and not yet in the journal: in flight, though the journal does not say so yet. */
  private readonly reserved = new Set<string>();

  constructor(private readonly deps: PromptLinkDependencies) {}

  async generate(uri: vscode.Uri, options: PromptLinkOptions): Promise<Submitted[]> {
    await this.deps.runner.checkReady();
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'markdown') throw new InvalidRequestError(vscode.l10n.t('Image placeholders are filled in markdown documents only.'));
    // Links are written relative to the document, and found again in it after a reload.
    if (document.isUntitled) throw new InvalidRequestError(vscode.l10n.t('Save the document first: image links are written relative to it.'));
    return this.exclusive(document.uri.toString(), () => this.fill(document, options));
  }

  private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.busyDocuments.get(key) ?? Promise.resolve()).then(work, work);
    const settled = (): void => {
      if (this.busyDocuments.get(key) === next) this.busyDocuments.delete(key);
    };
    this.busyDocuments.set(key, next);
    next.then(settled, settled);
    return next;
  }

  private async fill(document: vscode.TextDocument, options: PromptLinkOptions): Promise<Submitted[]> {
    const prepared = await this.prepareUnchanged(document, options.at);
    if (prepared.length === 0) return [];
    const tokens = prepared.map(() => newRequestToken());
    await this.mark(document, prepared, tokens);
    const submitted: Submitted[] = [];
    try {
      for (const [index, { input }] of prepared.entries()) {
        if (options.shouldStop?.()) break;
        const placement = { kind: 'placeholder' as const, uri: document.uri, token: tokens[index]! };
        const accepted = await this.deps.runner.submit({ ...input, placement, interactive: false, wait: options.wait });
        this.reserved.delete(tokens[index]!);
        submitted.push(accepted);
        options.onSubmitted?.(accepted, index, prepared.length);
      }
    } catch (error) {
      // The caller gets this error, not the requests already sent: their outcomes are the result handler's.
      for (const request of submitted) request.files?.catch(() => undefined);
      throw error;
    } finally {
      // Not sent (stopped, or refused): the links go back to what the user wrote.
      for (const token of tokens.slice(submitted.length)) {
        await removePlaceholder(document.uri.toString(), token);
        this.reserved.delete(token);
      }
    }
    return submitted;
  }

  /** Checks the links (which awaits the model's schema); again if the user typed meanwhile. */
  private async prepareUnchanged(document: vscode.TextDocument, at: vscode.Position | undefined): Promise<Prepared[]> {
    for (;;) {
      const version = document.version;
      const prepared = await this.prepare(document, at);
      if (document.version === version) return prepared;
    }
  }

  private async prepare(document: vscode.TextDocument, at: vscode.Position | undefined): Promise<Prepared[]> {
    const inFlight = this.inFlightTokens();
    const links = findPromptLinks(document.getText());
    // A mark nothing knows of was left by a window that closed before sending it: the link is the user's again.
    const waiting = links.filter((link) => link.inFlightToken === undefined || !inFlight.has(link.inFlightToken));
    const wanted = at === undefined ? waiting : waiting.filter((link) => this.contains(document, link, at));
    if (at !== undefined && wanted.length === 0) {
      if (links.some((link) => this.contains(document, link, at))) throw new PromptLinkInFlightError();
      throw new InvalidRequestError(vscode.l10n.t('There is no image placeholder like ![prompt](oxen:generate) on line {0}.', at.line + 1));
    }
    const prepared: Prepared[] = [];
    for (const link of wanted) prepared.push({ link, input: await this.inputFor(document, link) });
    return prepared;
  }

  private contains(document: vscode.TextDocument, link: PromptLink, position: vscode.Position): boolean {
    const offset = document.offsetAt(position);
    return offset >= link.start && offset <= link.end;
  }

  private inFlightTokens(): Set<string> {
    const journaled = this.deps.service.targets().flatMap((target) => parseRequestTarget(target)?.token ?? []);
    return new Set([...journaled, ...this.reserved]);
  }

  private async inputFor(document: vscode.TextDocument, link: PromptLink): Promise<GenerationInput> {
    const line = document.positionAt(link.start).line + 1;
    const refuse = (reason: string) =>
      new PromptLinkError(
        new vscode.Location(document.uri, new vscode.Range(document.positionAt(link.start), document.positionAt(link.end))),
        vscode.l10n.t('The image placeholder on line {0} cannot be generated: {1}', line, reason),
      );
    if (link.issues.length > 0) throw refuse(link.issues.map(issueMessage).join(' '));
    const count = link.count ?? 1;
    if (count > MAX_IMAGES_PER_REQUEST) throw refuse(issueMessage({ kind: 'badCount', text: String(count) }));
    try {
      const model = await this.deps.catalog.get(link.model ?? readDefaultModel());
      const params = parametersFromText(describeParameters(model.id, model.parameterSchema), link.params);
      const input = { prompt: link.prompt, model: model.id, params, count };
      await validateInput(input, this.deps.catalog);
      return input;
    } catch (error) {
      if (error instanceof OxenUnknownModelError) throw refuse(vscode.l10n.t('Oxen does not know the model “{0}”.', error.model));
      if (error instanceof InvalidRequestError) throw refuse(error.message);
      throw error;
    }
  }

  private async mark(document: vscode.TextDocument, prepared: readonly Prepared[], tokens: readonly string[]): Promise<void> {
    const edit = new vscode.WorkspaceEdit();
    prepared.forEach(({ link }, index) => {
      const range = new vscode.Range(document.positionAt(link.markStart), document.positionAt(link.markEnd));
      edit.replace(document.uri, range, inFlightDestination(tokens[index]!));
      this.reserved.add(tokens[index]!);
    });
    if (!(await vscode.workspace.applyEdit(edit))) {
      for (const token of tokens) this.reserved.delete(token);
      throw new Error(vscode.l10n.t('{0} could not be edited; nothing was generated.', vscode.workspace.asRelativePath(document.uri)));
    }
  }
}
