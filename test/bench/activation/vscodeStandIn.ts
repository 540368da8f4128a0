/**
 * A minimal `vscode` module: just what activate() touches when there is no pending work, so the
 * activation benchmark can load dist/extension.js in plain Node. It is bundled to
 * `<build>/node_modules/vscode/index.js`, where `require('vscode')` from the bundle finds it.
 * Registrations (`register…`) and event subscriptions (`onDid…`, `onWill…`) that activation adds
 * as features arrive are answered with a disposable by `namespace()`; any other missing call
 * shows up as a TypeError in the benchmark: add it here if activate() really needs it.
 */

export class Disposable {
  constructor(private readonly onDispose: () => void) {}

  static from(...disposables: Array<{ dispose(): unknown }>): Disposable {
    return new Disposable(() => disposables.forEach((disposable) => disposable.dispose()));
  }

  dispose(): void {
    this.onDispose();
  }
}

export class EventEmitter<T> {
  private readonly listeners = new Set<(event: T) => unknown>();

  readonly event = (listener: (event: T) => unknown): Disposable => {
    this.listeners.add(listener);
    return new Disposable(() => this.listeners.delete(listener));
  };

  fire(event: T): void {
    for (const listener of this.listeners) listener(event);
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}

  static file(fsPath: string): Uri {
    return new Uri('file', fsPath);
  }

  get fsPath(): string {
    return this.path;
  }

  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

/** The drop and paste providers name their edit kind when they are registered. */
export class DocumentDropOrPasteEditKind {
  static readonly Empty = new DocumentDropOrPasteEditKind('');

  private constructor(readonly value: string) {}

  append(...parts: string[]): DocumentDropOrPasteEditKind {
    return new DocumentDropOrPasteEditKind([this.value, ...parts].filter(Boolean).join('.'));
  }
}

const noEvent = () => new Disposable(() => undefined);

/** An API namespace whose unknown `register…` / `onDid…` / `onWill…` members return disposables. */
function namespace<T extends object>(members: T): T {
  return new Proxy(members, {
    get(target, property, receiver) {
      if (typeof property !== 'string' || property in target) return Reflect.get(target, property, receiver);
      if (/^(register|onDid|onWill)/.test(property)) return noEvent;
      return undefined;
    },
  });
}

export const version = '1.100.0';

export const window = namespace({
  createOutputChannel: (name: string) => ({
    name,
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    append: () => undefined,
    appendLine: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    clear: () => undefined,
    dispose: () => undefined,
  }),
});

const registered = new Map<string, unknown>();

export const commands = namespace({
  registerCommand: (id: string, callback: unknown): Disposable => {
    registered.set(id, callback);
    return new Disposable(() => registered.delete(id));
  },
  executeCommand: async (): Promise<undefined> => undefined,
});

export const workspace = namespace({
  isTrusted: true,
});

export const languages = namespace({});

export const l10n = {
  t: (message: string, ...args: unknown[]): string => message.replace(/\{(\d+)\}/g, (_, index: string) => String(args[Number(index)])),
};

/** The ExtensionContext VS Code would hand to activate(): empty state, no secret stored. */
export function standInExtensionContext(logFolder: string): unknown {
  const memento = () => {
    const values = new Map<string, unknown>();
    return {
      keys: () => [...values.keys()],
      get: (key: string, fallback?: unknown) => (values.has(key) ? values.get(key) : fallback),
      update: async (key: string, value: unknown) => void values.set(key, value),
      setKeysForSync: () => undefined,
    };
  };
  return {
    subscriptions: [],
    workspaceState: memento(),
    globalState: memento(),
    secrets: {
      get: async () => undefined,
      store: async () => undefined,
      delete: async () => undefined,
      onDidChange: noEvent,
    },
    logUri: Uri.file(logFolder),
    extensionUri: Uri.file(logFolder),
    extension: { id: 'oxen-image-studio.oxen-image-studio', packageJSON: { version: '0.0.0-bench' } },
  };
}
