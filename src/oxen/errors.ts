/**
 * Every failure the Oxen client reports is one of these classes. `kind` lets the UI pick a
 * localised message and an action (e.g. "Set API Key") without parsing text; `message` is an
 * English fallback for logs. No error ever carries the API key.
 */
export type OxenErrorKind =
  | 'unauthorized'
  | 'insufficient-credits'
  | 'unknown-model'
  | 'invalid-params'
  | 'rate-limited'
  | 'not-found'
  | 'server'
  | 'network'
  | 'bad-response'
  | 'cancelled';

export abstract class OxenError extends Error {
  abstract readonly kind: OxenErrorKind;
  /** HTTP status when the server answered. */
  readonly status: number | undefined;
  /** The server's own words, if any (already stripped to plain text). */
  readonly serverMessage: string | undefined;

  constructor(message: string, options: { status?: number; serverMessage?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.serverMessage = options.serverMessage;
  }
}

export class OxenAuthError extends OxenError {
  readonly kind = 'unauthorized';
}

export class OxenCreditsError extends OxenError {
  readonly kind = 'insufficient-credits';
}

export class OxenUnknownModelError extends OxenError {
  readonly kind = 'unknown-model';
  constructor(readonly model: string, message: string, options: { status?: number; serverMessage?: string } = {}) {
    super(message, options);
  }
}

export class OxenInvalidParamsError extends OxenError {
  readonly kind = 'invalid-params';
  constructor(
    message: string,
    /** The request field the server or the local validator blamed, when known. */
    readonly field: string | undefined,
    options: { status?: number; serverMessage?: string } = {},
  ) {
    super(message, options);
  }
}

export class OxenRateLimitError extends OxenError {
  readonly kind = 'rate-limited';
  constructor(message: string, readonly retryAfterMs: number | undefined, options: { status?: number; serverMessage?: string } = {}) {
    super(message, options);
  }
}

export class OxenNotFoundError extends OxenError {
  readonly kind = 'not-found';
}

export class OxenServerError extends OxenError {
  readonly kind = 'server';
}

/**
 * The network failed or timed out. `mayHaveReachedServer` is false only when the request
 * provably never left (connection refused, DNS, connect timeout): a non-idempotent call such as
 * enqueue must be reconciled, not re-sent, whenever it is true (REL-07).
 */
export class OxenNetworkError extends OxenError {
  readonly kind = 'network';
  constructor(
    message: string,
    readonly timedOut: boolean,
    readonly mayHaveReachedServer: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** The server answered something we cannot trust: wrong shape, wrong type, a redirect, a refused URL. */
export class OxenProtocolError extends OxenError {
  readonly kind = 'bad-response';
}

export class OxenCancelledError extends OxenError {
  readonly kind = 'cancelled';
  constructor(message = 'The request was cancelled.') {
    super(message);
  }
}
