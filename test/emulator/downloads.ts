import type { ServerResponse } from 'node:http';
import type { DownloadPlan, DownloadRedirects, RedirectStatus } from './faults';
import { paddedPng } from './png';
import type { TimerSet } from './timers';

/** What a captive portal or a misconfigured CDN serves in place of the file. */
const HTML_INSTEAD_OF_IMAGE = Buffer.from(
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Please sign in to continue.</p></body></html>',
);

/** Throttled bodies go out in ten slices a second. */
const THROTTLE_TICK_MS = 100;

/** How many redirects a URL is into its chain: what lets a redirect fault answer each hop differently. */
export const HOP_PARAM = 'hop';
/** Along a chain every redirect status turns up, the commonest first. */
const CHAIN_STATUSES: readonly RedirectStatus[] = [302, 307, 301, 308, 303];
/** Where 'to-http' sends a download: a name that never resolves, since a client must refuse it unasked. */
const UNRESOLVABLE_HOST = 'storage.invalid';

export interface Redirect {
  status: RedirectStatus;
  /** Absolute, or relative to the URL asked for. */
  location: string;
}

export function hopOf(url: URL): number {
  const hop = Number(url.searchParams.get(HOP_PARAM));
  return Number.isInteger(hop) && hop > 0 ? hop : 0;
}

export function withHop(url: URL, hop: number): URL {
  const marked = new URL(url);
  if (hop > 0) marked.searchParams.set(HOP_PARAM, String(hop));
  else marked.searchParams.delete(HOP_PARAM);
  return marked;
}

/**
 * The redirect a download fault answers `current` with, or null when this hop serves the image.
 * `next` is the file's URL to send the client on to: a freshly presigned one from `result_url`; on
 * storage the one asked for, its signature kept, as S3 keeps it when it redirects to a region.
 */
export function downloadRedirect(redirects: DownloadRedirects, current: URL, next: URL): Redirect | null {
  const hop = hopOf(current);
  let target: URL;
  if (redirects.kind === 'chain') {
    if (hop >= redirects.hops) return null;
    target = withHop(next, hop + 1);
  } else if (redirects.kind === 'loop') {
    target = withHop(next, hop === 0 ? 1 : 0);
  } else {
    target = withHop(next, hop + 1);
    target.protocol = 'http:';
    target.hostname = UNRESOLVABLE_HOST;
    target.port = '';
  }
  // Object stores send absolute Locations, web servers often relative ones: a chain has both.
  const relative = target.origin === current.origin && hop % 2 === 1;
  return { status: CHAIN_STATUSES[hop % CHAIN_STATUSES.length]!, location: relative ? target.pathname + target.search : target.href };
}

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);

/** A redirect with the small HTML body web frameworks add for anyone reading it in a browser. */
export function sendRedirect(res: ServerResponse, { status, location }: Redirect): void {
  const body = Buffer.from(`<html><body>You are being <a href="${escapeHtml(location)}">redirected</a>.</body></html>`);
  res.writeHead(status, { Location: location, 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

/** The URL this response answers, as the client asked for it. */
function requestedUrl(res: ServerResponse): URL {
  return new URL(res.req.url ?? '/', `http://${res.req.headers.host ?? 'localhost'}`);
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Sends an image download, shaped by the download faults. The body is streamed with backpressure,
 * so padding a picture to 50 MB costs no memory. A truncated body still announces the full
 * Content-Length, like a connection that dies mid-transfer. `next` is where a redirect fault
 * sends the client (see `downloadRedirect`); the URL asked for when omitted.
 */
export async function sendImage(res: ServerResponse, png: Buffer, plan: DownloadPlan, timers: TimerSet, next?: string): Promise<void> {
  const current = requestedUrl(res);
  const redirect = plan.redirect(current, next === undefined ? current : new URL(next));
  if (redirect) return sendRedirect(res, redirect);
  if (plan.body === 'html') {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': HTML_INSTEAD_OF_IMAGE.length });
    res.end(HTML_INSTEAD_OF_IMAGE);
    return;
  }
  const image = paddedPng(png, plan.padToBytes);
  res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': image.byteLength });
  const limit = plan.body === 'truncated' ? Math.floor(image.byteLength / 2) : image.byteLength;
  const sliceBytes = plan.bytesPerSec === null ? Infinity : Math.max(1, Math.floor((plan.bytesPerSec * THROTTLE_TICK_MS) / 1000));
  let sent = 0;
  for (const chunk of image.chunks()) {
    for (let offset = 0; offset < chunk.length && sent < limit; ) {
      const piece = chunk.subarray(offset, offset + Math.min(sliceBytes, limit - sent));
      offset += piece.length;
      sent += piece.length;
      // Waiting before each slice (not after) means the last byte, too, arrives no faster than the rate.
      if (plan.bytesPerSec !== null) await timers.sleep((piece.length / plan.bytesPerSec) * 1000);
      if (res.destroyed) return;
      if (plan.body === 'truncated' && sent === limit) {
        // the half body must reach the socket before the connection is cut
        await new Promise<void>((resolve) => res.write(piece, () => resolve()));
        res.destroy();
        return;
      }
      if (!res.write(piece)) await drainedOrClosed(res);
    }
  }
  res.end();
}
