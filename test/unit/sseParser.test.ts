import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser, type ServerSentEvent } from '../../src/oxen/sseParser';

const encoder = new TextEncoder();

interface Parsed {
  events: ServerSentEvent[];
  comments: string[];
  oversize: number[];
  retries: number[];
}

function parseChunks(chunks: readonly Uint8Array[], maxEventBytes?: number): Parsed {
  const out: Parsed = { events: [], comments: [], oversize: [], retries: [] };
  const parser = new SseParser(
    {
      onEvent: (event) => out.events.push(event),
      onComment: (text) => out.comments.push(text),
      onOversize: (bytes) => out.oversize.push(bytes),
      onRetry: (ms) => out.retries.push(ms),
    },
    maxEventBytes === undefined ? {} : { maxEventBytes },
  );
  for (const chunk of chunks) parser.feed(chunk);
  parser.end();
  return out;
}

function parseText(text: string | readonly string[], maxEventBytes?: number): Parsed {
  const chunks = typeof text === 'string' ? [text] : text;
  return parseChunks(
    chunks.map((chunk) => encoder.encode(chunk)),
    maxEventBytes,
  );
}

function bytes(...parts: Array<string | number[]>): Uint8Array {
  const arrays = parts.map((part) => (typeof part === 'string' ? encoder.encode(part) : Uint8Array.from(part)));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function splitAt(all: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < all.length).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(all.slice(previous, point));
    previous = point;
  }
  chunks.push(all.slice(previous));
  return chunks;
}

const message = (data: string, extra: Partial<ServerSentEvent> = {}): ServerSentEvent => ({ type: 'message', data, ...extra });

describe('SseParser', () => {
  // REL-01: conformance with the WHATWG "event stream interpretation" rules.
  describe('conformance table (REL-01)', () => {
    const table: Array<{ name: string; input: string | string[]; events: ServerSentEvent[]; comments?: string[] }> = [
      { name: 'LF line ends', input: 'data: a\n\n', events: [message('a')] },
      { name: 'CRLF line ends', input: 'data: a\r\n\r\n', events: [message('a')] },
      { name: 'CR line ends', input: 'data: a\r\r', events: [message('a')] },
      { name: 'mixed line ends in one stream', input: 'data: a\r\ndata: b\rdata: c\n\r\n', events: [message('a\nb\nc')] },
      { name: 'CR at a chunk end + LF at the next chunk start is one line end', input: ['data: a\r', '\ndata: b\r', '\n\r', '\n'], events: [message('a\nb')] },
      { name: 'an empty chunk between CR and LF does not split the CRLF', input: ['data: a\r', '', '\n', '\n'], events: [message('a')] },
      { name: 'CR CR across chunks is two line ends', input: ['data: a\r', '\r'], events: [message('a')] },
      { name: 'leading BOM stripped', input: '\uFEFFdata: a\n\n', events: [message('a')] },
      { name: 'BOM alone in the first chunk stripped', input: ['\uFEFF', 'data: a\n\n'], events: [message('a')] },
      { name: 'only ONE BOM stripped: a second one makes an unknown field', input: '\uFEFF\uFEFFdata: a\n\ndata: b\n\n', events: [message('b')] },
      { name: 'a BOM later in the stream is data', input: 'data: a\n\n\uFEFFdata: b\n\ndata: \uFEFF\n\n', events: [message('a'), message('\uFEFF')] },
      { name: 'multi-line data joined with LF', input: 'data: a\ndata: b\ndata: c\n\n', events: [message('a\nb\nc')] },
      { name: 'empty data lines', input: 'data\n\ndata:\n\ndata\ndata\n\n', events: [message(''), message(''), message('\n')] },
      { name: 'only one leading space stripped', input: 'data:  a \n\n', events: [message(' a ')] },
      { name: 'colon inside the value kept', input: 'data: {"a":1}\n\n', events: [message('{"a":1}')] },
      { name: 'comments do not dispatch', input: ': keep-alive\n\n:\n\n:no-space\n\n', events: [], comments: ['keep-alive', '', 'no-space'] },
      { name: 'comment inside an event is ignored', input: 'data: a\n: hi\ndata: b\n\n', events: [message('a\nb')], comments: ['hi'] },
      { name: 'event:NAME without space', input: 'event:media_generation_completed\ndata: x\n\n', events: [{ type: 'media_generation_completed', data: 'x' }] },
      { name: 'event: NAME with space', input: 'event: media_generation_completed\ndata: x\n\n', events: [{ type: 'media_generation_completed', data: 'x' }] },
      { name: 'event type resets after dispatch', input: 'event: a\ndata: 1\n\ndata: 2\n\n', events: [{ type: 'a', data: '1' }, message('2')] },
      { name: 'empty event type means message', input: 'event:\ndata: 1\n\n', events: [message('1')] },
      { name: 'event without data is not dispatched and its type is dropped', input: 'event: a\n\ndata: 2\n\n', events: [message('2')] },
      { name: 'unknown fields ignored; names are case-sensitive', input: 'foo: bar\nDATA: y\ndata : z\ndata: x\nevent\n\n', events: [message('x')] },
      { name: 'field without colon is a field with empty value', input: 'data\n\n', events: [message('')] },
      { name: 'blank lines alone dispatch nothing', input: '\n\n\r\n\r\r', events: [] },
      { name: 'id persists across events', input: 'id: 1\ndata: a\n\ndata: b\n\n', events: [message('a', { id: '1' }), message('b', { id: '1' })] },
      { name: 'empty id resets the last event id', input: 'id: 1\ndata: a\n\nid\ndata: b\n\n', events: [message('a', { id: '1' }), message('b')] },
      { name: 'id containing NUL is ignored', input: 'id: 1\ndata: a\n\nid: 2\u0000x\ndata: b\n\n', events: [message('a', { id: '1' }), message('b', { id: '1' })] },
      { name: 'id set in a block without data still applies later', input: 'id: 7\n\ndata: x\n\n', events: [message('x', { id: '7' })] },
      { name: 'retry digits only', input: 'retry: 1500\ndata: a\n\n', events: [message('a', { retry: 1500 })] },
      {
        name: 'retry with anything but digits is ignored',
        input: 'retry: 15a\ndata: a\n\nretry: -1\ndata: b\n\nretry: 1.5\ndata: c\n\nretry:  15\ndata: d\n\nretry:\ndata: e\n\n',
        events: [message('a'), message('b'), message('c'), message('d'), message('e')],
      },
      { name: 'trailing incomplete event is not dispatched', input: 'data: a\n\ndata: b\n', events: [message('a')] },
      { name: 'trailing incomplete line is not dispatched', input: 'data: a\n\ndata: b', events: [message('a')] },
      { name: 'trailing CR-terminated event without blank line is not dispatched', input: 'data: a\r', events: [] },
      { name: 'astral characters', input: 'data: 😀 \u{10FFFF} 中\n\n', events: [message('😀 \u{10FFFF} 中')] },
    ];
    for (const row of table) {
      it(row.name, () => {
        const parsed = parseText(row.input);
        assert.deepEqual(parsed.events, row.events);
        if (row.comments) assert.deepEqual(parsed.comments, row.comments);
      });
    }

    it('a BOM split byte by byte over chunks is stripped; a BOM-like prefix that is not one is kept', () => {
      const split = [[0xef], [0xbb], [0xbf, 0x64], [], ...[...'ata: a\n\n'].map((c) => [c.charCodeAt(0)])].map((a) => Uint8Array.from(a));
      assert.deepEqual(parseChunks(split).events, [message('a')]);
      // EF BB then not BF: those bytes are ordinary (invalid UTF-8) bytes of the first line.
      const notBom = [bytes([0xef]), bytes([0xbb]), bytes(': x\ndata: b\n\n')];
      const parsed = parseChunks(notBom);
      assert.deepEqual(parsed.events, [message('b')]);
    });

    it('reports a valid retry through onRetry even without an event', () => {
      const parsed = parseText('retry: 3000\n\nretry: x\n\n');
      assert.deepEqual(parsed.retries, [3000]);
      assert.deepEqual(parsed.events, []);
    });

    it('invalid UTF-8 becomes U+FFFD exactly as a whole-stream decoder gives it', () => {
      const input = bytes('data: a', [0xe2, 0x82], '\ndata: ', [0xff], 'b', [0xf0, 0x9f], '\n\n');
      const expected = new TextDecoder().decode(input).split('\n')[0].slice('data: '.length);
      assert.equal(expected, 'a\uFFFD');
      assert.deepEqual(parseChunks([input]).events, [message('a\uFFFD\n\uFFFDb\uFFFD')]);
      // Every split gives the same.
      for (let i = 0; i <= input.length; i++) assert.deepEqual(parseChunks(splitAt(input, [i])).events, [message('a\uFFFD\n\uFFFDb\uFFFD')]);
    });

    it('a multi-byte character split across chunks is decoded once', () => {
      const input = encoder.encode('data: 😀\n\n');
      for (let i = 0; i <= input.length; i++) assert.deepEqual(parseChunks(splitAt(input, [i])).events, [message('😀')]);
    });

    it('end() resets the stream state: BOM re-armed, last event id cleared', () => {
      const events: ServerSentEvent[] = [];
      const parser = new SseParser({ onEvent: (event) => events.push(event) });
      parser.feed(encoder.encode('id: 9\ndata: a\n\ndata: partial'));
      parser.end();
      parser.feed(encoder.encode('\uFEFFdata: b\n\n'));
      parser.end();
      assert.deepEqual(events, [message('a', { id: '9' }), message('b')]);
    });

    it('does not keep references to the caller buffer', () => {
      const events: ServerSentEvent[] = [];
      const parser = new SseParser({ onEvent: (event) => events.push(event) });
      const chunk = encoder.encode('data: abc');
      parser.feed(chunk);
      chunk.fill(0x7a); // caller reuses its buffer
      parser.feed(encoder.encode('\n\n'));
      assert.deepEqual(events, [message('abc')]);
    });
  });

  describe('size bound (maxEventBytes)', () => {
    it('discards an oversize data line with its event, reports it, and recovers at the next line end', () => {
      const parsed = parseText(`data: ${'x'.repeat(100)}\ndata: after\n\ndata: ok\n\n`, 32);
      assert.deepEqual(parsed.events, [message('ok')]);
      assert.deepEqual(parsed.oversize, [106]);
    });

    it('keeps a line of exactly maxEventBytes and drops one byte more', () => {
      assert.deepEqual(parseText('data: abcd\n\n', 10).events, [message('abcd')]);
      const over = parseText('data: abcde\n\ndata: ok\n\n', 10);
      assert.deepEqual(over.events, [message('ok')]);
      assert.deepEqual(over.oversize, [11]);
    });

    it('an oversize comment is dropped without losing the event around it', () => {
      const parsed = parseText(`data: a\n:${'x'.repeat(100)}\ndata: b\n\n`, 32);
      assert.deepEqual(parsed.events, [message('a\nb')]);
      assert.deepEqual(parsed.oversize, [101]);
    });

    it('an event made of many small lines is dropped once it exceeds the bound', () => {
      const big = `${'data: abcd\n'.repeat(10)}\n`;
      const parsed = parseText(`${big}data: ok\n\n`, 32);
      assert.deepEqual(parsed.events, [message('ok')]);
      assert.deepEqual(parsed.oversize, [40]);
    });

    it('reports an oversize line cut off by the end of the stream', () => {
      const parsed = parseText(`data: ok\n\ndata: ${'x'.repeat(50)}`, 32);
      assert.deepEqual(parsed.events, [message('ok')]);
      assert.deepEqual(parsed.oversize, [56]);
    });

    it('a 10 MB line is skipped without buffering it (default 1 MiB bound)', () => {
      const out: ServerSentEvent[] = [];
      const oversize: number[] = [];
      const parser = new SseParser({ onEvent: (event) => out.push(event), onOversize: (n) => oversize.push(n) });
      parser.feed(encoder.encode('data: before\n\ndata: '));
      const chunk = new Uint8Array(64 * 1024).fill(0x61);
      let maxBuffered = 0;
      for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
        parser.feed(chunk);
        maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
      }
      parser.feed(encoder.encode('\n\nevent: media_generation_completed\ndata: {"ok":true}\n\n'));
      parser.end();
      assert.ok(maxBuffered <= 1024 * 1024, `buffered ${maxBuffered} bytes`);
      assert.equal(parser.bufferedBytes, 0);
      assert.deepEqual(out, [message('before'), { type: 'media_generation_completed', data: '{"ok":true}' }]);
      assert.deepEqual(oversize, [6 + 10 * 1024 * 1024]);
    });
  });

  // REL-01: chunk boundaries anywhere give identical events.
  describe('chunk-boundary properties (REL-01)', () => {
    type LineEnd = '\n' | '\r' | '\r\n';
    interface GenEvent {
      type?: string;
      data: string;
      id?: string;
      retry?: string;
      comment?: string;
      unknown?: boolean;
      noSpace: boolean;
    }
    interface GenStream {
      bom: boolean;
      style: 'LF' | 'CR' | 'CRLF' | 'mixed';
      mixedEnds: LineEnd[];
      events: GenEvent[];
      trailing?: string;
    }

    const noBreaks = (s: string) => s.replace(/[\r\n]/g, '');
    // Any code point but lone surrogates, weighted towards ASCII, BMP and astral planes alike.
    const codePoint = fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff }))
      .filter((cp) => cp < 0xd800 || cp > 0xdfff)
      .map((cp) => String.fromCodePoint(cp));
    const text = fc.array(codePoint, { maxLength: 12 }).map((chars) => chars.join(''));
    const special = fc.constantFrom('😀', '\u{10FFFF}', 'é', '中', '\uFEFF', ':', ' ', '\u0000', '\u2028');
    const dataArb = fc
      .array(fc.oneof({ weight: 4, arbitrary: text }, { weight: 2, arbitrary: special }, { weight: 1, arbitrary: fc.constantFrom<LineEnd>('\n', '\r', '\r\n') }), {
        maxLength: 8,
      })
      .map((parts) => parts.join(''));
    const eventArb: fc.Arbitrary<GenEvent> = fc.record(
      {
        type: fc.oneof(fc.constantFrom('media_generation_completed', 'deployment_status_changed', ''), text.map(noBreaks)),
        data: dataArb,
        id: fc.oneof(text.map(noBreaks), fc.constant('a\u0000b')),
        retry: fc.oneof(fc.nat({ max: 100000 }).map(String), fc.constantFrom('1x', '-5', ' 7', '')),
        comment: text.map(noBreaks),
        unknown: fc.boolean(),
        noSpace: fc.boolean(),
      },
      { requiredKeys: ['data', 'noSpace'] },
    );
    const streamArb: fc.Arbitrary<GenStream> = fc.record(
      {
        bom: fc.boolean(),
        style: fc.constantFrom('LF', 'CR', 'CRLF', 'mixed'),
        mixedEnds: fc.array(fc.constantFrom<LineEnd>('\n', '\r', '\r\n'), { minLength: 1, maxLength: 16 }),
        events: fc.array(eventArb, { maxLength: 3 }),
        trailing: dataArb,
      },
      { requiredKeys: ['bom', 'style', 'mixedEnds', 'events'] },
    );

    function field(name: string, value: string, noSpace: boolean): string {
      // Without the space only when the value does not itself start with one (it would be stripped).
      return noSpace && !value.startsWith(' ') ? `${name}:${value}` : `${name}: ${value}`;
    }

    function serialize(stream: GenStream): { bytes: Uint8Array; expected: ServerSentEvent[] } {
      const lines: string[] = [];
      const expected: ServerSentEvent[] = [];
      let lastId = '';
      for (const event of stream.events) {
        if (event.comment !== undefined) lines.push(`:${event.comment}`);
        if (event.type !== undefined) lines.push(field('event', event.type, event.noSpace));
        if (event.id !== undefined) {
          lines.push(field('id', event.id, event.noSpace));
          if (!event.id.includes('\0')) lastId = event.id;
        }
        if (event.retry !== undefined) lines.push(field('retry', event.retry, event.noSpace));
        if (event.unknown) lines.push('x-unknown: 1');
        for (const line of event.data.split(/\r\n|\r|\n/)) lines.push(field('data', line, event.noSpace));
        lines.push('');
        const want: ServerSentEvent = { type: event.type ? event.type : 'message', data: event.data.replace(/\r\n|\r/g, '\n') };
        if (lastId !== '') want.id = lastId;
        if (event.retry !== undefined && /^[0-9]+$/.test(event.retry)) want.retry = Number(event.retry);
        expected.push(want);
      }
      if (stream.trailing !== undefined) {
        // An incomplete event: its lines end, but no blank line follows.
        for (const line of stream.trailing.split(/\r\n|\r|\n/)) lines.push(field('data', line, false));
      }
      let out = stream.bom ? '\uFEFF' : '';
      let previousEnd: LineEnd | undefined;
      lines.forEach((line, index) => {
        let end: LineEnd =
          stream.style === 'LF' ? '\n' : stream.style === 'CR' ? '\r' : stream.style === 'CRLF' ? '\r\n' : stream.mixedEnds[index % stream.mixedEnds.length];
        // CR then an empty LF-terminated line would read as one CRLF: the writer must avoid it.
        if (previousEnd === '\r' && line === '' && end === '\n') end = '\r\n';
        out += line + end;
        previousEnd = end;
      });
      return { bytes: encoder.encode(out), expected };
    }

    it('every single split point and byte-by-byte feeding give the expected events', () => {
      fc.assert(
        fc.property(streamArb, (stream) => {
          const { bytes: all, expected } = serialize(stream);
          assert.deepEqual(parseChunks([all]).events, expected);
          for (let i = 0; i <= all.length; i++) assert.deepEqual(parseChunks([all.subarray(0, i), all.subarray(i)]).events, expected);
          const single = Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1));
          assert.deepEqual(parseChunks(single).events, expected);
        }),
        { numRuns: 100 },
      );
    });

    it('random multi-splits give the expected events', () => {
      fc.assert(
        fc.property(streamArb, fc.array(fc.nat(), { maxLength: 20 }), (stream, cuts) => {
          const { bytes: all, expected } = serialize(stream);
          const chunks = splitAt(
            all,
            cuts.map((cut) => cut % (all.length + 1)),
          );
          assert.deepEqual(parseChunks(chunks).events, expected);
        }),
        { numRuns: 300 },
      );
    });

    /**
     * Reference: the spec read literally over a string (whole-stream UTF-8 decode, which strips
     * one leading BOM, then line splitting), used as an oracle for arbitrary bytes.
     */
    function reference(all: Uint8Array): ServerSentEvent[] {
      const decoded = new TextDecoder().decode(all);
      const events: ServerSentEvent[] = [];
      let data: string[] = [];
      let type = '';
      let retry: number | undefined;
      let lastId = '';
      for (const match of decoded.matchAll(/([^\r\n]*)(?:\r\n|\r|\n)/g)) {
        const line = match[1];
        if (line === '') {
          if (data.length > 0) {
            const event: ServerSentEvent = { type: type || 'message', data: data.join('\n') };
            if (lastId) event.id = lastId;
            if (retry !== undefined) event.retry = retry;
            events.push(event);
          }
          data = [];
          type = '';
          retry = undefined;
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (name === 'data') data.push(value);
        else if (name === 'event') type = value;
        else if (name === 'id' && !value.includes('\0')) lastId = value;
        else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
      }
      return events;
    }

    it('arbitrary bytes (invalid UTF-8, stray CRs, BOMs): events equal the literal reading of the spec at any split', () => {
      const alphabet = fc.constantFrom(...bytes('data: event:id:retry:\r\n\n:x 1', [0xef, 0xbb, 0xbf, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x00]));
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 }), (raw, cuts) => {
          const all = Uint8Array.from(raw);
          const expected = reference(all);
          assert.deepEqual(parseChunks([all]).events, expected);
          assert.deepEqual(parseChunks(splitAt(all, cuts.map((cut) => cut % (all.length + 1)))).events, expected);
          assert.deepEqual(parseChunks(Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1))).events, expected);
        }),
        { numRuns: 300 },
      );
    });

    it('arbitrary bytes (invalid UTF-8, stray CRs, oversize lines): events, comments and oversize reports do not depend on chunking', () => {
      const alphabet = fc.constantFrom(...bytes('data: event:id:retry:\r\n\n:x ', [0xef, 0xbb, 0xbf, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x00]));
      fc.assert(
        fc.property(fc.array(alphabet, { maxLength: 120 }), fc.array(fc.nat(), { maxLength: 10 }), fc.integer({ min: 4, max: 40 }), (raw, cuts, max) => {
          const all = Uint8Array.from(raw);
          const whole = parseChunks([all], max);
          const split = parseChunks(
            splitAt(
              all,
              cuts.map((cut) => cut % (all.length + 1)),
            ),
            max,
          );
          assert.deepEqual(split, whole);
          const single = parseChunks(
            Array.from({ length: all.length }, (_, i) => all.subarray(i, i + 1)),
            max,
          );
          assert.deepEqual(single, whole);
        }),
        { numRuns: 300 },
      );
    });
  });
});
