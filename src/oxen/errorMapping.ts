import { parseRetryAfter } from './backoff';
import {
  OxenAuthError,
  OxenCreditsError,
  OxenError,
  OxenInvalidParamsError,
  OxenNotFoundError,
  OxenProtocolError,
  OxenRateLimitError,
  OxenServerError,
  OxenUnknownModelError,
} from './errors';
import { errorBodySchema, type ErrorBody } from './schemas';

const RETRY_AFTER_CAP_MS = 5 * 60_000;
const MAX_SERVER_MESSAGE_CHARS = 500;

export interface ErrorContext {
  /** The model the request named, so "Model not found" can say which. */
  model?: string;
  /** Parameter names sent, so an invalid-params answer can point at the field it blames. */
  parameterNames?: readonly string[];
  nowMs?: number;
}

/** Reduces any documented error body (or plain text) to one line of the server's words. */
export function serverMessageFrom(bodyText: string): string | undefined {
  let text: string | undefined;
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    text = bodyText.trim().startsWith('<') ? undefined : bodyText;
  }
  if (json !== undefined) {
    const parsed = errorBodySchema.safeParse(json);
    text = parsed.success ? errorText(parsed.data) : undefined;
  }
  const oneLine = text?.replace(/\s+/g, ' ').trim();
  return oneLine ? oneLine.slice(0, MAX_SERVER_MESSAGE_CHARS) : undefined;
}

function errorText(body: ErrorBody): string | undefined {
  const { error } = body;
  if (typeof error === 'string') return error;
  if (error) {
    const detail = typeof error.detail === 'string' ? error.detail : undefined;
    return [error.message ?? error.title, detail].filter(Boolean).join(': ') || error.type;
  }
  return body.message ?? body.detail;
}

function blamedField(message: string | undefined, parameterNames: readonly string[] | undefined): string | undefined {
  if (!message || !parameterNames) return undefined;
  return parameterNames.find((name) => new RegExp(`\\b${name}\\b`).test(message));
}

/** Maps a non-2xx answer to the error class a user can act on. */
export function errorFromResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  bodyText: string,
  context: ErrorContext = {},
): OxenError {
  const serverMessage = serverMessageFrom(bodyText);
  const options = { status, serverMessage };
  const said = (pattern: RegExp) => pattern.test(serverMessage ?? '');

  if (status === 401 || status === 403) {
    return new OxenAuthError('The Oxen API key is missing or was rejected.', options);
  }
  if (status === 402 || said(/insufficient credits|credit/i)) {
    return new OxenCreditsError('Your Oxen account does not have enough credits for this generation.', options);
  }
  if (said(/model not found/i) || (status === 404 && context.model && said(/model/i))) {
    const model = context.model ?? serverMessage?.replace(/.*model not found:\s*/i, '') ?? '';
    return new OxenUnknownModelError(model, `The model "${model}" does not exist on Oxen.`, options);
  }
  if (said(/unsupported_media_type/)) {
    return new OxenInvalidParamsError(`The model "${context.model ?? ''}" cannot generate images.`, 'model', options);
  }
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after'], context.nowMs ?? Date.now(), RETRY_AFTER_CAP_MS);
    return new OxenRateLimitError('Oxen is rate limiting requests.', retryAfterMs, options);
  }
  if (status === 404) {
    return new OxenNotFoundError('Oxen does not know that resource.', options);
  }
  if (status === 400 || status === 422) {
    const field = blamedField(serverMessage, context.parameterNames);
    return new OxenInvalidParamsError(serverMessage ?? 'Oxen rejected the request parameters.', field, options);
  }
  if (status >= 500) {
    return new OxenServerError(`Oxen had a server error (HTTP ${status}).`, options);
  }
  return new OxenProtocolError(`Oxen answered with an unexpected HTTP ${status}.`, options);
}
