import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const TEMP_PREFIX = '.oxen-image-studio-';
const TEMP_SUFFIX = '.part';

/** Downloads land here first, in the target folder so the final rename never crosses devices. */
export function tempPathFor(folder: string, generationId: string): string {
  return path.join(folder, `${TEMP_PREFIX}${generationId}${TEMP_SUFFIX}`);
}

/**
 * Deletes temp files left by a killed download (REL-09), except those of generations still being
 * downloaded. A folder that does not exist has nothing to clean.
 */
export async function cleanStaleTempFiles(folder: string, activeGenerationIds: ReadonlySet<string>): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) continue;
    const id = name.slice(TEMP_PREFIX.length, -TEMP_SUFFIX.length);
    if (activeGenerationIds.has(id)) continue;
    await fs.rm(path.join(folder, name), { force: true });
    removed.push(name);
  }
  return removed;
}
