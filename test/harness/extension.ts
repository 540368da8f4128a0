/**
 * The extension under test, for every real-VS Code run (integration runner, e2e runner,
 * `npm start`): is it built (and build it when it is not), and install it into a code-server
 * extensions dir the way a user's installed extension is found.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PrerequisiteError } from './errors';
import { REPO_ROOT } from './paths';

export interface ExtensionManifest {
  name: string;
  publisher: string;
  version: string;
  main?: string;
}

export function readExtensionManifest(extensionPath: string): ExtensionManifest {
  const file = path.join(extensionPath, 'package.json');
  if (!fs.existsSync(file)) throw new PrerequisiteError(`no extension at ${extensionPath} (package.json missing)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ExtensionManifest;
}

/** Throws PrerequisiteError when the manifest's `main` bundle is missing. */
export function checkExtensionBuilt(extensionPath: string): ExtensionManifest {
  const manifest = readExtensionManifest(extensionPath);
  if (manifest.main && !fs.existsSync(path.resolve(extensionPath, manifest.main))) {
    throw new PrerequisiteError(`${path.resolve(extensionPath, manifest.main)} is missing: run \`npm run build\` first`);
  }
  return manifest;
}

/** What `node esbuild.js` reads, and what it writes. */
const BUILD_INPUTS = ['src', 'media/webview', 'esbuild.js', 'package.json', 'package-lock.json', 'tsconfig.json'];
const BUILD_OUTPUTS = ['dist/extension.js', 'dist/core.js', 'dist/webview/main.js', 'dist/webview/main.css'];

function newestMtime(file: string): number {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return fs.readdirSync(file).reduce((newest, name) => Math.max(newest, newestMtime(path.join(file, name))), stat.mtimeMs);
}

/** True when every bundle exists and is newer than every build input. */
export function isBuildFresh(root = REPO_ROOT): boolean {
  const outputs = BUILD_OUTPUTS.map((file) => fs.statSync(path.join(root, file), { throwIfNoEntry: false })?.mtimeMs);
  if (outputs.some((mtime) => mtime === undefined)) return false;
  const oldestOutput = Math.min(...(outputs as number[]));
  return BUILD_INPUTS.every((input) => newestMtime(path.join(root, input)) <= oldestOutput);
}

/**
 * Builds the bundles (`node esbuild.js`) unless they are newer than every source, so `npm test`
 * builds once for both real-VS Code runners while each runner alone still tests fresh code.
 * OXEN_FORCE_BUILD=1 always builds.
 */
export function ensureBuilt(log: (line: string) => void = console.log): void {
  if (process.env.OXEN_FORCE_BUILD !== '1' && isBuildFresh()) {
    log('Build: dist/ is newer than the sources, not rebuilding (OXEN_FORCE_BUILD=1 to force).');
    return;
  }
  const started = Date.now();
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'esbuild.js')], { cwd: REPO_ROOT, stdio: 'inherit' });
  log(`Build: node esbuild.js (${Date.now() - started} ms).`);
}

/**
 * Makes code-server find the extension at startup as an installed one: the folder is symlinked
 * into `extensionsDir` as `<publisher>.<name>-<version>`. The workbench then runs it like a user's
 * extension (no Extension Development Host payload in the URL); `npm run build` + reload picks up
 * changes. startCodeServer's `installExtensions` does this.
 */
export function linkExtension(extensionPath: string, extensionsDir: string): string {
  const manifest = readExtensionManifest(extensionPath);
  const link = path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.symlinkSync(path.resolve(extensionPath), link, 'dir');
  return link;
}
