import { JSDOM } from 'jsdom';
import { startStudio, type StudioApp } from '../../../media/webview/app';
import type { HostMessage, StudioSnapshot } from '../../../src/ui/sidebar/protocol';

export interface StudioHarness {
  dom: JSDOM;
  app: StudioApp;
  document: Document;
  /** Every message the webview posted to the host. */
  posted: Array<Record<string, unknown>>;
  state(): unknown;
  /** Delivers a host message the way VS Code does (a window `message` event). */
  send(message: HostMessage): void;
  /** Answers the webview's galleryQuery requests with `answer(query)` (after a microtask). */
  answerGallery(answer: (query: Record<string, unknown>) => unknown): void;
  close(): void;
}

/** The studio webview in jsdom, with a stub of acquireVsCodeApi (SEC-08 and behaviour tests). */
export function mountStudio(initialState?: unknown): StudioHarness {
  const dom = new JSDOM('<!DOCTYPE html><html><body><main id="studio"></main></body></html>', { pretendToBeVisual: true });
  const window = dom.window;
  const posted: Array<Record<string, unknown>> = [];
  let state = initialState;
  let galleryAnswer: ((query: Record<string, unknown>) => unknown) | undefined;
  const send = (message: HostMessage) => {
    window.dispatchEvent(new window.MessageEvent('message', { data: message }));
  };
  const api = {
    postMessage(message: unknown) {
      const record = message as Record<string, unknown>;
      posted.push(record);
      if (record.type === 'galleryQuery' && galleryAnswer) {
        const answer = galleryAnswer(record.query as Record<string, unknown>);
        queueMicrotask(() => send({ type: 'response', requestId: record.requestId as number, ok: true, value: answer }));
      }
    },
    getState: () => state,
    setState: (next: unknown) => {
      state = JSON.parse(JSON.stringify(next));
    },
  };
  const root = window.document.getElementById('studio')!;
  const app = startStudio(root, api, { setInterval: () => 0, clearInterval: () => undefined, draftDebounceMs: 0 });
  return {
    dom,
    app,
    document: window.document,
    posted,
    state: () => state,
    send,
    answerGallery(answer) {
      galleryAnswer = answer;
    },
    close: () => window.close(),
  };
}

export function baseSnapshot(overrides: Partial<StudioSnapshot> = {}): StudioSnapshot {
  return {
    models: [],
    modelsError: undefined,
    modelsLoading: false,
    defaultModel: 'krea-v2-large-text-to-image',
    draft: undefined,
    queue: [],
    failures: [],
    settings: { styleReferenceRepository: undefined, allowDataUriStyleReferences: false, workspaceTrusted: true, hasWorkspace: true },
    strings: {},
    ...overrides,
  };
}

export const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
