/**
 * Byte-level Server-Sent Events parser following the WHATWG HTML "event stream interpretation"
 * rules (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * - UTF-8 decoding; exactly one leading BOM is stripped (even when split across chunks). A BOM
 *   anywhere else is kept as U+FEFF. Invalid UTF-8 becomes U+FFFD, exactly as a streaming decoder
 *   over the whole stream would produce it: lines are split on CR / LF bytes (which never occur
 *   inside a multi-byte sequence) and each complete line is decoded on its own.
 * - Line ends: CRLF, LF or CR. A CR at the end of one chunk and an LF at the start of the next are
 *   ONE line end.
 * - `field:value`, one leading space of the value stripped; a line without a colon is a field with
 *   an empty value; lines starting with ':' are comments; unknown fields are ignored.
 * - `data` lines are joined with '\n'; `event` sets the type (default 'message'); `id` sets the
 *   last event id unless it contains NUL (the id persists across events, as in the spec); `retry`
 *   is accepted only when it is ASCII digits only.
 * - A blank line dispatches; an event with no `data` line is not dispatched. An incomplete event
 *   at the end of the stream is never dispatched.
 *
 * Safety bound (`maxEventBytes`, default 1 MiB): a line longer than the bound, or an event whose
 * field lines together exceed it, is discarded and reported once through `onOversize`. The
 * parser keeps scanning for line ends without buffering the discarded bytes, so a 10 MB line
 * costs no memory. When the oversize line belongs to an event (any non-comment line), the whole
 * event is dropped up to its terminating blank line: dispatching it without the dropped field
 * would deliver a truncated event.
 *
 * This file must never import `vscode`.
 */

export interface ServerSentEvent {
  type: string;
  data: string;
  /** The stream's last event id at dispatch time; absent while it is the empty string. */
  id?: string;
  /** A valid `retry` field seen inside this event's block (milliseconds). */
  retry?: number;
}

export interface SseParserHandlers {
  onEvent(event: ServerSentEvent): void;
  /** Text after the ':' of a comment line, one leading space stripped (`: keep-alive` → `keep-alive`). */
  onComment?(text: string): void;
  /**
   * A line or event larger than `maxEventBytes` was discarded. Called once per discarded line or
   * event, when the offending line ends (or at `end()`), with its size in bytes: the whole line,
   * plus the event's earlier field lines when the event is dropped with it. The value does not
   * depend on how the stream was split into chunks.
   */
  onOversize?(bytes: number): void;
  /** A valid `retry` field (the spec's reconnection time), reported even when no event follows. */
  onRetry?(ms: number): void;
}

export interface SseParserOptions {
  maxEventBytes?: number;
}

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const BOM = [0xef, 0xbb, 0xbf] as const;
const DIGITS_ONLY = /^[0-9]+$/;

export class SseParser {
  private readonly maxEventBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** BOM bytes matched so far at the start of the stream; -1 once the question is settled. */
  private bomMatched = 0;
  /** The previous chunk ended with CR: an LF at the start of the next chunk belongs to it. */
  private afterCR = false;

  // Current line.
  private lineParts: Uint8Array[] = [];
  private lineBytes = 0;
  private lineIsComment = false;
  private skippingLine = false;
  /** Bytes dropped for the oversize line being skipped (and its event's earlier lines). */
  private skippedBytes = 0;
  /** The oversize line being skipped still has to be reported. */
  private reportPending = false;

  // Current event.
  private dataLines: string[] = [];
  private eventType = '';
  private eventRetry: number | undefined;
  private eventBytes = 0;
  private discardingEvent = false;

  // Stream-level state.
  private lastEventId = '';

  constructor(
    private readonly handlers: SseParserHandlers,
    options: SseParserOptions = {},
  ) {
    const max = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    if (!Number.isFinite(max) || max < 1) throw new RangeError(`maxEventBytes must be a positive number, got ${max}`);
    this.maxEventBytes = Math.floor(max);
  }

  /** Bytes currently held for the line and event in progress (never more than ~maxEventBytes). */
  get bufferedBytes(): number {
    return this.lineBytes + this.eventBytes;
  }

  /**
   * Feeds the next bytes of the stream. Handlers are called synchronously; if one throws, the
   * exception propagates and the rest of this chunk is lost, so callers should not throw.
   */
  feed(chunk: Uint8Array): void {
    let start = 0;
    if (this.bomMatched >= 0) {
      while (start < chunk.length && this.bomMatched < BOM.length) {
        if (chunk[start] !== BOM[this.bomMatched]) {
          // Not a BOM: the bytes held back so far are ordinary stream bytes.
          const heldBack = Uint8Array.from(BOM.slice(0, this.bomMatched));
          this.bomMatched = -1;
          this.process(heldBack, 0);
          break;
        }
        this.bomMatched++;
        start++;
      }
      if (this.bomMatched === BOM.length) this.bomMatched = -1;
    }
    if (start < chunk.length) this.process(chunk, start);
  }

  /**
   * End of stream: whatever is pending (an incomplete line or event) is discarded, never
   * dispatched. The parser is then back in its initial state, ready for a new stream.
   */
  end(): void {
    if (this.skippingLine) this.reportOversize();
    this.bomMatched = 0;
    this.afterCR = false;
    this.resetLine();
    this.resetEvent();
    this.discardingEvent = false;
    this.lastEventId = '';
  }

  private process(buf: Uint8Array, from: number): void {
    const n = buf.length;
    let i = from;
    if (this.afterCR && i < n) {
      this.afterCR = false;
      if (buf[i] === LF) i++;
    }
    while (i < n) {
      let j = i;
      while (j < n) {
        const b = buf[j];
        if (b === LF || b === CR) break;
        j++;
      }
      if (j > i) this.appendLineBytes(buf, i, j);
      if (j === n) {
        // The line continues in the next chunk: keep a copy, the caller may reuse its buffer.
        if (j > i && !this.skippingLine) {
          const last = this.lineParts.length - 1;
          this.lineParts[last] = this.lineParts[last].slice();
        }
        return;
      }
      i = j + 1;
      if (buf[j] === CR) {
        if (i < n) {
          if (buf[i] === LF) i++;
        } else {
          this.afterCR = true;
        }
      }
      this.endLine();
    }
  }

  private appendLineBytes(buf: Uint8Array, from: number, to: number): void {
    if (this.skippingLine) {
      this.skippedBytes += to - from;
      return;
    }
    if (this.lineBytes === 0) this.lineIsComment = buf[from] === COLON;
    const lineBytes = this.lineBytes + (to - from);
    const total = this.lineIsComment || this.discardingEvent ? lineBytes : this.eventBytes + lineBytes;
    if (total > this.maxEventBytes) {
      this.oversize(total);
      return;
    }
    this.lineParts.push(buf.subarray(from, to));
    this.lineBytes = lineBytes;
  }

  private oversize(bytes: number): void {
    this.reportPending = this.lineIsComment || !this.discardingEvent;
    this.skippedBytes = bytes;
    this.skippingLine = true;
    this.lineParts = [];
    this.lineBytes = 0;
    if (!this.lineIsComment) {
      this.resetEvent();
      this.discardingEvent = true;
    }
  }

  private reportOversize(): void {
    const report = this.reportPending;
    const bytes = this.skippedBytes;
    this.reportPending = false;
    this.skippedBytes = 0;
    if (report) this.handlers.onOversize?.(bytes);
  }

  private endLine(): void {
    if (this.skippingLine) {
      this.skippingLine = false;
      this.lineIsComment = false;
      this.reportOversize();
      return;
    }
    const byteLength = this.lineBytes;
    if (byteLength === 0) {
      this.dispatch();
      return;
    }
    const bytes = this.takeLineBytes();
    const line = this.decoder.decode(bytes);
    if (this.lineIsComment) {
      this.lineIsComment = false;
      this.handlers.onComment?.(stripOneSpace(line.slice(1)));
      return;
    }
    if (this.discardingEvent) return;
    this.eventBytes += byteLength;

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : stripOneSpace(line.slice(colon + 1));
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (DIGITS_ONLY.test(value)) {
          const ms = Math.min(Number(value), Number.MAX_SAFE_INTEGER);
          this.eventRetry = ms;
          this.handlers.onRetry?.(ms);
        }
        break;
      default:
        // Unknown fields are ignored.
        break;
    }
  }

  private dispatch(): void {
    if (this.discardingEvent) {
      this.discardingEvent = false;
      this.resetEvent();
      return;
    }
    if (this.dataLines.length === 0) {
      this.resetEvent();
      return;
    }
    const event: ServerSentEvent = { type: this.eventType === '' ? 'message' : this.eventType, data: this.dataLines.join('\n') };
    if (this.lastEventId !== '') event.id = this.lastEventId;
    if (this.eventRetry !== undefined) event.retry = this.eventRetry;
    this.resetEvent();
    this.handlers.onEvent(event);
  }

  private takeLineBytes(): Uint8Array {
    const parts = this.lineParts;
    const length = this.lineBytes;
    this.lineParts = [];
    this.lineBytes = 0;
    if (parts.length === 1) return parts[0];
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      joined.set(part, offset);
      offset += part.length;
    }
    return joined;
  }

  private resetLine(): void {
    this.lineParts = [];
    this.lineBytes = 0;
    this.lineIsComment = false;
    this.skippingLine = false;
    this.skippedBytes = 0;
    this.reportPending = false;
  }

  private resetEvent(): void {
    this.dataLines = [];
    this.eventType = '';
    this.eventRetry = undefined;
    this.eventBytes = 0;
  }
}

function stripOneSpace(value: string): string {
  return value.startsWith(' ') ? value.slice(1) : value;
}
