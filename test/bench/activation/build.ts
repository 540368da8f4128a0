import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../unit/support/processes';

export interface ProductionBuild {
  /** Temp folder holding links to the repository's files and the build's own `dist`. */
  root: string;
  dist: string;
  remove(): Promise<void>;
}

/**
 * Runs the project's own `esbuild.js --production` (what `npm run build:production` does) with a
 * temp folder as its working directory, so the bundles land in `<temp>/dist` and the
 * repository's dist/ (which others may be using) is left alone. The temp folder links to every
 * other top-level entry of the repository, so whatever the build reads resolves as usual
 * (esbuild follows the links to the real files).
 */
export async function buildProduction(): Promise<ProductionBuild> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-bench-build-'));
  const remove = () => fs.rm(root, { recursive: true, force: true });
  try {
    for (const entry of await fs.readdir(REPO_ROOT)) {
      if (entry !== 'dist') await fs.symlink(path.join(REPO_ROOT, entry), path.join(root, entry));
    }
    await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'esbuild.js'), '--production'], { cwd: root });
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, dist: path.join(root, 'dist'), remove };
}
