import { randomInt } from 'node:crypto';
import { renderArtwork } from './artwork';
import { INSUFFICIENT_CREDITS, lacksCredits } from './billing';
import { defaultAspectRatio, type Model } from './models';
import { findParameterProblem } from './validation';

// What a model run makes of its request parameters, shared by the queue and the sync endpoint.

type Params = Readonly<Record<string, unknown>>;

/** Why a run with these parameters fails, or null when it succeeds. */
export function runFailure(model: Model, params: Params): string | null {
  return findParameterProblem(model.json_request_schema, params) ?? (lacksCredits(params.prompt) ? INSUFFICIENT_CREDITS : null);
}

/** The request's seed, else a random one: without a seed every run differs, as real runs do. */
export function pictureSeed(params: Params): number {
  return Number.isInteger(params.seed) ? (params.seed as number) : randomInt(2 ** 31);
}

export function renderModelOutput(model: Model, params: Params, seed: number): Buffer {
  const { prompt, aspect_ratio: aspectRatio } = params;
  return renderArtwork({
    prompt: typeof prompt === 'string' ? prompt : '',
    seed,
    aspectRatio: typeof aspectRatio === 'string' ? aspectRatio : defaultAspectRatio(model),
  });
}
