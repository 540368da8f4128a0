/** Something that can be loaded on demand and must be disposed of before it is replaced. */
export interface AsyncDisposable {
  dispose(): Promise<void>;
}

/**
 * Loads the core at most once until it is unloaded. A failed load (an invalid setting, say) is
 * forgotten, so the next command tries again once the user fixed it.
 */
export class CoreLoader<T extends AsyncDisposable> {
  private loading: Promise<T> | undefined;

  constructor(private readonly load: () => T) {}

  get(): Promise<T> {
    if (!this.loading) {
      const loading = Promise.resolve().then(this.load);
      this.loading = loading;
      loading.catch(() => {
        if (this.loading === loading) this.loading = undefined;
      });
    }
    return this.loading;
  }

  isLoaded(): boolean {
    return this.loading !== undefined;
  }

  /** Runs `action` on the core only if it is loaded (or loading): never loads it for that. */
  ifLoaded(action: (core: T) => void): void {
    void this.loading?.then(action, () => undefined);
  }

  async unload(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    const core = await loading?.catch(() => undefined);
    await core?.dispose();
  }
}
