import type { GenerationView, TerminalEvent } from '../generation/generationEvents';
import { ShutDownError } from './userErrors';

interface Waiter {
  /** Known once `submit` resolved; until then the request cannot be complete. */
  batchId: string | undefined;
  events: TerminalEvent[];
  resolve(events: TerminalEvent[]): void;
  reject(error: Error): void;
}

function outcomeKey(view: GenerationView): string {
  return view.generationId ?? view.submissionId;
}

/**
 * Lets a caller wait until every image of its request has had its outcome handled (saved and
 * linked, failed, or cancelled): the progress notification and `wait: true` rely on it. A waiter
 * is registered under the request's token before anything is submitted, so no outcome can slip
 * past it; it is complete when the journal holds nothing of its batch without a handled outcome.
 */
export class RequestWaiters {
  private readonly waiters = new Map<string, Waiter>();

  constructor(private readonly views: () => GenerationView[]) {}

  /** Starts collecting outcomes for `token`; call `submitted` once the batch id is known. */
  expect(token: string): Promise<TerminalEvent[]> {
    return new Promise<TerminalEvent[]>((resolve, reject) => {
      this.waiters.set(token, { batchId: undefined, events: [], resolve, reject });
    });
  }

  submitted(token: string, batchId: string): void {
    const waiter = this.waiters.get(token);
    if (!waiter) return;
    waiter.batchId = batchId;
    this.check(token, waiter);
  }

  /** Called after the UI has handled an outcome. */
  handled(token: string, event: TerminalEvent): void {
    const waiter = this.waiters.get(token);
    if (!waiter) return;
    waiter.events.push(event);
    this.check(token, waiter);
  }

  /** Called whenever the journal changed: a generation may have gone without an event of ours. */
  checkAll(): void {
    for (const [token, waiter] of this.waiters) this.check(token, waiter);
  }

  /** The request failed before it was accepted; the caller reports that itself. */
  abandon(token: string): void {
    this.waiters.delete(token);
  }

  dispose(): void {
    for (const waiter of this.waiters.values()) waiter.reject(new ShutDownError());
    this.waiters.clear();
  }

  private check(token: string, waiter: Waiter): void {
    if (waiter.batchId === undefined) return;
    const handled = new Set(waiter.events.map((event) => event.generationId ?? event.submission.id));
    const unfinished = this.views().some((view) => view.batchId === waiter.batchId && !handled.has(outcomeKey(view)));
    if (unfinished) return;
    this.waiters.delete(token);
    waiter.resolve(waiter.events);
  }
}
