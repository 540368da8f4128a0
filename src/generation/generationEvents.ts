import type { FailureInfo, GenerationState, SubmissionRecord } from './journal';

/** A terminal outcome, delivered until every handler has run (again after a reload if need be). */
export type TerminalEvent =
  | { type: 'saved'; generationId: string; submission: SubmissionRecord; file: string }
  | { type: 'failed'; generationId: string | undefined; submission: SubmissionRecord; failure: FailureInfo }
  | { type: 'cancelled'; generationId: string; submission: SubmissionRecord };

export type TerminalHandler = (event: TerminalEvent) => void | Promise<void>;

/** One line of the queue as a UI shows it. */
export interface GenerationView {
  submissionId: string;
  batchId: string;
  generationId: string | undefined;
  model: string;
  prompt: string;
  state: GenerationState | 'submitting' | 'unresolved';
  createdAt: number;
  file?: string;
  failure?: FailureInfo;
}
