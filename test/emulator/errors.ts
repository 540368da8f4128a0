import type { Variants } from './server';

/** The `error.type` / `status_message` values the contract documents (oxen-api.md §10). */
export type ErrorType = 'unauthenticated' | 'invalid_params' | 'resource_not_found' | 'unknown_error';

const TITLES: Record<ErrorType, string> = {
  unauthenticated: 'You must be authenticated to access this resource',
  invalid_params: 'Invalid parameters supplied, please check your request and try again.',
  resource_not_found: 'The requested resource could not be found',
  unknown_error: 'An unknown error occurred',
};

/**
 * An error response. `form` is set where the contract documents the exact body (401, the queue's
 * 404, the models' 404); everywhere else the body follows the `errorEnvelope` variant.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly detail?: string,
    readonly form?: Variants['errorEnvelope'],
  ) {
    super(detail ?? TITLES[type]);
  }
}

export function errorBody(error: ApiError, variant: Variants['errorEnvelope']): object {
  if ((error.form ?? variant) === 'message') return { error: { message: error.message } };
  const details = error.detail === undefined ? {} : { detail: error.detail };
  return {
    error: { type: error.type, title: TITLES[error.type], ...details },
    status: 'error',
    status_message: error.type,
  };
}

export const invalidParams = (detail: string): ApiError => new ApiError(400, 'invalid_params', detail);

export const unauthenticated = (): ApiError => new ApiError(401, 'unauthenticated', undefined, 'typed');

/** The exact 404 body documented for the queue endpoints (§5): typed, without a detail. */
export const generationNotFound = (): ApiError => new ApiError(404, 'resource_not_found', undefined, 'typed');

/** What a fault-injected status looks like when the test gives no body of its own. */
export function injectedError(status: number): ApiError {
  if (status === 400) return invalidParams('Invalid request');
  if (status === 401 || status === 403) return new ApiError(status, 'unauthenticated');
  if (status === 404) return new ApiError(status, 'resource_not_found');
  return new ApiError(status, 'unknown_error', status === 429 ? 'Rate limit exceeded' : 'Internal server error');
}
