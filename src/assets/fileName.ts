/**
 * Names for generated image files, built only from what the user asked for (prompt, model, seed,
 * time, generation id), never from a name the server suggests (SEC-12). Every result is a valid
 * file name on Windows, macOS and Linux.
 */

export interface FileNameVariables {
  prompt: string;
  model: string;
  seed?: number;
  date: Date;
  /** Generation id; only its first 8 letters and digits are used. */
  id: string;
}

export interface FileNameOptions {
  /** Most characters in the name, without extension. Default 100, allowed 16-200. */
  maxLength?: number;
}

/** A `${variable}` in the naming template that does not exist; `variableName` tells the user what to fix. */
export class UnknownTemplateVariableError extends Error {
  constructor(readonly variableName: string) {
    super(`The file name template uses \${${variableName}}, which does not exist. Use \${slug}, \${model}, \${seed}, \${date}, \${time} or \${id}.`);
    this.name = new.target.name;
  }
}

export const DEFAULT_FILE_NAME_TEMPLATE = '${slug}-${seed}';
const DEFAULT_MAX_LENGTH = 100;
const MIN_MAX_LENGTH = 16;
const MAX_MAX_LENGTH = 200;
/** Leaves room for a `-N` suffix and an extension within the 255-byte limit of common file systems. */
const MAX_UTF8_BYTES = 200;
const SLUG_MAX_LENGTH = 48;
const ID_LENGTH = 8;
const FALLBACK_NAME = 'image';

/** Letters that Unicode decomposition does not reduce to ASCII. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ŧ: 't',
};

/** Forbidden on Windows, or a separator somewhere: `/ \ : * ? " < > |`. */
const UNSAFE_CHARACTERS = /[/\\:*?"<>|]/g;
/** Control and invisible format characters (including bidi overrides that disguise extensions). */
const INVISIBLE_CHARACTERS = /[\p{Cc}\p{Cf}]/gu;
/** Device names Windows reserves whatever the extension; `¹²³` count as digits there. */
const WINDOWS_RESERVED_NAME = /^(?:con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])$/i;

/** The lowercase ASCII words of `text`: accents transliterated, other characters dropped. */
function asciiWords(text: string): string[] {
  const ascii = text
    .normalize('NFKD') // first, so compatibility forms such as '℡' (TEL) are lowercased too
    .toLowerCase()
    .replace(/[^\x00-\x7f]/g, (char) => TRANSLITERATIONS[char] ?? char)
    .replace(/\p{M}/gu, '')
    .replace(/['’]/g, ''); // "don't" reads better as "dont" than as "don-t"
  return ascii.split(/[^a-z0-9]+/).filter(Boolean);
}

/** Words joined by '-', cut at a word boundary to at most `maxLength` (a single long word is cut). */
function slugOf(text: string, maxLength: number): string {
  let slug = '';
  for (const word of asciiWords(text)) {
    const longer = slug ? `${slug}-${word}` : word;
    if (longer.length > maxLength) return slug || word.slice(0, maxLength);
    slug = longer;
  }
  return slug;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** Values of every template variable; dates are local time because the user reads them. */
function templateValues(vars: FileNameVariables): ReadonlyMap<string, string> {
  const { date } = vars;
  return new Map([
    ['slug', slugOf(vars.prompt, SLUG_MAX_LENGTH) || FALLBACK_NAME],
    ['model', slugOf(vars.model, SLUG_MAX_LENGTH)],
    ['seed', vars.seed !== undefined && Number.isFinite(vars.seed) ? String(Math.trunc(vars.seed)) : ''],
    ['date', `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`],
    ['time', `${twoDigits(date.getHours())}${twoDigits(date.getMinutes())}${twoDigits(date.getSeconds())}`],
    ['id', vars.id.replace(/[^a-zA-Z0-9]/g, '').slice(0, ID_LENGTH)],
  ]);
}

/** At most `maxLength` code points and `MAX_UTF8_BYTES` bytes, never splitting a character. */
function truncate(name: string, maxLength: number): string {
  let result = '';
  let count = 0;
  let bytes = 0;
  for (const char of name) {
    bytes += Buffer.byteLength(char, 'utf8');
    if (++count > maxLength || bytes > MAX_UTF8_BYTES) break;
    result += char;
  }
  return result;
}

/** Windows opens a device, not a file, for `CON` or `con.txt`: extend the stem so it is a plain name. */
function avoidReservedName(name: string): string {
  const stemEnd = name.indexOf('.') < 0 ? name.length : name.indexOf('.');
  const stem = name.slice(0, stemEnd).trimEnd();
  return WINDOWS_RESERVED_NAME.test(stem) ? `${stem}-${FALLBACK_NAME}${name.slice(stemEnd)}` : name;
}

/**
 * Makes a rendered template a file name every OS accepts: unsafe characters become '-', invisible
 * ones go, separator runs left by empty variables collapse, and dots, spaces and separators at
 * either end are trimmed. Reserved names are extended before truncating, which only ever cuts
 * after the short reserved stem, so the result stays within `maxLength`.
 */
function safeFileName(rendered: string, maxLength: number): string {
  const trimEnds = (text: string) => text.replace(/^[\s.\-_]+|[\s.\-_]+$/gu, '');
  const cleaned = trimEnds(
    rendered
      .replace(INVISIBLE_CHARACTERS, '')
      .replace(UNSAFE_CHARACTERS, '-')
      .replace(/-{2,}/g, '-')
      .replace(/_{2,}/g, '_'),
  );
  return trimEnds(truncate(avoidReservedName(cleaned || FALLBACK_NAME), maxLength));
}

function validMaxLength(maxLength: number | undefined): number {
  const value = maxLength ?? DEFAULT_MAX_LENGTH;
  if (!Number.isInteger(value) || value < MIN_MAX_LENGTH || value > MAX_MAX_LENGTH) {
    throw new RangeError(`maxLength must be an integer from ${MIN_MAX_LENGTH} to ${MAX_MAX_LENGTH}.`);
  }
  return value;
}

/**
 * The file name, without extension, for `template` (default `DEFAULT_FILE_NAME_TEMPLATE`).
 * Variables: `${slug}` (readable prompt words), `${model}`, `${seed}` (empty when unknown),
 * `${date}` (YYYY-MM-DD), `${time}` (HHmmss), `${id}` (first 8 characters). Throws
 * `UnknownTemplateVariableError` for any other `${…}`.
 */
export function renderFileName(template: string, vars: FileNameVariables, options: FileNameOptions = {}): string {
  const maxLength = validMaxLength(options.maxLength);
  const values = templateValues(vars);
  const rendered = template.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
    const value = values.get(name);
    if (value === undefined) throw new UnknownTemplateVariableError(name);
    return value;
  });
  return safeFileName(rendered, maxLength);
}

/** `base.ext` for the first attempt, then `base-1.ext`, `base-2.ext`…, as VS Code names pasted files. */
export function numberedFileName(base: string, ext: string, attempt: number): string {
  return attempt === 0 ? `${base}.${ext}` : `${base}-${attempt}.${ext}`;
}
