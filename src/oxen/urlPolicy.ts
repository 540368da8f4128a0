import { OxenProtocolError } from './errors';

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.test(url.hostname);
}

/**
 * Decides whether a URL the server handed us may be downloaded (SEC-10). Only `https:` is
 * accepted, except that a loopback API origin (the emulator, a local test server) may hand out
 * loopback `http:` URLs. `file:`, `data:`, `javascript:` and anything else are refused.
 */
export function checkDownloadUrl(raw: string, apiOrigin: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OxenProtocolError('Oxen returned a result URL that is not a valid URL.');
  }
  if (url.protocol === 'https:') return url;
  const api = new URL(apiOrigin);
  if (url.protocol === 'http:' && api.protocol === 'http:' && isLoopback(api) && isLoopback(url)) return url;
  throw new OxenProtocolError(`Refused to download a result from a "${url.protocol}" URL; only https is allowed.`);
}

/** The origin the API key may be sent to: exactly the configured base URL's origin. */
export function apiOriginOf(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new OxenProtocolError(`The Oxen API base URL "${baseUrl}" is not a valid URL.`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url))) {
    throw new OxenProtocolError('The Oxen API base URL must use https (plain http is allowed only for localhost).');
  }
  return url.origin;
}
