import type {
  Draft,
  FailedItem,
  GroupBy,
  HostMessage,
  ImageRefDraft,
  ModelSummary,
  QueueItem,
  ResponseValues,
  StudioSettings,
  StudioSnapshot,
} from '../../src/ui/sidebar/protocol';
import { h, icon, replaceChildren, useDocument } from './dom';
import { draftFromParams, emptyDraft, orderModels } from './formModel';
import { FormView } from './formView';
import { GalleryView } from './galleryView';
import { QueueView } from './queueView';
import { setStrings, t } from './strings';

/** What `acquireVsCodeApi()` returns. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Outbound messages, typed against the protocol (the host parses them again: SEC-09). */
type Outbound =
  | { type: 'ready' }
  | { type: 'draftChanged'; draft: Draft }
  | { type: 'cancel' | 'retryDownload' | 'dismiss'; id: string }
  | { type: 'galleryAction'; action: string; id: string }
  | { type: 'openSetting'; setting: 'styleReferenceRepository' | 'allowDataUriStyleReferences' | 'assetDestination' }
  | { type: 'command'; command: 'setApiKey' | 'showLog' | 'manageTrust' }
  | { type: 'refreshModels' };

type Requests = {
  generate: { model: string; prompt: string; params: Record<string, unknown>; count: number };
  galleryQuery: { query: { filter: string; groupBy: GroupBy; offset: number; limit: number } };
  pickImage: Record<string, never>;
  dropImage: { uri: string };
};

const STATE_VERSION = 1;

/** What the webview keeps across hide/show in `setState` (the draft also goes to the host). */
interface PersistedState {
  version: typeof STATE_VERSION;
  draft: Draft | undefined;
  gallery: { filter: string; groupBy: GroupBy };
  collapsed: { queue: boolean; gallery: boolean; form: boolean };
}

function restoredState(raw: unknown): PersistedState {
  const fallback: PersistedState = {
    version: STATE_VERSION,
    draft: undefined,
    gallery: { filter: '', groupBy: 'none' },
    collapsed: { queue: false, gallery: false, form: false },
  };
  if (typeof raw !== 'object' || raw === null || (raw as PersistedState).version !== STATE_VERSION) return fallback;
  const state = raw as PersistedState;
  return {
    version: STATE_VERSION,
    draft: state.draft && typeof state.draft.model === 'string' && typeof state.draft.values === 'object' ? state.draft : undefined,
    gallery: {
      filter: typeof state.gallery?.filter === 'string' ? state.gallery.filter : '',
      groupBy: ['none', 'document', 'folder'].includes(state.gallery?.groupBy) ? state.gallery.groupBy : 'none',
    },
    collapsed: { ...fallback.collapsed, ...(typeof state.collapsed === 'object' ? state.collapsed : {}) },
  };
}

export interface AppOptions {
  now?: () => number;
  /** Elapsed-time refresh; tests pass a fake. */
  setInterval?: (callback: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
  draftDebounceMs?: number;
}

/**
 * The studio webview: model picker and form, queue, gallery. Rendering is plain DOM with text
 * set as text (dom.ts); all state the host owns arrives as a snapshot, then deltas.
 */
export class StudioApp {
  readonly root: HTMLElement;
  models: ModelSummary[] = [];
  modelsError: string | undefined;
  modelsLoading = true;
  defaultModel = 'krea-v2-large-text-to-image';
  settings: StudioSettings = { styleReferenceRepository: undefined, allowDataUriStyleReferences: false, workspaceTrusted: true, hasWorkspace: true };
  draft: Draft;
  state: PersistedState;
  readonly now: () => number;
  readonly form: FormView;
  readonly queue: QueueView;
  readonly gallery: GalleryView;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private draftTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly draftDebounceMs: number;
  private hasSnapshot = false;

  constructor(
    root: HTMLElement,
    private readonly api: VsCodeApi,
    readonly options: AppOptions = {},
  ) {
    useDocument(root.ownerDocument);
    this.root = root;
    this.now = options.now ?? Date.now;
    this.draftDebounceMs = options.draftDebounceMs ?? 400;
    this.state = restoredState(api.getState());
    this.draft = this.state.draft ?? emptyDraft(this.defaultModel);
    this.form = new FormView(this);
    this.queue = new QueueView(this);
    this.gallery = new GalleryView(this);
    root.ownerDocument.defaultView?.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    this.post({ type: 'ready' });
  }

  post(message: Outbound): void {
    this.api.postMessage(message);
  }

  request<K extends keyof Requests & keyof ResponseValues>(type: K, payload: Requests[K]): Promise<ResponseValues[K]> {
    const requestId = this.nextRequestId++;
    return new Promise<ResponseValues[K]>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (value: unknown) => void, reject });
      this.api.postMessage({ type, requestId, ...payload });
    });
  }

  receive(data: unknown): void {
    if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') return;
    const message = data as HostMessage;
    switch (message.type) {
      case 'snapshot':
        return this.applySnapshot(message.snapshot);
      case 'models':
        this.setModels(message.models, message.error, message.loading);
        return;
      case 'queue':
        return this.queue.update(message.queue, message.failures);
      case 'settings':
        this.settings = message.settings;
        this.form.render();
        return;
      case 'galleryChanged':
        return this.gallery.refresh();
      case 'thumbnail':
        return this.gallery.thumbnailReady(message.id, message.uri, message.missing);
      case 'loadDraft':
        return this.loadParams(message.model, typeof message.params.prompt === 'string' ? message.params.prompt : '', message.params);
      case 'showInGallery':
        if (this.state.collapsed.gallery) this.root.querySelector<HTMLButtonElement>('.section-gallery .section-header')?.click();
        return this.gallery.reveal(message.generationId, message.filter);
      case 'response': {
        const waiter = this.pending.get(message.requestId);
        if (!waiter) return;
        this.pending.delete(message.requestId);
        if (message.ok) waiter.resolve(message.value);
        else waiter.reject(new Error(message.error));
        return;
      }
    }
  }

  private applySnapshot(snapshot: StudioSnapshot): void {
    setStrings(snapshot.strings);
    this.defaultModel = snapshot.defaultModel;
    this.settings = snapshot.settings;
    const local = this.state.draft;
    const remote = snapshot.draft;
    this.draft = local && (!remote || local.updatedAt >= remote.updatedAt) ? local : (remote ?? emptyDraft(snapshot.defaultModel));
    if (!this.hasSnapshot) this.layout();
    this.hasSnapshot = true;
    this.setModels(snapshot.models, snapshot.modelsError, snapshot.modelsLoading);
    this.queue.update(snapshot.queue, snapshot.failures);
    this.gallery.refresh();
  }

  private layout(): void {
    this.root.removeAttribute('aria-busy');
    replaceChildren(
      this.root,
      this.section('form', t('Generate'), this.form.element),
      this.section('queue', t('Queue'), this.queue.element, this.queue.badge),
      this.section('gallery', t('Gallery'), this.gallery.element, this.gallery.badge),
    );
  }

  private section(key: keyof PersistedState['collapsed'], title: string, body: HTMLElement, badge?: HTMLElement): HTMLElement {
    const collapsed = this.state.collapsed[key];
    const bodyId = `section-${key}`;
    body.id = bodyId;
    body.hidden = collapsed;
    const chevron = icon(collapsed ? 'chevron-right' : 'chevron-down', 'chevron');
    const header = h(
      'button',
      {
        class: 'section-header',
        attrs: { type: 'button', 'aria-expanded': String(!collapsed), 'aria-controls': bodyId },
        on: {
          click: () => {
            const nowCollapsed = !body.hidden;
            body.hidden = nowCollapsed;
            header.setAttribute('aria-expanded', String(!nowCollapsed));
            chevron.className = `codicon codicon-${nowCollapsed ? 'chevron-right' : 'chevron-down'} chevron`;
            this.state.collapsed[key] = nowCollapsed;
            this.persist();
          },
        },
      },
      chevron,
      h('span', { class: 'section-title' }, title),
      badge ?? null,
    );
    return h('section', { class: `section section-${key}`, attrs: { 'aria-label': title } }, h('h2', { class: 'section-heading' }, header), body);
  }

  private setModels(models: ModelSummary[], error: string | undefined, loading: boolean): void {
    this.models = orderModels(models, this.defaultModel);
    this.modelsError = error;
    this.modelsLoading = loading;
    if (this.models.length > 0 && !this.models.some((model) => model.id === this.draft.model)) {
      const fallback = this.models.find((model) => model.id === this.defaultModel) ?? this.models[0]!;
      this.draft = { ...this.draft, model: fallback.id };
    }
    this.form.render();
    this.queue.render();
  }

  model(id = this.draft.model): ModelSummary | undefined {
    return this.models.find((model) => model.id === id);
  }

  modelName(id: string): string {
    return this.model(id)?.displayName ?? id;
  }

  /** Records a draft change: at once in the webview state, debounced to the host. */
  updateDraft(change: (draft: Draft) => Draft, options: { rerender?: boolean } = {}): void {
    this.draft = { ...change(this.draft), updatedAt: this.now() };
    this.persist();
    if (this.draftTimer !== undefined) clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => {
      this.draftTimer = undefined;
      this.post({ type: 'draftChanged', draft: this.draft });
    }, this.draftDebounceMs);
    if (options.rerender) this.form.render();
  }

  persist(): void {
    this.state.draft = this.draft;
    this.api.setState(this.state);
  }

  /** "Load into form" and "Edit & retry": the parameters as they were sent, back in the form. */
  loadParams(modelId: string, prompt: string, params: Record<string, unknown>): void {
    const model = this.model(modelId);
    if (!model) {
      this.updateDraft((draft) => ({ ...draft, model: modelId, values: { ...draft.values, prompt } }), { rerender: true });
    } else {
      this.updateDraft((draft) => draftFromParams(model, prompt, params, draft), { rerender: true });
    }
    if (this.state.collapsed.form) this.root.querySelector<HTMLButtonElement>('.section-form .section-header')?.click();
    this.form.focusPrompt();
  }

  editAndRetry(item: FailedItem): void {
    this.loadParams(item.model, item.prompt, item.params);
  }

  queueItems(): QueueItem[] {
    return this.queue.items;
  }

  addImageRefs(field: string, refs: ImageRefDraft[]): void {
    this.updateDraft((draft) => {
      const current = Array.isArray(draft.values[field]) ? (draft.values[field] as ImageRefDraft[]) : [];
      return { ...draft, values: { ...draft.values, [field]: [...current, ...refs] } };
    }, { rerender: true });
  }
}

export function startStudio(root: HTMLElement, api: VsCodeApi, options?: AppOptions): StudioApp {
  return new StudioApp(root, api, options);
}
