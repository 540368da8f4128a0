import type { FailureInfo } from './journal';

/** What the user can do about a failed write differs by cause, so each gets its own kind. */
const KIND_BY_CODE: Readonly<Record<string, string>> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EROFS: 'read-only-destination',
  EACCES: 'destination-not-writable',
  EPERM: 'destination-not-writable',
};

/**
 * Classifies a local file-system error (it carries an errno `code`) for the UI; undefined for
 * anything else. The message keeps node's own words, which name the call and the path.
 */
export function fileSystemFailure(error: unknown, retryable: boolean): FailureInfo | undefined {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code !== 'string' || !(error instanceof Error)) return undefined;
  return { kind: KIND_BY_CODE[code] ?? 'file-system', message: error.message, retryable };
}
