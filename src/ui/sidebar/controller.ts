import {
  parseWebviewMessage,
  type CommandKey,
  type Draft,
  type GalleryAction,
  type GalleryPage,
  type GalleryQuery,
  type HostMessage,
  type ImageRefDraft,
  type SettingKey,
  type StudioSnapshot,
  type WebviewMessage,
} from './protocol';

export interface GenerateInput {
  model: string;
  prompt: string;
  params: Record<string, unknown>;
  count: number;
}

/**
 * What the controller may do on the host. The vscode adapter (provider.ts) implements it; every
 * method takes parsed, typed values only, and ids are looked up there, never used as paths.
 */
export interface StudioPlatform {
  post(message: HostMessage): void;
  snapshot(): Promise<StudioSnapshot>;
  saveDraft(draft: Draft): void;
  generate(input: GenerateInput): Promise<{ generationIds: string[] }>;
  cancel(id: string): Promise<void>;
  retryDownload(id: string): Promise<void>;
  dismiss(id: string): Promise<void>;
  queryGallery(query: GalleryQuery): Promise<GalleryPage>;
  galleryAction(action: GalleryAction, id: string): Promise<void>;
  pickImage(): Promise<ImageRefDraft | undefined>;
  dropImage(uri: string): Promise<ImageRefDraft>;
  openSetting(setting: SettingKey): void;
  runCommand(command: CommandKey): void;
  refreshModels(): void;
  /** An error a user should read, as one sentence (for `response` messages). */
  describe(error: unknown): string;
  /** Errors of fire-and-forget actions: shown the standard way (notification with actions). */
  report(error: unknown): void;
  log(message: string): void;
  /** The webview has its snapshot: deltas reach it from now on. */
  onReady(): void;
}

/**
 * Turns webview messages into platform calls. A message that does not parse is dropped and
 * logged: no platform method other than `log` runs for it (SEC-09).
 */
export class StudioController {
  private ready = false;

  constructor(private readonly platform: StudioPlatform) {}

  /** True once the webview said `ready` (deltas before that are pointless: the snapshot follows). */
  get isReady(): boolean {
    return this.ready;
  }

  /** The view was hidden and its webview destroyed; the next `ready` gets a new snapshot. */
  reset(): void {
    this.ready = false;
  }

  /** Posts a delta, but only to a webview that has had its snapshot. */
  postDelta(message: HostMessage): void {
    if (this.ready) this.platform.post(message);
  }

  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.platform.log(`Sidebar: ${parsed.reason}; dropped.`);
      return;
    }
    try {
      await this.dispatch(parsed.message);
    } catch (error) {
      this.platform.report(error);
    }
  }

  private async dispatch(message: WebviewMessage): Promise<void> {
    const p = this.platform;
    switch (message.type) {
      case 'ready': {
        const snapshot = await p.snapshot();
        p.post({ type: 'snapshot', snapshot });
        this.ready = true;
        p.onReady();
        return;
      }
      case 'draftChanged':
        return p.saveDraft(message.draft);
      case 'generate':
        return this.answer(message.requestId, () =>
          p.generate({ model: message.model, prompt: message.prompt, params: message.params, count: message.count }),
        );
      case 'cancel':
        return p.cancel(message.id);
      case 'retryDownload':
        return p.retryDownload(message.id);
      case 'dismiss':
        return p.dismiss(message.id);
      case 'galleryQuery':
        return this.answer(message.requestId, () => p.queryGallery(message.query));
      case 'galleryAction':
        return p.galleryAction(message.action, message.id);
      case 'pickImage':
        return this.answer(message.requestId, async () => (await p.pickImage()) ?? null);
      case 'dropImage':
        return this.answer(message.requestId, () => p.dropImage(message.uri));
      case 'openSetting':
        return p.openSetting(message.setting);
      case 'command':
        return p.runCommand(message.command);
      case 'refreshModels':
        return p.refreshModels();
    }
  }

  private async answer(requestId: number, work: () => Promise<unknown>): Promise<void> {
    try {
      const value = await work();
      this.platform.post({ type: 'response', requestId, ok: true, value });
    } catch (error) {
      this.platform.post({ type: 'response', requestId, ok: false, error: this.platform.describe(error) });
    }
  }
}
