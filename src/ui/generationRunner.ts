import * as vscode from 'vscode';
import { normalizeAltText } from '../assets/markdownLink';
import type { TerminalEvent } from '../generation/generationEvents';
import type { GenerationService } from '../generation/service';
import type { Log } from '../host/log';
import { describeFailure } from './errorReporting';
import type { ModelCatalog } from './modelCatalog';
import { insertPlaceholder, newRequestToken, removePlaceholder } from './placeholders';
import { showRequestProgress } from './progress';
import { cancelId, unfinished } from './queueState';
import { buildRequest, type GenerationInput, type SaveContext } from './requestBuilder';
import type { RequestTarget } from './requestTarget';
import type { RequestWaiters } from './requestWaiters';
import { InvalidRequestError, MissingApiKeyError } from './userErrors';
import { requireTrustedWorkspace } from './workspaceTrust';

/**
/**
 * Where the result goes: a link at a position (`besideLink`: right after an existing link,
 * separated from it as images of one request are), nowhere (optionally "for" a document), or
 * where a placeholder the caller already put in a markdown document is (a prompt link marked
 * with `token`).
 */
export type Placement =
  | { kind: 'link'; uri: vscode.Uri; position: vscode.Position; besideLink?: boolean }
  | { kind: 'none'; forDocument: vscode.Uri | undefined }
  | { kind: 'placeholder'; uri: vscode.Uri; token: string };

export interface RunRequest extends GenerationInput {
  placement: Placement;
  /** Palette flow: progress notification, and say where files went. */
  interactive: boolean;
  /** Resolve only once every image is saved (and linked), with the files. */
  wait: boolean;
  /** Recall: what the new image replaces once it is saved (journaled with the request). */
  replaces?: Pick<RequestTarget, 'replacesFile' | 'replacesLink'>;
}

export interface RunResult {
  generationIds: string[];
  /** Workspace-relative paths of the saved images (only with `wait`). */
  files?: string[];
}

/** A request Oxen accepted; with `wait`, the files once every image is saved. */
export interface Submitted {
  batchId: string;
  generationIds: string[];
  files: Promise<string[]> | undefined;
}

export interface RunnerDependencies {
  service: GenerationService;
  catalog: ModelCatalog;
  waiters: RequestWaiters;
  hasApiKey: () => Promise<boolean>;
  log: Log;
}

interface ResolvedTarget {
  save: SaveContext;
  link: { uri: vscode.Uri; position: vscode.Position; besideLink: boolean } | undefined;
}

async function openDocument(uri: vscode.Uri): Promise<vscode.TextDocument> {
  try {
    return await vscode.workspace.openTextDocument(uri);
  } catch (error) {
    throw new InvalidRequestError(vscode.l10n.t('Cannot open {0}: {1}', uri.toString(), (error as Error).message));
  }
}

/**
 * Untitled and non-markdown documents get no link (there is no relative path to write, or no
 * markdown to write it in); the image still goes into the workspace and the user is told where.
 */
async function resolveTarget(placement: Placement): Promise<ResolvedTarget> {
  const documentUri = placement.kind === 'none' ? placement.forDocument : placement.uri;
  const document = documentUri && (await openDocument(documentUri));
  const markdownFile = document && !document.isUntitled && document.languageId === 'markdown' ? document : undefined;
  const workspaceFolder =
    (document && vscode.workspace.getWorkspaceFolder(document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!workspaceFolder) throw new InvalidRequestError(vscode.l10n.t('Open a folder first: generated images are saved into the workspace.'));
  const link =
    placement.kind === 'link' && markdownFile
      ? { uri: markdownFile.uri, position: markdownFile.validatePosition(placement.position), besideLink: placement.besideLink === true }
      : undefined;
  return { save: { workspaceFolder, markdownDocument: markdownFile?.uri }, link };
}

function failureReason(event: TerminalEvent): string {
  return event.type === 'failed' ? describeFailure(event.failure).message : vscode.l10n.t('cancelled');
}

/** Workspace-relative files of a finished request; throws when any image was not saved. */
function savedFiles(events: readonly TerminalEvent[]): string[] {
  const files = events.flatMap((event) => (event.type === 'saved' ? [event.file] : []));
  const notSaved = events.filter((event) => event.type !== 'saved');
  if (notSaved.length > 0) {
    throw new Error(
      events.length === 1
        ? vscode.l10n.t('The image was not saved: {0}', failureReason(notSaved[0]))
        : vscode.l10n.t('{0} of {1} images were not saved: {2}', notSaved.length, events.length, notSaved.map(failureReason).join('; ')),
    );
  }
  return files.map((file) => vscode.workspace.asRelativePath(vscode.Uri.file(file), false));
}

/**
 * Runs one request from start to submission: checks (trust, key), builds and validates it,
 * puts the placeholder in the document at once, submits, and (on request) waits for the files.
 * Everything after submission happens in the result handler, which also works after a reload.
 */
export class GenerationRunner {
  constructor(private readonly deps: RunnerDependencies) {}

  async run(request: RunRequest): Promise<RunResult> {
    try {
      const { generationIds, files } = await this.submit(request);
      return files ? { generationIds, files: await files } : { generationIds };
    } catch (error) {
      this.deps.log.warn(`Request failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  /** Refuses early what cannot work: an untrusted workspace (SEC-06), or no key to send. */
  async checkReady(): Promise<void> {
    requireTrustedWorkspace();
    if (!(await this.deps.hasApiKey())) throw new MissingApiKeyError();
  }

  /**
   * Everything up to Oxen's acceptance; `files` (with `wait`) settles when the images are saved.
   * A `placeholder` placement stays in the document when this throws: its owner restores it.
   */
  async submit(request: RunRequest): Promise<Submitted> {
    await this.checkReady();
    const { placement } = request;
    const resolved = await resolveTarget(placement);
    const token = placement.kind === 'placeholder' ? placement.token : newRequestToken();
    const built = await buildRequest(request, resolved.save, this.deps.catalog, token);
    const linkedDocument =
      placement.kind === 'placeholder'
        ? resolved.save.markdownDocument
        : resolved.link && (await insertPlaceholder(resolved.link.uri, resolved.link.position, token, request.prompt, resolved.link.besideLink))
          ? resolved.link.uri
          : undefined;
    const target: RequestTarget = {
      token,
      documentUri: linkedDocument?.toString(),
      forDocumentUri: resolved.save.markdownDocument?.toString(),
      altText: built.assets.altText,
      linkPathStyle: built.assets.linkPathStyle,
      announce: request.interactive || placement.kind !== 'none',
      ...request.replaces,
    };
    const outcomes = request.interactive || request.wait ? this.deps.waiters.expect(token) : undefined;
    const { batchId, generationIds } = await this.deps.service.submit({ ...built.submit, target }).catch(async (error: unknown) => {
      // Oxen refused the request: nothing is coming, so nothing may stay waiting for it.
      this.deps.waiters.abandon(token);
      if (target.documentUri) await removePlaceholder(target.documentUri, token);
      throw error;
    });
    this.deps.log.info(`Request ${token}: ${generationIds.length} generation(s) of ${built.submit.model} accepted (batch ${batchId}).`);
    this.deps.waiters.submitted(token, batchId);
    if (request.interactive && outcomes) {
      const prompt = normalizeAltText(request.prompt);
      const title =
        request.count === 1 ? vscode.l10n.t('Generating an image: {0}', prompt) : vscode.l10n.t('Generating {0} images: {1}', request.count, prompt);
      showRequestProgress(title, outcomes, () => this.cancelBatch(batchId));
    }
    return { batchId, generationIds, files: request.wait && outcomes ? outcomes.then(savedFiles) : undefined };
  }

  /** Cancels what is still on its way in one request (the progress notification's Cancel). */
  async cancelBatch(batchId: string): Promise<void> {
    const views = unfinished(this.deps.service.views()).filter((view) => view.batchId === batchId);
    await Promise.all(
      views.map((view) => this.deps.service.cancel(cancelId(view)).catch((error) => this.deps.log.warn(`Cancel failed: ${(error as Error).message}`))),
    );
  }
}
