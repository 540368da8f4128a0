import * as path from 'node:path';
import { matchesGlob } from './globMatch';
import { isAbsoluteIn, isWindowsAbsolute, pathFlavorOf, relativePathInside } from './pathContainment';

/**
 * Where a generated image goes. Templates follow VS Code's `markdown.copyFiles.destination`
 * (extensions/markdown-language-features/src/languageFeatures/copyFiles/copyFiles.ts in
 * microsoft/vscode), so a repository's paste/drop convention also places generated images:
 * a leading `/` is the workspace folder, anything else is relative to the document's folder,
 * a trailing `/` is a folder for `${fileName}`, `\$` is a literal `$`, and `${name/regex/replacement/}`
 * transforms a value. Unlike VS Code, an unknown variable or a broken regex is refused with a
 * reason instead of being left in or skipped silently, and every result must stay inside the
 * workspace folder (SEC-11).
 */

/** Used when neither our setting nor `markdown.copyFiles.destination` applies. */
export const DEFAULT_ASSET_DESTINATION = '/assets/generated/';

export const OWN_DESTINATION_SETTING = 'oxenImageStudio.assetDestination';
export const MARKDOWN_DESTINATION_SETTING = 'markdown.copyFiles.destination';

export interface DestinationInput {
  /** Absolute path of the workspace folder the image belongs to. */
  workspaceFolder: string;
  /** Absolute path of the markdown document; absent when generating with no editor open. */
  documentPath?: string;
  /** Generated file name with its extension, e.g. `red-fox-42.png`. */
  fileName: string;
  /** `oxenImageStudio.assetDestination`; blank means unset. */
  ownTemplate?: string;
  /** `markdown.copyFiles.destination`: glob of the document path → destination template. */
  markdownCopyFilesDestination?: Record<string, string>;
  /** Clock for `${unixTime}` and `${isoTime}`; now by default. */
  now?: Date;
}

export type DestinationSource = typeof OWN_DESTINATION_SETTING | typeof MARKDOWN_DESTINATION_SETTING | 'default';

export type DestinationResult =
  | { ok: true; absolutePath: string; relativeToWorkspace: string; source: DestinationSource }
  | { ok: false; reason: string };

interface ChosenTemplate {
  template: string;
  source: DestinationSource;
}

/** Variables that describe the document, so they have no value when there is none. */
const DOCUMENT_FILE_VARIABLES = ['documentFileName', 'documentBaseName', 'documentExtName', 'documentFilePath', 'documentRelativeFilePath'];

/** VS Code's variable syntax: `\$`, `${name}` or `${name/pattern/replacement/}` (with `\/` inside). */
const VARIABLE_PATTERN =
  /(?<escape>\\\$)|(?<!\\)\$\{(?<name>\w+)(?:\/(?<pattern>(?:\\\/|[^}/])+)\/(?<replacement>(?:\\\/|[^}/])*)\/)?\}/g;

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Shows control characters as `\u0000` escapes, so a reason shown to the user stays one readable line. */
function visibleControlCharacters(text: string): string {
  return text.replace(new RegExp(CONTROL_CHARACTER, 'g'), (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function toSlashes(filePath: string): string {
  return filePath.replace(/\\/g, '/');
}

/**
 * VS Code's reading of a `markdown.copyFiles.destination` key: `/…` is anchored at the workspace
 * folder; any other glob not starting with `**` gets `**` + `/` in front, so it matches at any depth.
 */
function copyFilesGlobMatches(rawGlob: string, workspaceFolder: string, documentPath: string): boolean {
  if (rawGlob.startsWith('/')) {
    const relative = relativePathInside(workspaceFolder, documentPath);
    return relative !== undefined && matchesGlob(relative, rawGlob.slice(1));
  }
  return matchesGlob(toSlashes(documentPath), rawGlob.startsWith('**') ? rawGlob : `**/${rawGlob}`);
}

function chooseTemplate(input: DestinationInput): ChosenTemplate {
  const own = input.ownTemplate?.trim();
  if (own) return { template: own, source: OWN_DESTINATION_SETTING };
  if (input.documentPath !== undefined) {
    for (const [glob, destination] of Object.entries(input.markdownCopyFilesDestination ?? {})) {
      // Settings are untyped JSON at run time; a value that is not a string cannot be a template.
      if (typeof destination === 'string' && copyFilesGlobMatches(glob, input.workspaceFolder, input.documentPath)) {
        return { template: destination.trim() || '${fileName}', source: MARKDOWN_DESTINATION_SETTING };
      }
    }
  }
  return { template: DEFAULT_ASSET_DESTINATION, source: 'default' };
}

function variableValues(input: DestinationInput, flavor: path.PlatformPath): Map<string, string> {
  const { workspaceFolder, documentPath, fileName } = input;
  const now = input.now ?? new Date();
  const relativeToWorkspace = (target: string) => toSlashes(flavor.relative(workspaceFolder, target));
  const values = new Map<string, string>([
    ['documentWorkspaceFolder', workspaceFolder],
    ['fileName', fileName],
    ['fileExtName', path.posix.extname(fileName).slice(1)],
    ['unixTime', String(now.getTime())],
    ['isoTime', now.toISOString()],
  ]);
  if (documentPath === undefined) {
    // No document: its folder is taken to be the workspace folder, so relative templates still work.
    values.set('documentDirName', workspaceFolder).set('documentRelativeDirName', '');
    return values;
  }
  const documentDirName = flavor.dirname(documentPath);
  const documentFileName = flavor.basename(documentPath);
  const documentExtName = flavor.extname(documentFileName);
  return values
    .set('documentDirName', documentDirName)
    .set('documentRelativeDirName', relativeToWorkspace(documentDirName))
    .set('documentFileName', documentFileName)
    .set('documentBaseName', documentFileName.slice(0, documentFileName.length - documentExtName.length))
    .set('documentExtName', documentExtName.slice(1))
    .set('documentFilePath', documentPath)
    .set('documentRelativeFilePath', relativeToWorkspace(documentPath));
}

function unescapeSlashes(text: string): string {
  return text.replace(/\\\//g, '/');
}

/** The template with VS Code's implicit parts added and every variable replaced, or why not. */
function expandTemplate(template: string, values: Map<string, string>): { ok: true; expanded: string } | { ok: false; reason: string } {
  let full = template.startsWith('/') ? '${documentWorkspaceFolder}/' + template.slice(1) : template;
  if (full.endsWith('/')) full += '${fileName}';
  // After a backslash, `${fileName}` would read as the escape `\$`; a slash keeps it a variable.
  else if (full.endsWith('\\')) full += '/${fileName}';
  let problem: string | undefined;
  const expanded = full.replace(VARIABLE_PATTERN, (match, escape?: string, name?: string, pattern?: string, replacement?: string) => {
    if (escape) return '$';
    const value = values.get(name!);
    if (value === undefined) {
      problem ??= DOCUMENT_FILE_VARIABLES.includes(name!)
        ? `uses \${${name}}, which needs an open markdown document`
        : `uses the unknown variable \${${name}}`;
      return match;
    }
    // Like VS Code, a transform applies only with a non-empty replacement.
    if (!pattern || !replacement) return value;
    try {
      return value.replace(new RegExp(unescapeSlashes(pattern)), unescapeSlashes(replacement));
    } catch {
      problem ??= `has an invalid regular expression in \${${name}/${pattern}/…/}`;
      return match;
    }
  });
  return problem === undefined ? { ok: true, expanded } : { ok: false, reason: problem };
}

/**
 * The absolute path for `input.fileName`: our own setting if set, else the first
 * `markdown.copyFiles.destination` entry whose glob matches the document, else
 * `DEFAULT_ASSET_DESTINATION`. Refuses, with a reason naming the setting, anything that leaves the
 * workspace folder (lexically; check symlinks with `verifyInsideWorkspace` before writing) or drops
 * the image's extension (which comes from the sniffed bytes, SEC-12).
 */
export function resolveDestination(input: DestinationInput): DestinationResult {
  const flavor = pathFlavorOf(input.workspaceFolder);
  if (!isAbsoluteIn(flavor, input.workspaceFolder) || (input.documentPath !== undefined && !isAbsoluteIn(flavor, input.documentPath))) {
    return { ok: false, reason: 'The workspace folder and the document must be given as absolute paths.' };
  }
  const { template, source } = chooseTemplate(input);
  const refuse = (why: string): DestinationResult => ({
    ok: false,
    reason: `The destination "${visibleControlCharacters(template)}" from ${source === 'default' ? 'the default' : source} ${why}.`,
  });

  if (template.startsWith('~')) return refuse("starts with '~', which is not expanded; use '/' for the workspace folder");
  const expansion = expandTemplate(template, variableValues(input, flavor));
  if (!expansion.ok) return refuse(expansion.reason);
  const { expanded } = expansion;
  // Checked after expansion, so a control character from a variable's value is caught too.
  if (CONTROL_CHARACTER.test(expanded)) return refuse('contains a control character, such as NUL or a line break');
  if (isWindowsAbsolute(expanded) && !isAbsoluteIn(flavor, expanded)) {
    return refuse(`names ${expanded}, which is not a full path inside the workspace folder`);
  }

  // Backslashes separate folders on every OS, so a setting written on Windows means the same here.
  const baseDir = input.documentPath === undefined ? input.workspaceFolder : flavor.dirname(input.documentPath);
  const absolutePath = flavor.resolve(baseDir, flavor === path.posix ? toSlashes(expanded) : expanded);
  const relativeToWorkspace = relativePathInside(input.workspaceFolder, absolutePath);
  if (relativeToWorkspace === undefined) {
    return refuse(`resolves to ${absolutePath}, which is outside the workspace folder ${input.workspaceFolder}`);
  }
  const extension = path.posix.extname(input.fileName);
  if (!absolutePath.endsWith(extension)) {
    return refuse(`names the file ${flavor.basename(absolutePath)}, which does not end in ${extension}; end the destination with '/' to name a folder`);
  }
  return { ok: true, absolutePath, relativeToWorkspace, source };
}
