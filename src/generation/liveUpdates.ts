/**
 * How results reach this window right now, and why: the tracker decides, the status bar and the
 * log say it (REL-14). Pure data, so the UI words it in the user's language.
 */
export type PollingReason =
  /** `oxenImageStudio.delivery` (or the request) asked for polling: the stream is never opened. */
  | 'setting'
  /** The stream dropped and is reconnecting. */
  | 'stream-down'
  /** The stream answered with something else: an HTTP error, an HTML page, another content type. */
  | 'stream-refused'
  /** The stream sent nothing, not even a keep-alive, for longer than the documented interval. */
  | 'stream-silent'
  /** A status read found a completion that the open stream never announced. */
  | 'missed-completion';

export type LiveUpdates =
  | { mode: 'stream' }
  | {
      mode: 'polling';
      reason: PollingReason;
      intervalMs: number;
      /** For 'stream-refused': what answered, e.g. `HTTP 502` or `text/html`. */
      refusal?: { status: number; contentType: string | undefined };
    };

export function sameLiveUpdates(a: LiveUpdates, b: LiveUpdates): boolean {
  if (a.mode !== b.mode) return false;
  if (a.mode === 'stream' || b.mode === 'stream') return true;
  return (
    a.reason === b.reason &&
    a.intervalMs === b.intervalMs &&
    a.refusal?.status === b.refusal?.status &&
    a.refusal?.contentType === b.refusal?.contentType
  );
}

/** One line for the log (English, like every log line); the status bar has its own localized text. */
export function describeLiveUpdates(updates: LiveUpdates): string {
  if (updates.mode === 'stream') return 'Live updates: event stream.';
  const every = `polling every ${Math.round(updates.intervalMs / 1000)} s`;
  switch (updates.reason) {
    case 'setting':
      return `Live updates: ${every}, as oxenImageStudio.delivery asks.`;
    case 'stream-down':
      return `Live updates: ${every} while the event stream reconnects.`;
    case 'stream-refused': {
      const refusal = updates.refusal;
      const what = refusal === undefined ? 'something else' : refusal.status !== 200 ? `HTTP ${refusal.status}` : `${refusal.contentType ?? 'no content type'} instead of text/event-stream`;
      return `Live updates: ${every}; the event stream is not getting through on this network (it answered ${what}).`;
    }
    case 'stream-silent':
      return `Live updates: ${every}; the event stream went silent past its keep-alive interval, as behind a proxy that buffers it.`;
    case 'missed-completion':
      return `Live updates: ${every}; the event stream did not announce a finished image, as behind a proxy that filters it.`;
  }
}
