/**
 * Every timer the emulator starts goes through one TimerSet, so `close()` can cancel all of them
 * at once and a closed emulator never fires a late callback into a test that has moved on.
 */
export class TimerSet {
  private readonly pending = new Set<NodeJS.Timeout>();

  after(ms: number, callback: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      callback();
    }, ms);
    this.pending.add(timer);
    return timer;
  }

  every(ms: number, callback: () => void): NodeJS.Timeout {
    const timer = setInterval(callback, ms);
    this.pending.add(timer);
    return timer;
  }

  /** Resolves after `ms`; used by handlers that must hold a response open (the sync endpoint). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    this.pending.delete(timer);
  }

  cancelAll(): void {
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
