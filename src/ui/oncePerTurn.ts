/**
 * Runs `work` once at the end of the current turn however many times `schedule` was called in it,
 * and never after `dispose`.
 */
export class OncePerTurn {
  private queued: NodeJS.Immediate | undefined;

  constructor(private readonly work: () => void) {}

  schedule(): void {
    this.queued ??= setImmediate(() => {
      this.queued = undefined;
      this.work();
    });
  }

  dispose(): void {
    if (this.queued) clearImmediate(this.queued);
    this.queued = undefined;
  }
}
