/**
 * When each generation was known to be finished by the client under test, and when its image was
 * on disk. Our service and both baselines report to the same clock (performance.now(), this
 * process), so their figures are measured the same way.
 */
export class CompletionClock {
  private readonly known = new Map<string, number>();
  private readonly saved = new Map<string, number>();
  private readonly failed = new Map<string, string>();

  /** First report wins: later signals for the same generation change nothing. */
  markKnown(id: string): void {
    if (!this.known.has(id)) this.known.set(id, performance.now());
  }

  markSaved(id: string): void {
    this.markKnown(id);
    if (!this.saved.has(id)) this.saved.set(id, performance.now());
  }

  markFailed(id: string, reason: string): void {
    this.markKnown(id);
    this.failed.set(id, reason);
  }

  knownAt(id: string): number | undefined {
    return this.known.get(id);
  }

  savedAt(id: string): number | undefined {
    return this.saved.get(id);
  }

  savedCount(): number {
    return this.saved.size;
  }

  /** Failures are never expected in a benchmark run; the runner reports them instead of figures. */
  failures(): Array<[string, string]> {
    return [...this.failed];
  }
}
