import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Core, CoreApi } from './core';
import type * as DocumentFeatures from './documentFeatures';
import { ApiKeyStore } from './host/apiKeyStore';
import { CoreLoader } from './host/coreLoader';
import { HistoryStore } from './host/historyStore';
import { RedactingLog } from './host/log';
import { MementoJournalStore } from './host/mementoJournalStore';
import { COMMANDS } from './ui/commandIds';
import { clearApiKeyCommand } from './ui/commands/clearApiKey';
import { setApiKeyCommand } from './ui/commands/setApiKey';
import { showLogCommand } from './ui/commands/showLog';
import { showCoreLoadFailure } from './ui/coreLoadFailure';
import { registerGalleryDocumentProviders, type GalleryDocumentProviders } from './ui/documents';
import { CopiedLinks } from './ui/documents/copiedLinks';
import { LazyCodeLensProvider, LazyContentProvider, lazyHoverProvider } from './ui/lazyProviders';
import { GENERATION_INFO_SCHEME } from './ui/recall/generationInfoScheme';
import { registerStudioSidebar } from './ui/sidebar';
import { StudioInbox } from './ui/sidebar/inbox';

/**
 * The composition root. Activation is cheap and makes no network request (PERF-01): it builds
 * the host adapters, registers the commands and returns the test API. The core (Oxen client,
 * generation service, zod, undici) is a separate chunk, dist/core.js, required on the first
 * command that needs it, or right away only when the journal holds unfinished work (REL-06).
 */

/** What `vscode.extensions.getExtension(...).exports` gives: enough for tests, nothing secret. */
export interface OxenImageStudioApi {
  /** Loads the core if it is not yet loaded. */
  whenCoreReady(): Promise<CoreApi>;
  isCoreLoaded(): boolean;
  /**
   * Does what a window reload does to the extension: disposes the core as `deactivate()` does,
   * then starts it again from the same journal as activation does (REL-06 tests).
   */
  simulateReload(): Promise<void>;
  /** Folder of the log file (SEC-05 tests read it). */
  readonly logFolder: vscode.Uri;
  /** Everything the extension keeps in global and workspace state (SEC-05 tests). */
  storedState(): { global: Record<string, unknown>; workspace: Record<string, unknown> };
  /** The gallery's drop and paste providers as registered (drop/paste tests call them with a real DataTransfer). */
  readonly documentProviders: GalleryDocumentProviders;
  /** The gallery's "Copy markdown link" for a history entry, with no document open (paste tests). */
  copyMarkdownLink(generationId: string): Promise<string | undefined>;
}

/** REL-10: deactivate() must resolve within 2 s, whatever the network does. */
const SHUTDOWN_BUDGET_MS = 1800;

let shutDown: (() => Promise<void>) | undefined;

function requireCoreChunk(): typeof import('./core') {
  // A runtime path esbuild leaves alone: the core stays out of dist/extension.js.
  return require(path.join(__dirname, 'core.js'));
}

function requireDocumentFeatures(): typeof DocumentFeatures {
  // Required on first hover, CodeLens or recall command: its code stays out of dist/extension.js.
  return require(path.join(__dirname, 'documentFeatures.js'));
}

function mementoContents(memento: vscode.Memento): Record<string, unknown> {
  return Object.fromEntries(memento.keys().map((key) => [key, memento.get(key)]));
}

export function activate(context: vscode.ExtensionContext): OxenImageStudioApi {
  const log = new RedactingLog('Oxen Image Studio');
  const apiKey = new ApiKeyStore(context.secrets, process.env, (key) => log.addSecret(key));
  const journalStore = new MementoJournalStore(context.workspaceState);
  // Owned here, not by the core: the gallery shows the history without loading the core.
  const history = new HistoryStore(context.workspaceState);
  const queueChanged = new vscode.EventEmitter<void>();
  // Recall and the Explorer ask the sidebar to load a draft or show an image, whenever it is ready.
  const studioInbox = new StudioInbox();
  const recall = { history, inbox: studioInbox };
  const markdownFiles: vscode.DocumentSelector = { language: 'markdown' };
  const recallLenses = new LazyCodeLensProvider(() => new (requireDocumentFeatures().RecallCodeLensProvider)(history));
  const promptLinkLenses = new LazyCodeLensProvider(() => new (requireDocumentFeatures().PromptLinkCodeLensProvider)());
  const generationInfo = new LazyContentProvider(() => new (requireDocumentFeatures().GenerationInfoProvider)(history));
  const copiedLinks = new CopiedLinks();
  const documents = registerGalleryDocumentProviders({ implementation: () => requireCoreChunk(), history, log, copiedLinks });
  const loader: CoreLoader<Core> = new CoreLoader(() =>
    requireCoreChunk().createCore({ context, apiKey, log, journalStore, history, queueChanged, onConnectionChanged: () => void restart() }),
  );

  /** Activation-time start: only when there is unfinished work, and only where files may be written. */
  function resumeIfPending(): void {
    if (!journalStore.hasPendingWork() || !vscode.workspace.isTrusted) return;
    loader.get().then(
      (core) => core.resumePending(),
      (error: unknown) => log.error(`Could not resume unfinished generations: ${(error as Error).message}`),
    );
  }

  async function restart(): Promise<void> {
    log.info('Connection settings changed: restarting the generation service.');
    await loader.unload();
    resumeIfPending();
  }

  /** Runs a core command; a core that cannot start is explained to a user, thrown to a caller. */
  function coreCommand(pick: (core: Core) => (argument?: unknown) => Promise<unknown>) {
    return async (argument?: unknown): Promise<unknown> => {
      let core: Core;
      try {
        core = await loader.get();
      } catch (error) {
        log.error(`The core could not start: ${(error as Error).message}`);
        if (argument !== undefined && !(argument instanceof vscode.Uri) && !(argument instanceof vscode.Location)) throw error;
        showCoreLoadFailure(error);
        return undefined;
      }
      return pick(core)(argument);
    };
  }

  context.subscriptions.push(
    log,
    apiKey,
    history,
    queueChanged,
    registerStudioSidebar(context, {
      implementation: () => requireCoreChunk(),
      core: async () => (await loader.get()).sidebar,
      isCoreLoaded: () => loader.isLoaded(),
      onDidChangeQueue: queueChanged.event,
      history,
      inbox: studioInbox,
      log,
      copiedLinks,
    }),
    studioInbox,
    // Hover and CodeLens read the image file and the history only: no core, no network.
    vscode.languages.registerHoverProvider(markdownFiles, lazyHoverProvider(() => new (requireDocumentFeatures().RecallHoverProvider)(history))),
    recallLenses,
    vscode.languages.registerCodeLensProvider(markdownFiles, recallLenses),
    generationInfo,
    vscode.workspace.registerTextDocumentContentProvider(GENERATION_INFO_SCHEME, generationInfo),
    documents.registration,
    vscode.commands.registerCommand(COMMANDS.generateImage, coreCommand((core) => core.generateImage)),
    vscode.commands.registerCommand(COMMANDS.generateImageHere, coreCommand((core) => core.generateImageHere)),
    vscode.commands.registerCommand(COMMANDS.generateAllImages, coreCommand((core) => core.generateAllImages)),
    vscode.commands.registerCommand(COMMANDS.generatePromptLink, coreCommand((core) => core.generatePromptLink)),
    promptLinkLenses,
    vscode.languages.registerCodeLensProvider(markdownFiles, promptLinkLenses),
    vscode.commands.registerCommand(COMMANDS.cancelGeneration, coreCommand((core) => core.cancelGeneration)),
    vscode.commands.registerCommand(COMMANDS.setApiKey, setApiKeyCommand(apiKey)),
    vscode.commands.registerCommand(COMMANDS.clearApiKey, clearApiKeyCommand(apiKey)),
    vscode.commands.registerCommand(COMMANDS.showLog, showLogCommand(log)),
    vscode.commands.registerCommand(COMMANDS.regenerateInPlace, coreCommand((core) => core.regenerateInPlace)),
    vscode.commands.registerCommand(COMMANDS.vary, coreCommand((core) => core.vary)),
    vscode.commands.registerCommand(COMMANDS.loadIntoSidebar, (argument) => requireDocumentFeatures().loadIntoSidebarCommand(COMMANDS.loadIntoSidebar, recall)(argument)),
    vscode.commands.registerCommand(COMMANDS.showInGallery, (argument) => requireDocumentFeatures().showInGalleryCommand(COMMANDS.showInGallery, recall)(argument)),
    vscode.commands.registerCommand(COMMANDS.showGenerationInfo, (argument) => requireDocumentFeatures().showGenerationInfoCommand(COMMANDS.showGenerationInfo)(argument)),
    vscode.commands.registerCommand(COMMANDS.regenerateLikeThis, (argument) => requireDocumentFeatures().loadIntoSidebarCommand(COMMANDS.regenerateLikeThis, recall)(argument)),
    apiKey.onDidChange(() => loader.ifLoaded((core) => core.credentialsChanged())),
    vscode.workspace.onDidGrantWorkspaceTrust(resumeIfPending),
  );
  shutDown = async () => {
    await Promise.race([loader.unload(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS))]);
  };
  // After this function returns: activation itself stays free of I/O.
  setImmediate(resumeIfPending);

  return {
    whenCoreReady: async () => (await loader.get()).api,
    isCoreLoaded: () => loader.isLoaded(),
    simulateReload: async () => {
      await shutDown?.();
      resumeIfPending();
    },
    logFolder: context.logUri,
    storedState: () => ({ global: mementoContents(context.globalState), workspace: mementoContents(context.workspaceState) }),
    documentProviders: documents.providers,
    copyMarkdownLink: (generationId) => requireCoreChunk().copyHistoryLinkById(history, generationId, copiedLinks),
  };
}

export async function deactivate(): Promise<void> {
  await shutDown?.();
}
