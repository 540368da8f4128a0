import { OxenProtocolError } from './errors';

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.test(url.hostname);
}

/** https anywhere; loopback http only while the API itself is loopback http (the emulator). */
function mayDownload(url: URL, apiOrigin: string): boolean {
  if (url.protocol === 'https:') return true;
  const api = new URL(apiOrigin);
  return url.protocol === 'http:' && api.protocol === 'http:' && isLoopback(api) && isLoopback(url);
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
  if (mayDownload(url, apiOrigin)) return url;
  throw new OxenProtocolError(`Refused to download a result from a "${url.protocol}" URL; only https is allowed.`);
}

/** A Location header, resolved against the URL that sent it as every HTTP client does. */
function resolveLocation(location: string, from: URL): URL | undefined {
  try {
    return new URL(location, from);
  } catch {
    return undefined;
  }
}

/**
 * Where a download may be redirected (REL-13): the rule of `checkDownloadUrl` for every hop, and
 * never from https down to http, even on loopback. Messages name the host, so a user can tell
 * which server sent the download astray.
 */
export function checkDownloadRedirect(location: string, from: URL, apiOrigin: string): URL {
  const url = resolveLocation(location, from);
  if (!url) throw new OxenProtocolError(`The image download was redirected by ${from.host} to something that is not a URL.`);
  if (url.protocol === 'http:' && from.protocol === 'https:') {
    throw new OxenProtocolError(`The image download was redirected from https to plain http at ${url.host}; refused.`);
  }
  if (mayDownload(url, apiOrigin)) return url;
  if (url.protocol === 'http:') {
    throw new OxenProtocolError(`The image download was redirected to plain http at ${url.host}; refused, only https is allowed.`);
  }
  throw new OxenProtocolError(`The image download was redirected by ${from.host} to a "${url.protocol}" URL; refused.`);
}

/**
 * Where an API call may be redirected: only within the API origin, since every hop there carries
 * the key (SEC-04). Nothing is sent to any other target, so the key cannot reach it.
 */
export function checkApiRedirect(location: string, from: URL, apiOrigin: string): URL {
  const url = resolveLocation(location, from);
  const api = new URL(apiOrigin).host;
  if (!url) throw new OxenProtocolError(`Oxen (${api}) redirected the request to something that is not a URL.`);
  if (url.origin === apiOrigin) return url;
  const target = !url.host ? `a "${url.protocol}" URL` : url.host === api ? `another origin (${url.origin})` : `another host (${url.host})`;
  throw new OxenProtocolError(`Oxen (${api}) redirected the request to ${target}, which is not followed so your API key stays with Oxen.`);
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
