import type { ServerResponse } from 'node:http';
import type { DownloadPlan } from './faults';
import { paddedPng } from './png';
import type { TimerSet } from './timers';

/** What a captive portal or a misconfigured CDN serves in place of the file. */
const HTML_INSTEAD_OF_IMAGE = Buffer.from(
  '<!DOCTYPE html><html><head><title>Sign in</title></head><body><p>Please sign in to continue.</p></body></html>',
);

/** Throttled bodies go out in ten slices a second. */
const THROTTLE_TICK_MS = 100;

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
 * Content-Length, like a connection that dies mid-transfer.
 */
export async function sendImage(res: ServerResponse, png: Buffer, plan: DownloadPlan, timers: TimerSet): Promise<void> {
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
