import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'undici';
import { waitUntil } from './client';

export interface StreamEvent {
  event: string;
  data: string;
}

/**
 * A GET /api/events subscriber that keeps every byte it receives, so tests can assert the exact
 * framing as well as the parsed events. Parsing is deliberately minimal: the emulator's own
 * framing is what is under test, not a general SSE parser.
 */
export class EventStreamProbe {
  raw = '';
  ended = false;

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly body: NodeJS.ReadableStream & { destroy(): void },
  ) {
    body.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('utf8');
    });
    const markEnded = (): void => {
      this.ended = true;
    };
    body.on('end', markEnded);
    body.on('error', markEnded);
    body.on('close', markEnded);
  }

  static async open(apiUrl: string, key: string | null = 'test-key'): Promise<EventStreamProbe> {
    const response = await request(`${apiUrl}/api/events`, {
      headers: key === null ? {} : { authorization: `Bearer ${key}` },
    });
    return new EventStreamProbe(response.statusCode, response.headers, response.body);
  }

  /** Complete frames (text before a blank line), comments and events alike. */
  frames(): string[] {
    const parts = this.raw.split('\n\n');
    return parts.slice(0, -1);
  }

  events(name?: string): StreamEvent[] {
    return this.frames()
      .filter((frame) => !frame.startsWith(':'))
      .map((frame) => {
        const lines = frame.split('\n');
        const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length) ?? 'message';
        const data = lines.filter((line) => line.startsWith('data: ')).map((line) => line.slice('data: '.length)).join('\n');
        return { event, data };
      })
      .filter((event) => name === undefined || event.event === name);
  }

  completions(): Array<Record<string, string>> {
    return this.events('media_generation_completed').map((event) => JSON.parse(event.data));
  }

  waitForCompletions(count: number, timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.completions().length >= count, `${count} completion event(s)`, timeoutMs);
  }

  waitForEnd(timeoutMs?: number): Promise<void> {
    return waitUntil(() => this.ended, 'the event stream to end', timeoutMs);
  }

  close(): void {
    this.body.destroy();
  }
}
