import type { GenerationView } from '../generation/generationEvents';

const UNFINISHED_STATES: ReadonlySet<GenerationView['state']> = new Set([
  'submitting',
  'unresolved',
  'queued',
  'processing',
  'downloading',
  'finalizing',
]);

/** Generations still on their way to a file: what the status bar counts and the queue can cancel. */
export function unfinished(views: readonly GenerationView[]): GenerationView[] {
  return views.filter((view) => UNFINISHED_STATES.has(view.state));
}

/** The id `GenerationService.cancel` takes for a line of the queue. */
export function cancelId(view: GenerationView): string {
  return view.generationId ?? view.submissionId;
}
