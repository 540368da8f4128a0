import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { verifyInsideWorkspace } from '../../assets/pathContainment';
import { sniffImageType } from '../../assets/imageType';
import type { GenerationView } from '../../generation/generationEvents';
import type { GenerationService } from '../../generation/service';
import type { HistoryEntry } from '../../host/historyStore';
import type { Log } from '../../host/log';
import { readDefaultModel } from '../../host/settings';
import type { OxenClient } from '../../oxen/client';
import { parseRepositorySetting, STYLE_REFERENCE_REPOSITORY_SETTING, uploadStyleReference } from '../../oxen/repositoryUpload';
import { COMMANDS } from '../commandIds';
import { describeError, describeFailure, showError } from '../errorReporting';
import type { CopiedLinks } from '../documents/copiedLinks';
import { copyHistoryLink } from '../documents/copyLink';
import { historyEntryPath, historyImageLink } from '../historyFiles';
import { cancelId } from '../queueState';
import { StudioController, type GenerateInput, type StudioPlatform } from './controller';
import { queryGallery } from './gallery';
import { buildShellHtml, createNonce } from './html';
import { checkDroppedFileUri, dataUriOf, MAX_REFERENCE_BYTES, uploadExtension } from './imageRules';
import {
  MAX_DATA_URI_LENGTH,
  type CommandKey,
  type Draft,
  type FailedItem,
  type GalleryAction,
  type GalleryPage,
  type GalleryQuery,
  type ImageRefDraft,
  type ModelSummary,
  type QueueItem,
  type SettingKey,
  type StudioSettings,
  type StudioSnapshot,
} from './protocol';
import { modelSummaries } from './models';
import { ALLOW_DATA_URI_SETTING } from './ids';
import type { StudioInbox } from './inbox';
import { UI_STRINGS } from './strings';
import { ThumbnailCache } from './thumbnails';


/** What the sidebar drives; exposed by the lazily loaded core. */
export interface StudioCore {
  service: Pick<GenerationService, 'views' | 'cancel' | 'retry' | 'dismiss' | 'onTerminal'>;
  /** `listModels()` for the picker, `transport` for uploading local style references. */
  client: Pick<OxenClient, 'listModels' | 'transport'>;
  /** Runs one request like the palette, without a document link (GenerationRunner.run, placement none). */
  generate(request: StudioGenerateRequest): Promise<{ generationIds: readonly string[] }>;
}

export interface StudioGenerateRequest {
  model: string;
  prompt: string;
  /** Model parameters besides the prompt, as the form produced them (validated again by the runner). */
  params: Record<string, unknown>;
  count: number;
  /** The active markdown document, so its destination rules (markdown.copyFiles.destination) apply. */
  forDocument: vscode.Uri | undefined;
}

/** The workspace history (src/host/historyStore.ts, built by extension.ts: no core needed). */
export interface StudioHistory {
  /** Newest first. Entries may carry `document` (workspace-relative markdown path) for "group by document". */
  list(): readonly HistoryEntry[];
  remove(generationId: string): Promise<void>;
  readonly onDidChange: vscode.Event<void>;
}

export interface StudioSidebarDeps {
  /** Loads the core if needed. Called when the user acts, or to fetch models when none are cached. */
  core(): Promise<StudioCore>;
  /** True once the core is loaded: the queue is shown without forcing a load. */
  isCoreLoaded(): boolean;
  /** Fires whenever any core's generation service changed (its `onChange`). */
  readonly onDidChangeQueue: vscode.Event<void>;
  history: StudioHistory;
  /** Requests from the recall actions and the Explorer, delivered once the webview is ready. */
  inbox: StudioInbox;
  log: Log;
  /** What "Copy markdown link" copied last, so the paste provider recognises it. */
  copiedLinks: CopiedLinks;
}

const DRAFT_KEY = 'oxenImageStudio.studio.draft';
const FAILURES_KEY = 'oxenImageStudio.studio.failures';
const MODELS_CACHE_KEY = 'oxenImageStudio.studio.models';
const CONSENT_KEY = 'oxenImageStudio.styleReferenceUploadConsent';
const MAX_FAILURES = 20;
const MODELS_CACHE_MS = 24 * 60 * 60 * 1000;

const SETTING_IDS: Record<SettingKey, string> = {
  styleReferenceRepository: STYLE_REFERENCE_REPOSITORY_SETTING,
  allowDataUriStyleReferences: ALLOW_DATA_URI_SETTING,
  assetDestination: 'oxenImageStudio.assetDestination',
};

const COMMAND_IDS: Record<CommandKey, string> = {
  setApiKey: COMMANDS.setApiKey,
  showLog: COMMANDS.showLog,
  manageTrust: 'workbench.trust.manage',
};

const ACTIVE_STATES = new Set<QueueItem['state']>(['submitting', 'unresolved', 'queued', 'processing', 'downloading', 'finalizing']);

function queueItemOf(view: GenerationView): QueueItem {
  return {
    id: cancelId(view),
    generationId: view.generationId,
    model: view.model,
    prompt: view.prompt,
    state: view.state,
    createdAt: view.createdAt,
    ...(view.failure ? { failure: { message: describeFailure(view.failure).message, retryable: view.failure.retryable === true } } : {}),
  };
}

/**
 * The studio view: resolves the webview with a fresh shell (new nonce) every time it is shown
 * (no retainContextWhenHidden: PERF-06), and implements the controller's platform with
 * VS Code: ids from the webview are looked up in the history / queue, never used as paths.
 */
class StudioViewProvider implements vscode.WebviewViewProvider, StudioPlatform, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private readonly controller = new StudioController(this);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly viewDisposables: vscode.Disposable[] = [];
  private readonly thumbnails: ThumbnailCache;
  private models: ModelSummary[] = [];
  private modelsError: string | undefined;
  private modelsLoading = false;
  private subscribedService: StudioCore['service'] | undefined;
  private unsubscribeTerminal: (() => void) | undefined;
  private queueTimer: NodeJS.Timeout | undefined;
  private galleryTimer: NodeJS.Timeout | undefined;
  private roots = new Set<string>();
  private readonly missing = new Map<string, boolean>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: StudioSidebarDeps,
  ) {
    this.thumbnails = new ThumbnailCache(vscode.Uri.joinPath(context.globalStorageUri, 'thumbnails').fsPath);
    const cached = context.globalState.get<{ at: number; models: ModelSummary[] }>(MODELS_CACHE_KEY);
    if (cached && Array.isArray(cached.models)) this.models = cached.models;
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.{png,jpg,jpeg,webp,PNG,JPG,JPEG,WEBP}', false, true, false);
    this.disposables.push(
      watcher,
      watcher.onDidDelete(() => this.galleryChanged()),
      watcher.onDidCreate(() => this.galleryChanged()),
      deps.history.onDidChange(() => this.galleryChanged()),
      deps.onDidChangeQueue(() => this.queueChanged()),
      deps.inbox.onDidPost(() => this.onReady()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if ([STYLE_REFERENCE_REPOSITORY_SETTING, ALLOW_DATA_URI_SETTING].some((id) => event.affectsConfiguration(id))) {
          this.controller.postDelta({ type: 'settings', settings: this.settings() });
        }
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.controller.postDelta({ type: 'settings', settings: this.settings() })),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.controller.postDelta({ type: 'settings', settings: this.settings() })),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.controller.reset();
    this.updateRoots(true);
    view.webview.onDidReceiveMessage((message: unknown) => void this.controller.receive(message), undefined, this.viewDisposables);
    view.onDidChangeVisibility(
      () => {
        this.controller.reset();
        // A fresh shell (and nonce) for every render: the webview reloads when shown again anyway.
        if (view.visible) this.render();
      },
      undefined,
      this.viewDisposables,
    );
    view.onDidDispose(
      () => {
        this.view = undefined;
        this.controller.reset();
        vscode.Disposable.from(...this.viewDisposables.splice(0)).dispose();
      },
      undefined,
      this.viewDisposables,
    );
    this.render();
  }

  private render(): void {
    const view = this.view;
    if (!view) return;
    const webviewRoot = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    view.webview.html = buildShellHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(webviewRoot, 'main.css')).toString(),
      nonce: createNonce(),
      language: vscode.env.language,
      loadingText: vscode.l10n.t('Loading Oxen Image Studio…'),
    });
  }

  /**
   * localResourceRoots: the bundle (script, CSS, codicon font), the thumbnail cache, and only the
   * folders whose original images the gallery shows (JPEG, WebP, PNGs it cannot thumbnail).
   * Changing the roots reloads the webview (focus and scroll are lost), so they are set when the
   * view resolves and grow only when an original in a new folder is about to be shown: never for
   * the usual PNG output, whose thumbnails live in the cache.
   */
  private updateRoots(force = false): void {
    const view = this.view;
    if (!view) return;
    const folders = new Set<string>();
    for (const entry of this.deps.history.list()) {
      const file = historyEntryPath(entry);
      if (file && !/\.png$/i.test(file)) folders.add(path.dirname(file));
    }
    const changed = force || [...folders].some((folder) => !this.roots.has(folder));
    if (!changed) return;
    this.roots = new Set([...this.roots, ...folders]);
    this.applyRoots(view);
  }

  /** An original image is about to be shown: its folder must be a root (a reload, the first time only). */
  private allowOriginal(file: string): void {
    const folder = path.dirname(file);
    if (this.roots.has(folder) || !this.view) return;
    this.roots.add(folder);
    this.applyRoots(this.view);
  }

  private applyRoots(view: vscode.WebviewView): void {
    view.webview.options = {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [
        vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview'),
        vscode.Uri.file(this.thumbnails.directory),
        ...[...this.roots].map((folder) => vscode.Uri.file(folder)),
      ],
    };
  }

  dispose(): void {
    if (this.queueTimer) clearTimeout(this.queueTimer);
    if (this.galleryTimer) clearTimeout(this.galleryTimer);
    this.unsubscribeTerminal?.();
    vscode.Disposable.from(...this.disposables, ...this.viewDisposables).dispose();
  }

  // ----- deltas -----

  private queueChanged(): void {
    if (this.queueTimer) return;
    this.queueTimer = setTimeout(() => {
      this.queueTimer = undefined;
      void this.postQueue();
    }, 100);
  }

  private async postQueue(): Promise<void> {
    const queue = await this.queue();
    this.controller.postDelta({ type: 'queue', queue, failures: this.failures() });
  }

  private galleryChanged(): void {
    if (this.galleryTimer) clearTimeout(this.galleryTimer);
    this.galleryTimer = setTimeout(() => {
      this.galleryTimer = undefined;
      this.missing.clear();
      this.controller.postDelta({ type: 'galleryChanged' });
    }, 250);
  }

  // ----- state -----

  private async service(): Promise<StudioCore['service'] | undefined> {
    if (!this.deps.isCoreLoaded()) return undefined;
    const core = await this.deps.core().catch(() => undefined);
    if (core) this.subscribe(core.service);
    return core?.service;
  }

  /** Follows the core across restarts (connection settings changed): failures are captured from each. */
  private subscribe(service: StudioCore['service']): void {
    if (service === this.subscribedService) return;
    this.unsubscribeTerminal?.();
    this.subscribedService = service;
    this.unsubscribeTerminal = service.onTerminal((event) => {
      if (event.type !== 'failed') return;
      const prompt = typeof event.submission.params.prompt === 'string' ? event.submission.params.prompt : '';
      const { prompt: _prompt, ...params } = event.submission.params;
      void _prompt;
      const item: FailedItem = {
        id: event.generationId ?? event.submission.id,
        model: event.submission.model,
        prompt,
        params,
        message: describeFailure(event.failure).message,
        at: Date.now(),
      };
      const failures = [item, ...this.failures().filter((failure) => failure.id !== item.id)].slice(0, MAX_FAILURES);
      void this.context.workspaceState.update(FAILURES_KEY, failures).then(() => this.queueChanged());
    });
  }

  private async queue(): Promise<QueueItem[]> {
    const service = await this.service();
    if (!service) return [];
    return service
      .views()
      .map(queueItemOf)
      .filter((item) => ACTIVE_STATES.has(item.state) || (item.state === 'failed' && item.failure?.retryable));
  }

  private failures(): FailedItem[] {
    const stored = this.context.workspaceState.get<unknown>(FAILURES_KEY);
    return Array.isArray(stored) ? (stored as FailedItem[]) : [];
  }

  private settings(): StudioSettings {
    const config = vscode.workspace.getConfiguration();
    const repository = parseRepositorySetting(config.get<unknown>(STYLE_REFERENCE_REPOSITORY_SETTING));
    return {
      styleReferenceRepository:
        repository.kind === 'ok' ? `${repository.location.namespace}/${repository.location.repo}@${repository.location.branch}` : undefined,
      allowDataUriStyleReferences: config.get<boolean>(ALLOW_DATA_URI_SETTING, false) === true,
      workspaceTrusted: vscode.workspace.isTrusted,
      hasWorkspace: (vscode.workspace.workspaceFolders ?? []).some((folder) => folder.uri.scheme === 'file'),
    };
  }

  private strings(): Record<string, string> {
    return Object.fromEntries(UI_STRINGS.map((text) => [text, vscode.l10n.t(text)]));
  }

  async snapshot(): Promise<StudioSnapshot> {
    const cached = this.context.globalState.get<{ at: number }>(MODELS_CACHE_KEY);
    const stale = !cached || Date.now() - cached.at > MODELS_CACHE_MS || this.models.length === 0;
    if (stale || this.deps.isCoreLoaded()) this.refreshModels();
    const draft = this.context.workspaceState.get<Draft>(DRAFT_KEY);
    return {
      models: this.models,
      modelsError: this.modelsError,
      modelsLoading: this.modelsLoading,
      defaultModel: readDefaultModel(),
      draft,
      queue: await this.queue(),
      failures: this.failures(),
      settings: this.settings(),
      strings: this.strings(),
    };
  }

  saveDraft(draft: Draft): void {
    void this.context.workspaceState.update(DRAFT_KEY, draft);
  }

  refreshModels(): void {
    if (this.modelsLoading) return;
    this.modelsLoading = true;
    void (async () => {
      try {
        const core = await this.deps.core();
        this.subscribe(core.service);
        this.models = modelSummaries(await core.client.listModels());
        this.modelsError = undefined;
        await this.context.globalState.update(MODELS_CACHE_KEY, { at: Date.now(), models: this.models });
      } catch (error) {
        this.modelsError = describeError(error).message;
        this.deps.log.warn(`Sidebar: models could not be loaded: ${(error as Error).message}`);
      } finally {
        this.modelsLoading = false;
        this.controller.postDelta({ type: 'models', models: this.models, error: this.modelsError, loading: false });
        void this.postQueue();
      }
    })();
  }

  // ----- requests -----

  private activeMarkdownDocument(): vscode.TextDocument | undefined {
    const active = vscode.window.activeTextEditor?.document;
    if (active?.languageId === 'markdown') return active;
    return vscode.window.visibleTextEditors.find((editor) => editor.document.languageId === 'markdown')?.document;
  }

  async generate(input: GenerateInput): Promise<{ generationIds: string[] }> {
    const core = await this.deps.core();
    this.subscribe(core.service);
    const document = this.activeMarkdownDocument();
    try {
      const result = await core.generate({ ...input, forDocument: document && !document.isUntitled ? document.uri : undefined });
      this.queueChanged();
      return { generationIds: [...result.generationIds] };
    } catch (error) {
      const described = describeError(error);
      // Errors with a fix elsewhere (API key, settings, trust) also get their notification and button.
      if (described.actions.some((action) => action.title !== vscode.l10n.t('Show Log'))) showError(described);
      throw error;
    }
  }

  async cancel(id: string): Promise<void> {
    const service = await this.service();
    const known = service?.views().some((view) => cancelId(view) === id);
    if (!service || !known) return this.deps.log.warn(`Sidebar: cancel of an unknown generation ${id} ignored.`);
    await service.cancel(id);
  }

  async retryDownload(id: string): Promise<void> {
    const service = await this.service();
    if (service?.views().some((view) => cancelId(view) === id)) await service.retry(id);
  }

  async dismiss(id: string): Promise<void> {
    const failures = this.failures();
    if (failures.some((failure) => failure.id === id)) {
      await this.context.workspaceState.update(FAILURES_KEY, failures.filter((failure) => failure.id !== id));
    }
    const service = await this.service();
    if (service?.views().some((view) => cancelId(view) === id && view.state === 'failed')) await service.dismiss(id);
    await this.postQueue();
  }

  // ----- gallery -----

  async queryGallery(query: GalleryQuery): Promise<GalleryPage> {
    const entries = this.deps.history.list();
    const page = queryGallery(entries, query, () => ({ thumbnail: undefined, missing: false }));
    const byId = new Map(entries.map((entry) => [entry.generationId, entry]));
    const webview = this.view?.webview;
    await Promise.all(
      page.items.map(async (item) => {
        const entry = byId.get(item.id);
        const file = entry && historyEntryPath(entry);
        if (!file || !webview) {
          item.missing = true;
          return;
        }
        const cached = await this.thumbnails.cached(file);
        if (cached?.kind === 'missing') item.missing = true;
        else if (cached?.kind === 'thumbnail') item.thumbnail = webview.asWebviewUri(vscode.Uri.file(cached.file)).toString();
        else if (cached?.kind === 'original') {
          this.allowOriginal(file);
          item.thumbnail = webview.asWebviewUri(vscode.Uri.file(file)).toString();
        } else void this.makeThumbnail(item.id, file);
      }),
    );
    return page;
  }

  private async makeThumbnail(id: string, file: string): Promise<void> {
    try {
      const result = await this.thumbnails.get(file);
      const webview = this.view?.webview;
      if (!webview) return;
      if (result.kind === 'original') this.allowOriginal(file);
      const uri =
        result.kind === 'thumbnail'
          ? webview.asWebviewUri(vscode.Uri.file(result.file)).toString()
          : result.kind === 'original'
            ? webview.asWebviewUri(vscode.Uri.file(file)).toString()
            : undefined;
      this.controller.postDelta({ type: 'thumbnail', id, uri, missing: result.kind === 'missing' });
    } catch (error) {
      this.deps.log.warn(`Sidebar: no thumbnail for ${file}: ${(error as Error).message}`);
    }
  }

  async galleryAction(action: GalleryAction, id: string): Promise<void> {
    const entry = this.deps.history.list().find((candidate) => candidate.generationId === id);
    if (!entry) return this.deps.log.warn(`Sidebar: ${action} on an unknown history entry ignored.`);
    const file = historyEntryPath(entry);
    const uri = file ? vscode.Uri.file(file) : undefined;
    const { prompt: _prompt, ...params } = entry.params;
    void _prompt;
    switch (action) {
      case 'open':
        if (uri) await vscode.commands.executeCommand('vscode.open', uri);
        return;
      case 'reveal':
        if (uri) await vscode.commands.executeCommand('revealInExplorer', uri);
        return;
      case 'insert':
        return this.insertLink(entry, file);
      case 'copyLink': {
        if (!file) return;
        await copyHistoryLink(entry, file, this.activeMarkdownDocument(), this.deps.copiedLinks);
        return;
      }
      case 'copyPrompt':
        await vscode.env.clipboard.writeText(entry.prompt);
        vscode.window.setStatusBarMessage(vscode.l10n.t('Prompt copied.'), 3000);
        return;
      case 'rerun':
      case 'vary': {
        if (action === 'vary') delete params.seed;
        try {
          await this.generate({ model: entry.model, prompt: entry.prompt, params, count: 1 });
        } catch (error) {
          this.report(error);
        }
        return;
      }
      case 'load':
        this.controller.postDelta({ type: 'loadDraft', model: entry.model, params: { ...params, prompt: entry.prompt } });
        return;
      case 'delete':
        return this.deleteEntry(entry, uri);
      case 'forget':
        await this.deps.history.remove(entry.generationId);
        return;
    }
  }

  private async insertLink(entry: HistoryEntry, file: string | undefined): Promise<void> {
    if (!file) return;
    const editor =
      vscode.window.activeTextEditor?.document.languageId === 'markdown'
        ? vscode.window.activeTextEditor
        : vscode.window.visibleTextEditors.find((candidate) => candidate.document.languageId === 'markdown');
    if (!editor) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a markdown document to insert the image into.'));
      return;
    }
    const link = historyImageLink(entry, file, editor.document.isUntitled ? undefined : editor.document);
    const inserted = await editor.edit((builder) => builder.replace(editor.selection, link));
    if (inserted) await vscode.window.showTextDocument(editor.document, editor.viewColumn);
  }

  private async deleteEntry(entry: HistoryEntry, uri: vscode.Uri | undefined): Promise<void> {
    const name = path.posix.basename(entry.file);
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Delete “{0}”?', name),
      { modal: true, detail: vscode.l10n.t('The file is moved to the trash and removed from the gallery. Links to it in your documents will break.') },
      vscode.l10n.t('Delete'),
    );
    if (choice !== vscode.l10n.t('Delete')) return;
    if (uri) {
      try {
        await vscode.workspace.fs.delete(uri, { useTrash: true });
      } catch (error) {
        if (!(error instanceof vscode.FileSystemError && error.code === 'FileNotFound')) throw error;
      }
    }
    await this.deps.history.remove(entry.generationId);
  }

  // ----- local images -----

  async pickImage(): Promise<ImageRefDraft | undefined> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file');
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: folders[0]?.uri,
      openLabel: vscode.l10n.t('Use as Reference'),
      filters: { [vscode.l10n.t('Images')]: ['png', 'jpg', 'jpeg', 'webp'] },
    });
    if (!picked?.[0]) return undefined;
    return this.localImage(picked[0].toString());
  }

  async dropImage(uri: string): Promise<ImageRefDraft> {
    return this.localImage(uri);
  }

  /**
   * A workspace image → a URL the model can fetch: uploaded to the user's repository (after a
   * one-time consent per repository), or a data: URI where the user allowed that; refused otherwise.
   */
  private async localImage(rawUri: string): Promise<ImageRefDraft> {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((folder) => folder.uri.scheme === 'file').map((folder) => folder.uri.fsPath);
    const checked = checkDroppedFileUri(rawUri, folders);
    if (!checked.ok) throw new Error(vscode.l10n.t('This image cannot be used: {0}.', checked.reason));
    const contained = await verifyInsideWorkspace(checked.path, checked.workspaceFolder, (candidate) => fs.realpath(candidate));
    if (!contained.ok) throw new Error(vscode.l10n.t('This image cannot be used: {0}', contained.reason));
    const stat = await fs.stat(checked.path);
    if (!stat.isFile() || stat.size > MAX_REFERENCE_BYTES) throw new Error(vscode.l10n.t('This image cannot be used: it is larger than 20 MB.'));
    const bytes = await fs.readFile(checked.path);
    const type = sniffImageType(bytes);
    if (!type) throw new Error(vscode.l10n.t('This file is not a PNG, JPEG or WebP image.'));
    const label = path.basename(checked.path);
    const config = vscode.workspace.getConfiguration();
    const repository = parseRepositorySetting(config.get<unknown>(STYLE_REFERENCE_REPOSITORY_SETTING));
    if (repository.kind === 'ok') {
      const name = `${repository.location.namespace}/${repository.location.repo}`;
      if (!(await this.consent(name, label))) throw new Error(vscode.l10n.t('The image was not uploaded.'));
      const core = await this.deps.core();
      const uploaded = await uploadStyleReference(core.client.transport, config.get<unknown>(STYLE_REFERENCE_REPOSITORY_SETTING), bytes, uploadExtension(type));
      this.deps.log.info(`Sidebar: uploaded a style reference to ${name} (${uploaded.path}, commit ${uploaded.commitId}).`);
      return { url: uploaded.url, label };
    }
    if (config.get<boolean>(ALLOW_DATA_URI_SETTING, false) === true && repository.kind === 'unset') {
      const uri = dataUriOf(bytes, type);
      if (uri.length > MAX_DATA_URI_LENGTH) throw new Error(vscode.l10n.t('This image is too large to embed; configure a repository to upload it instead.'));
      return { url: uri, label };
    }
    const message =
      repository.kind === 'invalid'
        ? vscode.l10n.t('The setting {0} {1}.', STYLE_REFERENCE_REPOSITORY_SETTING, repository.message)
        : vscode.l10n.t('Local images need a URL the model can fetch. Name an Oxen repository to upload them to in {0}, or paste an image URL.', STYLE_REFERENCE_REPOSITORY_SETTING);
    const open = vscode.l10n.t('Open Settings');
    void vscode.window.showWarningMessage(message, open).then((picked) => {
      if (picked === open) void vscode.commands.executeCommand('workbench.action.openSettings', STYLE_REFERENCE_REPOSITORY_SETTING);
    });
    throw new Error(message);
  }

  /** Asked once per repository; the answer is remembered (globally: it is about the user's repository). */
  private async consent(repository: string, fileName: string): Promise<boolean> {
    const given = this.context.globalState.get<string[]>(CONSENT_KEY) ?? [];
    if (given.includes(repository)) return true;
    const upload = vscode.l10n.t('Upload');
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Upload “{0}” to the Oxen repository {1}?', fileName, repository),
      { modal: true, detail: styleReferenceConsentText(repository) },
      upload,
    );
    if (choice !== upload) return false;
    await this.context.globalState.update(CONSENT_KEY, [...given, repository]);
    return true;
  }

  // ----- misc -----

  openSetting(setting: SettingKey): void {
    void vscode.commands.executeCommand('workbench.action.openSettings', SETTING_IDS[setting]);
  }

  runCommand(command: CommandKey): void {
    void vscode.commands.executeCommand(COMMAND_IDS[command]);
  }

  post(message: Parameters<StudioPlatform['post']>[0]): void {
    void this.view?.webview.postMessage(message);
  }

  describe(error: unknown): string {
    return describeError(error).message;
  }

  report(error: unknown): void {
    this.deps.log.warn(`Sidebar: ${(error as Error)?.message ?? String(error)}`);
    showError(describeError(error));
  }

  log(message: string): void {
    this.deps.log.warn(message);
  }

  /** Delivers what the recall actions or the Explorer asked for, once the webview can take it. */
  onReady(): void {
    if (!this.controller.isReady) return;
    const request = this.deps.inbox.take();
    if (!request) return;
    this.controller.postDelta(request);
    this.deps.log.info(`Sidebar: ${request.type} delivered${request.type === 'showInGallery' ? ` for ${request.generationId}` : ''}.`);
  }
}

/** The one-time consent text (asked before the first upload to a repository). */
export function styleReferenceConsentText(repository: string): string {
  return vscode.l10n.t(
    'Style references must be reachable by URL: the image is committed to {0} on Oxen, and its file URL is sent with the request. This makes the image reachable by the provider that runs the model, and by anyone who can read that repository (everyone, if it is public). You are asked once per repository.',
    repository,
  );
}

/**
 * The studio view's implementation. Lives in the lazily loaded core chunk (it needs zod and
 * undici); `registerStudioSidebar` (index.ts, in the activation bundle) creates it on the first
 * resolve. No retainContextWhenHidden (PERF-06): drafts survive through getState/setState and the
 * host snapshot.
 */
export function createStudioViewProvider(
  context: vscode.ExtensionContext,
  deps: StudioSidebarDeps,
): vscode.WebviewViewProvider & vscode.Disposable {
  return new StudioViewProvider(context, deps);
}
