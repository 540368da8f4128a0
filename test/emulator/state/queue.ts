import { randomUUID } from 'node:crypto';
import { costPerImage } from '../billing';
import { pictureSeed, renderModelOutput, runFailure } from '../modelRun';
import type { Model } from '../models';
import type { TimerSet } from '../timers';
import { isTerminal, type Generation, type GenerationTarget } from './generation';

export type Outcome = { status: 'succeeded' } | { status: 'failed'; error: string };

export interface QueueOptions {
  queuedMs: number;
  processingMs: number;
  /** The status a new generation starts in: 'processing' emulates the docs before 2026-05-11. */
  initialStatus: 'queued' | 'processing';
  timers: TimerSet;
  /** Where finished pictures go, by generation id; the download routes serve them from there. */
  results: Map<string, Buffer>;
  resultUrlFor(generation: Generation): string;
  /** Called once when a generation succeeds or fails (never on cancel): the SSE hook. */
  onCompleted(generation: Generation): void;
}

export interface EnqueueRequest {
  model: Model;
  count: number;
  params: Record<string, unknown>;
  target: GenerationTarget;
}

const unixSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * Runs generations through queued → processing → succeeded | failed on timers, and keeps every
 * row after it ends (rows persist, oxen-api.md §4). Model parameters are judged only when a
 * generation runs, as the real queue does (§3), so a bad one ends `failed` with an explanation.
 */
export class GenerationQueue {
  private readonly generations = new Map<string, Generation>();
  private readonly pendingSteps = new Map<string, NodeJS.Timeout>();
  private holding = false;

  constructor(private readonly options: QueueOptions) {}

  get(id: string): Generation | undefined {
    return this.generations.get(id);
  }

  /** Every generation, oldest first. */
  all(): Generation[] {
    return [...this.generations.values()];
  }

  enqueue(request: EnqueueRequest): Generation[] {
    const { initialStatus } = this.options;
    return Array.from({ length: request.count }, () => {
      const generation: Generation = {
        id: randomUUID(),
        model: request.model,
        mediaType: 'image',
        status: initialStatus,
        enqueuedAt: unixSeconds(),
        startedAt: initialStatus === 'processing' ? unixSeconds() : null,
        completedAt: null,
        resultUrl: null,
        errorMessage: null,
        target: request.target,
        params: request.params,
        imageSeed: pictureSeed(request.params),
        cost: null,
      };
      this.generations.set(generation.id, generation);
      if (!this.holding) this.scheduleNextStep(generation);
      return generation;
    });
  }

  /** While holding, new generations wait in their first state until settled or cancelled. */
  hold(on: boolean): void {
    this.holding = on;
  }

  /** @returns false when the id is unknown. Cancelling a finished generation changes nothing. */
  cancel(id: string): boolean {
    const generation = this.generations.get(id);
    if (!generation) return false;
    if (isTerminal(generation.status)) return true;
    this.cancelPendingStep(generation);
    generation.status = 'cancelled';
    generation.completedAt = unixSeconds();
    return true;
  }

  /** Moves a queued generation to processing now; held, it then stays there until settled. */
  start(id: string): void {
    const generation = this.generations.get(id);
    if (!generation) throw new Error(`unknown generation ${id}`);
    if (generation.status !== 'queued') throw new Error(`generation ${id} is ${generation.status}, not queued`);
    this.cancelPendingStep(generation);
    generation.status = 'processing';
    generation.startedAt = unixSeconds();
    if (!this.holding) this.scheduleNextStep(generation);
  }

  /** Ends a generation now, whatever its timers say. Throws for an unknown or finished one. */
  settle(id: string, outcome: Outcome): void {
    const generation = this.generations.get(id);
    if (!generation) throw new Error(`unknown generation ${id}`);
    if (isTerminal(generation.status)) throw new Error(`generation ${id} is already ${generation.status}`);
    this.cancelPendingStep(generation);
    generation.startedAt ??= unixSeconds();
    this.complete(generation, outcome);
  }

  private scheduleNextStep(generation: Generation): void {
    const { queuedMs, processingMs, timers } = this.options;
    const step =
      generation.status === 'queued'
        ? timers.after(queuedMs, () => this.startProcessing(generation))
        : timers.after(processingMs, () => this.complete(generation, this.run(generation)));
    this.pendingSteps.set(generation.id, step);
  }

  private cancelPendingStep(generation: Generation): void {
    this.options.timers.cancel(this.pendingSteps.get(generation.id));
    this.pendingSteps.delete(generation.id);
  }

  private startProcessing(generation: Generation): void {
    generation.status = 'processing';
    generation.startedAt = unixSeconds();
    this.scheduleNextStep(generation);
  }

  /** Parameters are judged when the generation runs, not at enqueue. */
  private run(generation: Generation): Outcome {
    const failure = runFailure(generation.model, generation.params);
    return failure === null ? { status: 'succeeded' } : { status: 'failed', error: failure };
  }

  private complete(generation: Generation, outcome: Outcome): void {
    this.pendingSteps.delete(generation.id);
    generation.completedAt = unixSeconds();
    if (outcome.status === 'succeeded') {
      this.options.results.set(generation.id, renderModelOutput(generation.model, generation.params, generation.imageSeed));
      generation.resultUrl = this.options.resultUrlFor(generation);
      generation.cost = costPerImage(generation.model);
    } else {
      generation.errorMessage = outcome.error;
    }
    generation.status = outcome.status;
    this.options.onCompleted(generation);
  }
}
