import * as vscode from 'vscode';

type Optional<T> = T & Partial<vscode.Disposable>;

/**
 * Creates `T` on first use and keeps it. The shells below hand VS Code a provider at activation
 * whose implementation (and code) is loaded only when VS Code first asks it for something.
 */
class Lazy<T extends Partial<vscode.Disposable>> implements vscode.Disposable {
  private instance: T | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly create: () => T,
    private readonly onCreated: (instance: T) => vscode.Disposable | undefined = () => undefined,
  ) {}

  get(): T {
    if (!this.instance) {
      this.instance = this.create();
      const forwarding = this.onCreated(this.instance);
      if (forwarding) this.subscriptions.push(forwarding);
    }
    return this.instance;
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
    this.instance?.dispose?.();
  }
}

export function lazyHoverProvider(create: () => vscode.HoverProvider): vscode.HoverProvider {
  let provider: vscode.HoverProvider | undefined;
  return { provideHover: (document, position, token) => (provider ??= create()).provideHover(document, position, token) };
}

/** A CodeLens provider whose change events start flowing once the real one exists. */
export class LazyCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly provider: Lazy<Optional<vscode.CodeLensProvider>>;

  constructor(create: () => Optional<vscode.CodeLensProvider>) {
    this.provider = new Lazy(create, (real) => real.onDidChangeCodeLenses?.(() => this.changed.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.ProviderResult<vscode.CodeLens[]> {
    return this.provider.get().provideCodeLenses(document, token);
  }

  dispose(): void {
    this.provider.dispose();
    this.changed.dispose();
  }
}

/** A read-only document provider whose change events start flowing once the real one exists. */
export class LazyContentProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly provider: Lazy<Optional<vscode.TextDocumentContentProvider>>;

  constructor(create: () => Optional<vscode.TextDocumentContentProvider>) {
    this.provider = new Lazy(create, (real) => real.onDidChange?.((uri) => this.changed.fire(uri)));
  }

  provideTextDocumentContent(uri: vscode.Uri, token: vscode.CancellationToken): vscode.ProviderResult<string> {
    return this.provider.get().provideTextDocumentContent(uri, token);
  }

  dispose(): void {
    this.provider.dispose();
    this.changed.dispose();
  }
}
