import * as path from 'node:path';

/**
 * Keeps every file the extension writes inside the workspace folder (SEC-11). Settings written on
 * one OS are read on another, so a path is judged on its own spelling, not on the running OS: a
 * drive letter, a UNC prefix or a leading backslash is absolute everywhere.
 */

export type ContainmentResult = { ok: true } | { ok: false; reason: string };

/** `C:\x`, `C:x` (drive-relative), `\\server\share`, `\x`: absolute, or at least not relative, on Windows. */
export function isWindowsAbsolute(candidate: string): boolean {
  return /^[a-zA-Z]:/.test(candidate) || candidate.startsWith('\\');
}

/** The path flavour a workspace folder is spelled in: Windows for drive-letter and UNC paths, POSIX otherwise. */
export function pathFlavorOf(absoluteFolder: string): path.PlatformPath {
  return /^[a-zA-Z]:[\\/]/.test(absoluteFolder) || /^[\\/]{2}[^\\/]/.test(absoluteFolder) ? path.win32 : path.posix;
}

/**
 * Absolute in `flavor` and spelled in it. Checked before any `relative`/`resolve` call, because
 * node resolves anything else (`C:\x` on POSIX, `/etc` on Windows) against the process's own
 * working directory.
 */
export function isAbsoluteIn(flavor: path.PlatformPath, candidate: string): boolean {
  return pathFlavorOf(candidate) === flavor && flavor.isAbsolute(candidate);
}

/**
 * `target` relative to `folder` with `/` separators when `target` lies strictly inside `folder`
 * (lexically; symlinks are `verifyInsideWorkspace`'s job), else undefined.
 */
export function relativePathInside(folder: string, target: string): string | undefined {
  const flavor = pathFlavorOf(folder);
  if (!isAbsoluteIn(flavor, folder) || !isAbsoluteIn(flavor, target)) return undefined;
  const relative = flavor.relative(folder, target);
  const escapes = relative === '..' || relative.startsWith(`..${flavor.sep}`) || flavor.isAbsolute(relative);
  if (relative === '' || escapes) return undefined;
  return relative.split(flavor.sep).join('/');
}

function isInsideOrSame(folder: string, target: string): boolean {
  const flavor = pathFlavorOf(folder);
  return (isAbsoluteIn(flavor, target) && flavor.relative(folder, target) === '') || relativePathInside(folder, target) !== undefined;
}

function isMissingPathError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Refuses `absPath` unless it stays inside `workspaceFolder` once symlinks are resolved. The file
 * and some of its folders may not exist yet, so the deepest existing ancestor is resolved with
 * `realpath` (fs.promises.realpath in production) and compared with the resolved workspace folder;
 * the missing rest cannot leave it, since `absPath` is normalised and must be lexically inside.
 * Call it right before creating folders and writing.
 */
export async function verifyInsideWorkspace(
  absPath: string,
  workspaceFolder: string,
  realpath: (p: string) => Promise<string>,
): Promise<ContainmentResult> {
  const flavor = pathFlavorOf(workspaceFolder);
  const target = flavor.normalize(absPath);
  if (relativePathInside(workspaceFolder, target) === undefined) {
    return { ok: false, reason: `${absPath} is not inside the workspace folder ${workspaceFolder}.` };
  }
  try {
    const realWorkspace = await realpath(workspaceFolder);
    for (let existing = target; ; existing = flavor.dirname(existing)) {
      try {
        const realExisting = await realpath(existing);
        return isInsideOrSame(realWorkspace, realExisting)
          ? { ok: true }
          : { ok: false, reason: `${existing} leads outside the workspace folder (it resolves to ${realExisting}, through a symbolic link).` };
      } catch (error) {
        if (!isMissingPathError(error) || flavor.dirname(existing) === existing) throw error;
      }
    }
  } catch (error) {
    return { ok: false, reason: `Could not check that ${absPath} stays inside the workspace folder: ${(error as Error).message}` };
  }
}
