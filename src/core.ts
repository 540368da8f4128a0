import * as vscode from 'vscode';
import type { GenerationView } from './generation/generationEvents';
import type { LiveUpdates } from './generation/liveUpdates';
import type { JournalStore } from './generation/journal';
import { GenerationService } from './generation/service';
import type { ApiKeyStore } from './host/apiKeyStore';
import type { HistoryEntry, HistoryStore } from './host/historyStore';
import type { Log } from './host/log';
import { PaletteMemory } from './host/paletteMemory';
import { affectsConnection, readConnectionSettings, type ConnectionSettings } from './host/settings';
import { OxenClient } from './oxen/client';
import { OxenTransport } from './oxen/transport';
import { cancelGenerationCommand } from './ui/commands/cancelGeneration';
import { generateImageCommand } from './ui/commands/generateImage';
import { generateImageHereCommand } from './ui/commands/generateImageHere';
import { generateAllImagesCommand, generatePromptLinkCommand } from './ui/commands/promptLinkCommands';
import { PromptLinkGenerator } from './ui/documents/promptLinkGenerator';
import { regenerateInPlaceCommand, varyCommand } from './ui/recall/recallRuns';
import { GenerationRunner } from './ui/generationRunner';
import { ModelCatalog } from './ui/modelCatalog';
import { RequestWaiters } from './ui/requestWaiters';
import { ResultHandler } from './ui/resultHandler';
import { GenerationStatusBar } from './ui/statusBar';
import type { StudioCore } from './ui/sidebar/provider';
import { OncePerTurn } from './ui/oncePerTurn';
import { UnauthorizedNotice } from './ui/unauthorizedNotice';
import { MissingApiKeyError } from './ui/userErrors';

export { createStudioViewProvider } from './ui/sidebar/provider';
export { createGalleryDocumentProviders } from './ui/documents/providers';
export { copyHistoryLinkById } from './ui/documents/copyLink';

/**
 * The lazily loaded part of the extension (dist/core.js): the Oxen client, the generation
 * service and everything that needs them. extension.ts requires it on the first command, or at
 * activation only when the journal holds unfinished work, so activation stays cheap (PERF-02).
 */

/** What the always-loaded part hands over; it owns these and outlives any core. */
export interface CoreHost {
  context: vscode.ExtensionContext;
  apiKey: ApiKeyStore;
  log: Log;
  journalStore: JournalStore;
  /** The workspace history: the core records saved images, the sidebar's gallery reads it without a core. */
  history: HistoryStore;
  /** Fired whenever the generation service changed (the sidebar's queue follows it across core restarts). */
  queueChanged: { fire(): void };
  /** The base URL or proxy changed: the host replaces this core with a new one. */
  onConnectionChanged(): void;
}

/** Read-only views for tests. Holds nothing secret. */
export interface CoreApi {
  views(): GenerationView[];
  hasPendingWork(): boolean;
  history(): HistoryEntry[];
  connection(): ConnectionSettings;
  /** How results reach this window now (REL-14), and the status bar's tooltip for it. */
  liveUpdates(): { updates: LiveUpdates; tooltip: string | undefined };
  /** What a failure notification's Retry / Dismiss do, for a generation or submission id. */
  retry(id: string): Promise<boolean>;
  dismiss(id: string): Promise<void>;
}

export interface Core {
  generateImage(argument?: unknown): Promise<unknown>;
  generateImageHere(argument?: unknown): Promise<unknown>;
  generateAllImages(argument?: unknown): Promise<unknown>;
  generatePromptLink(argument?: unknown): Promise<unknown>;
  cancelGeneration(argument?: unknown): Promise<unknown>;
  /** Recall actions that make a new image (src/ui/recall/recallRuns.ts). */
  regenerateInPlace(argument?: unknown): Promise<unknown>;
  vary(argument?: unknown): Promise<unknown>;
  /** The key was set or cleared. */
  credentialsChanged(): void;
  /** Picks up the journal's unfinished work (REL-06); only in a trusted workspace, as it writes files. */
  resumePending(): Promise<void>;
  readonly api: CoreApi;
  /** What the studio sidebar drives (src/ui/sidebar/provider.ts). */
  readonly sidebar: StudioCore;
  /** Aborts streams, polls and downloads (REL-10); the journal keeps what is unfinished. */
  dispose(): Promise<void>;
}

function sameConnection(a: ConnectionSettings, b: ConnectionSettings): boolean {
  return a.apiBaseUrl === b.apiBaseUrl && a.proxyUrl === b.proxyUrl && a.proxyStrictSSL === b.proxyStrictSSL;
}

export function createCore(host: CoreHost): Core {
  const { context, apiKey, log } = host;
  const connection = readConnectionSettings();
  if (!connection.proxyStrictSSL) {
    log.warn('http.proxyStrictSSL is off, but Oxen Image Studio always verifies certificates; add a private CA with NODE_EXTRA_CA_CERTS.');
  }
  const transport = new OxenTransport({
    baseUrl: connection.apiBaseUrl,
    getApiKey: () => apiKey.get(),
    userAgent: `oxen-image-studio/${String(context.extension.packageJSON.version)} vscode/${vscode.version}`,
    proxyUrl: connection.proxyUrl,
    env: process.env,
  });
  const client = new OxenClient(transport);
  const statusBar = new GenerationStatusBar();
  const unauthorized = new UnauthorizedNotice();
  const waiters = new RequestWaiters(() => service.views());
  // Every change of every generation signals; building the views once per turn keeps a burst of
  // n changes from costing n × n (PERF: 1,000 generations in flight).
  const viewsChanged = new OncePerTurn(() => {
    statusBar.update(service.views());
    waiters.checkAll();
    host.queueChanged.fire();
  });
  const service: GenerationService = new GenerationService({
    client,
    store: host.journalStore,
    log: (message) => log.info(message),
    onUnauthorized: () => unauthorized.show(),
    onChange: () => viewsChanged.schedule(),
    onLiveUpdates: (updates) => statusBar.setLiveUpdates(updates),
  });
  const { history } = host;
  const unsubscribe = service.onTerminal(new ResultHandler({ service, history, waiters, log }).handle);
  const catalog = new ModelCatalog(client);
  const runner = new GenerationRunner({ service, catalog, waiters, hasApiKey: async () => (await apiKey.get()) !== undefined, log });
  const palette = { runner, catalog, memory: new PaletteMemory(context.globalState) };
  const promptLinks = { runner, generator: new PromptLinkGenerator({ runner, catalog, service }) };
  const configuration = vscode.workspace.onDidChangeConfiguration((event) => {
    if (!affectsConnection(event)) return;
    let changed = true;
    try {
      changed = !sameConnection(readConnectionSettings(), connection);
    } catch (error) {
      log.warn((error as Error).message); // the new core reports it to whoever uses it next
    }
    if (changed) host.onConnectionChanged();
  });
  statusBar.update(service.views());
  log.info(`Connected to ${connection.apiBaseUrl}${connection.proxyUrl ? ' through the configured proxy' : ''}.`);

  return {
    generateImage: generateImageCommand(palette),
    generateImageHere: generateImageHereCommand(palette),
    generateAllImages: generateAllImagesCommand(promptLinks),
    generatePromptLink: generatePromptLinkCommand(promptLinks),
    cancelGeneration: cancelGenerationCommand({ service, log }),
    regenerateInPlace: regenerateInPlaceCommand({ runner, history, memento: context.globalState }),
    vary: varyCommand({ runner, history, memento: context.globalState }),
    credentialsChanged() {
      unauthorized.keyChanged();
      service.credentialsChanged();
    },
    async resumePending() {
      if (!vscode.workspace.isTrusted || !service.hasPendingWork()) return;
      log.info('Resuming unfinished generations from the journal.');
      await service.resume();
    },
    sidebar: {
      service,
      client: {
        transport: client.transport,
        // Without a key, say so (and how to set one) instead of showing Oxen's 401.
        listModels: async (signal?: AbortSignal) => {
          if ((await apiKey.get()) === undefined) throw new MissingApiKeyError();
          return client.listModels(signal);
        },
      },
      generate: (r) =>
        runner.run({
          prompt: r.prompt,
          model: r.model,
          params: r.params,
          count: r.count,
          placement: { kind: 'none', forDocument: r.forDocument },
          interactive: false,
          wait: false,
        }),
    },
    api: {
      views: () => service.views(),
      hasPendingWork: () => service.hasPendingWork(),
      history: () => history.list(),
      connection: () => ({ ...connection }),
      liveUpdates: () => ({ updates: service.liveUpdates, tooltip: statusBar.tooltipText }),
      retry: (id) => service.retry(id),
      dismiss: (id) => service.dismiss(id),
    },
    async dispose() {
      configuration.dispose();
      await service.dispose();
      viewsChanged.dispose();
      unsubscribe();
      waiters.dispose();
      statusBar.dispose();
      await transport.close();
    },
  };
}
