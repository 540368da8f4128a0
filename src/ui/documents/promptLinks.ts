/**
 * Prompt links: image placeholders a writer puts in a markdown document, to be filled later.
 *
 *   ![a fox in the snow](oxen:generate?aspect_ratio=16:9&seed=7)
 *
 * The alt text is the prompt (backslash escapes such as `\]` resolved, as CommonMark does); the
 * query holds model parameters, percent-encoded, plus `model=` and `count=`. While an image is
 * being made the destination reads `oxen:generating/<token>?…`: the user's text stays in the
 * document (nothing to lose on a crash), the link is visibly busy, and it is found again by its
 * token. Undoing the mark gives back exactly what the user wrote.
 *
 * Pure and cheap (no vscode, no dependencies): the CodeLens provider runs it over the document text
 * in the always-loaded part of the extension, and unit tests run it in plain Node.
 */

export const GENERATE_DESTINATION = 'oxen:generate';
export const IN_FLIGHT_PREFIX = 'oxen:generating/';

/** What a link's query may not say, or says in a way that cannot be read. */
export type PromptLinkIssue =
  | { kind: 'emptyPrompt' }
  | { kind: 'badEncoding'; text: string }
  | { kind: 'emptyName' }
  | { kind: 'duplicate'; name: string }
  | { kind: 'reserved'; name: string }
  | { kind: 'emptyModel' }
  | { kind: 'badCount'; text: string };

export interface PromptLink {
  /** Offsets of the whole `![…](…)` in the text. */
  start: number;
  end: number;
  /** Offsets of `oxen:generate` (or `oxen:generating/<token>`) in the text: what marking replaces. */
  markStart: number;
  markEnd: number;
  /** The alt text with backslash escapes resolved. */
  prompt: string;
  /** The request's token while an image is being made for the link. */
  inFlightToken: string | undefined;
  model: string | undefined;
  count: number | undefined;
  /** Model parameters as written (decoded text); their types come from the model's schema. */
  params: Record<string, string>;
  issues: PromptLinkIssue[];
}

/** Parameters with a meaning of their own in a prompt link. */
const MODEL_KEY = 'model';
const COUNT_KEY = 'count';
/** Said elsewhere: the prompt is the alt text, the number of images is `count`. */
const RESERVED_KEYS = ['prompt', 'num_generations'];

/** A link's query text: no spaces or parentheses (percent-encode them). */
const QUERY_TEXT = String.raw`[^\s()]*`;
/**
 * `![alt](oxen:generate?query)` on one line. Unescaped brackets in the alt text are not allowed
 * (CommonMark would nest them); the destination has no spaces or parentheses (percent-encode them).
 */
const PROMPT_LINK = new RegExp(String.raw`!\[((?:\\[^\n]|[^\\[\]\n])*)\]\((oxen:(?:generate|generating\/([0-9a-f]{32})))(?:\?(${QUERY_TEXT}))?\)`, 'g');
/** The query right after a destination, `?` included. */
const QUERY_AFTER = new RegExp(String.raw`^\?${QUERY_TEXT}`);
/** CommonMark's backslash escapes: any ASCII punctuation. */
const BACKSLASH_ESCAPE = /\\([!-/:-@[-`{-~])/g;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const POSITIVE_INTEGER = /^[1-9][0-9]{0,8}$/;

export function inFlightDestination(token: string): string {
  return IN_FLIGHT_PREFIX + token;
}

/** A marked prompt link's whole destination in `text`: the in-flight mark and the query the user wrote after it. */
export function markedPromptLinkDestination(text: string, token: string): string {
  const mark = inFlightDestination(token);
  const at = text.indexOf(mark);
  return at < 0 ? mark : mark + (QUERY_AFTER.exec(text.slice(at + mark.length))?.[0] ?? '');
}

function unescapeAltText(altText: string): string {
  return altText.replace(BACKSLASH_ESCAPE, '$1');
}

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parseQuery(query: string): Pick<PromptLink, 'model' | 'count' | 'params' | 'issues'> {
  const parsed: Pick<PromptLink, 'model' | 'count' | 'params' | 'issues'> = { model: undefined, count: undefined, params: {}, issues: [] };
  // A Map, not the object: a name like `__proto__` is the user's text, not a prototype.
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = decode(equals < 0 ? '' : pair.slice(equals + 1));
    if (name === undefined || value === undefined) {
      parsed.issues.push({ kind: 'badEncoding', text: pair });
      continue;
    }
    if (name === '') parsed.issues.push({ kind: 'emptyName' });
    else if (seen.has(name)) parsed.issues.push({ kind: 'duplicate', name });
    else if (RESERVED_KEYS.includes(name)) parsed.issues.push({ kind: 'reserved', name });
    else if (name === MODEL_KEY) {
      if (value.trim() === '') parsed.issues.push({ kind: 'emptyModel' });
      else parsed.model = value.trim();
    } else if (name === COUNT_KEY) {
      if (POSITIVE_INTEGER.test(value)) parsed.count = Number(value);
      else parsed.issues.push({ kind: 'badCount', text: value });
    } else params.set(name, value);
    seen.add(name);
  }
  parsed.params = Object.fromEntries(params);
  return parsed;
}

/** Offsets of text that markdown shows as code: fenced blocks and inline code spans. */
function codeRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let offset = 0;
  let fence: { marker: string; start: number } | undefined;
  for (const line of text.split('\n')) {
    const opening = FENCE.exec(line);
    if (fence) {
      if (opening && opening[1]![0] === fence.marker[0] && opening[1]!.length >= fence.marker.length && line.trim() === opening[1]) {
        ranges.push([fence.start, offset + line.length]);
        fence = undefined;
      }
    } else if (opening) {
      fence = { marker: opening[1]!, start: offset };
    } else {
      for (const span of line.matchAll(/(?<!`)(`+)(?!`)[^]*?(?<!`)\1(?!`)/g)) ranges.push([offset + span.index, offset + span.index + span[0].length]);
    }
    offset += line.length + 1;
  }
  if (fence) ranges.push([fence.start, text.length]);
  return ranges;
}

function escapedAt(text: string, index: number): boolean {
  let backslashes = 0;
  while (index - backslashes - 1 >= 0 && text[index - backslashes - 1] === '\\') backslashes++;
  return backslashes % 2 === 1;
}

/** Every prompt link in `text`, in document order, outside code; each with what is wrong with it. */
export function findPromptLinks(text: string): PromptLink[] {
  const code = codeRanges(text);
  const links: PromptLink[] = [];
  for (const match of text.matchAll(PROMPT_LINK)) {
    const start = match.index;
    if (escapedAt(text, start) || code.some(([from, to]) => start >= from && start < to)) continue;
    const [whole, altText, destination, token, query] = match as unknown as [string, string, string, string | undefined, string | undefined];
    const markStart = start + 2 + altText.length + 2;
    const prompt = unescapeAltText(altText);
    const parsed = parseQuery(query ?? '');
    if (prompt.trim() === '') parsed.issues.unshift({ kind: 'emptyPrompt' });
    links.push({ start, end: start + whole.length, markStart, markEnd: markStart + destination.length, prompt, inFlightToken: token, ...parsed });
  }
  return links;
}
