/**
 * Well-known locations shared by the real-VS Code harness (integration runner, e2e tests,
 * `npm start`). Everything is derived from the repository root so it works from any cwd.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** code-server version the harness is pinned to (bundles VS Code 1.100.3; needs Node 20). */
export const CODE_SERVER_VERSION = '4.100.3';

/** Where scripts/install-code-server.sh installs code-server (gitignored). */
export const CODE_SERVER_DIR = process.env.CODE_SERVER_DIR ?? path.join(REPO_ROOT, '.cache', 'code-server');

export const CODE_SERVER_BIN = path.join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');

export const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-code-server.sh');

/** Debian's chromium; Playwright's own browser download is never used. */
export const CHROMIUM_PATH = process.env.OXEN_CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The extension's identifier: `${publisher}.${name}` from package.json. */
export const EXTENSION_ID = 'oxen-image-studio.oxen-image-studio';

export const EXTENSION_MAIN = path.join(REPO_ROOT, 'dist', 'extension.js');

export function isCodeServerInstalled(): boolean {
  const pkg = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'package.json');
  try {
    const version = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version?: string }).version;
    return (
      version === CODE_SERVER_VERSION &&
      fs.existsSync(CODE_SERVER_BIN) &&
      fs.existsSync(path.join(CODE_SERVER_DIR, `.install-complete-${CODE_SERVER_VERSION}`))
    );
  } catch {
    return false;
  }
}

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}
