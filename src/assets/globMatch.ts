/**
 * The glob dialect VS Code users write in `markdown.copyFiles.destination` keys, matched the way
 * VS Code's picomatch call does (`{ dot: true }`, case-sensitive): `*` and `?` stay inside one
 * path segment (and match dot files), `**` as a whole segment spans any number of segments,
 * `{a,b}` alternates (nestable), `[abc]` / `[!abc]` are character classes, `\x` is a literal x.
 * Own matcher rather than node's `path.matchesGlob`: that one is experimental in Node 20 and
 * skips dot files, so a pattern for all markdown files would miss `.github/README.md`.
 */

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

function escapeRegExp(text: string): string {
  return text.replace(REGEXP_SPECIAL, '\\$&');
}

/** The alternatives of the `{a,b}` group opening at `open`; undefined when unclosed or without a comma. */
function braceAlternatives(glob: string, open: number): { alternatives: string[]; close: number } | undefined {
  const bounds = [open];
  let depth = 0;
  for (let i = open; i < glob.length; i++) {
    const char = glob[i];
    if (char === '\\') i++;
    else if (char === '{') depth++;
    else if (char === ',' && depth === 1) bounds.push(i);
    else if (char === '}' && --depth === 0) {
      if (bounds.length === 1) return undefined; // `{a}` is literal text, as in picomatch
      bounds.push(i);
      return { alternatives: bounds.slice(1).map((end, k) => glob.slice(bounds[k]! + 1, end)), close: i };
    }
  }
  return undefined;
}

/** `[...]` at `open` as a RegExp class that never matches `/`; undefined when unclosed. */
function characterClass(glob: string, open: number): { source: string; close: number } | undefined {
  let i = open + 1;
  const negated = glob[i] === '!' || glob[i] === '^';
  if (negated) i++;
  const first = i;
  while (i < glob.length && (glob[i] !== ']' || i === first)) i++;
  if (i >= glob.length) return undefined;
  const members = glob.slice(first, i).replace(/[\\\]^]/g, '\\$&');
  return { source: negated ? `[^/${members}]` : `(?!/)[${members}]`, close: i };
}

function isSegmentBoundary(glob: string, index: number): boolean {
  return index < 0 || index >= glob.length || glob[index] === '/';
}

function compile(glob: string): string {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    const isGlobstar = char === '*' && glob[i + 1] === '*' && isSegmentBoundary(glob, i - 1) && isSegmentBoundary(glob, i + 2);
    const characters = char === '[' ? characterClass(glob, i) : undefined;
    const braces = char === '{' ? braceAlternatives(glob, i) : undefined;
    if (char === '/' && glob.slice(i + 1) === '**') {
      source += '(?:/.*)?'; // a final `/**` matches the rest or nothing, so `docs/**` matches `docs/a/b.md` and `docs`
      break;
    } else if (isGlobstar && glob[i + 2] === '/') {
      source += '(?:.*/)?'; // may match no segment at all, so `**/*.md` matches `README.md`
      i += 2;
    } else if (isGlobstar) {
      source += '.*'; // `**` alone matches everything
      i += 1;
    } else if (char === '*') {
      while (glob[i + 1] === '*') i++;
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '\\' && i + 1 < glob.length) {
      source += escapeRegExp(glob[++i]!);
    } else if (characters) {
      source += characters.source;
      i = characters.close;
    } else if (braces) {
      source += `(?:${braces.alternatives.map(compile).join('|')})`;
      i = braces.close;
    } else {
      source += escapeRegExp(char);
    }
  }
  return source;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${compile(glob)}$`);
}

/** Whether `slashPath` (`/`-separated) matches `glob` as a whole. */
export function matchesGlob(slashPath: string, glob: string): boolean {
  return globToRegExp(glob).test(slashPath);
}
