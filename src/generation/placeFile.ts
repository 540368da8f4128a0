import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { numberedFileName } from '../assets/fileName';

const MAX_COLLISIONS = 10_000;

/**
 * Gives a finished temp file its final name without ever overwriting a file (SEC-12): a hard
 * link fails when the name is taken, so `name`, `name-1`, `name-2`… are tried in turn, and the
 * final name appears atomically with complete content (REL-09). `beforeAttempt` lets the caller
 * journal each candidate, so a crash between link and bookkeeping is recognised on resume.
 */
export async function placeWithoutOverwrite(
  tempPath: string,
  folder: string,
  baseName: string,
  extension: string,
  beforeAttempt: (candidate: string) => Promise<void>,
): Promise<string> {
  for (let attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
    const candidate = path.join(folder, numberedFileName(baseName, extension, attempt));
    await beforeAttempt(candidate);
    try {
      await fs.link(tempPath, candidate);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV' && code !== 'ENOSYS') throw error;
      if (!(await claimByExclusiveCreate(tempPath, candidate))) continue;
      return candidate;
    }
    await fs.unlink(tempPath);
    return candidate;
  }
  throw new Error(`No free file name for "${baseName}.${extension}" in ${folder}.`);
}

/** For file systems without hard links: reserve the name exclusively, then move the content in. */
async function claimByExclusiveCreate(tempPath: string, candidate: string): Promise<boolean> {
  try {
    const handle = await fs.open(candidate, 'wx');
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await fs.rename(tempPath, candidate);
  return true;
}

/**
 * After a crash in the middle of `placeWithoutOverwrite`: is `candidate` our file? It is when
 * the temp file is gone (the move completed) or is the same inode (linked, not yet unlinked).
 */
export async function recoverPlacedFile(tempPath: string, candidate: string): Promise<'placed' | 'not-placed'> {
  const [placed, temp] = await Promise.all([fs.stat(candidate).catch(() => undefined), fs.stat(tempPath).catch(() => undefined)]);
  if (!placed) return 'not-placed';
  if (!temp) return 'placed';
  if (placed.ino === temp.ino && placed.dev === temp.dev) {
    await fs.rm(tempPath, { force: true });
    return 'placed';
  }
  return 'not-placed';
}
