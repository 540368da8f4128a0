/** Temporary workspace folders for real-VS Code runs. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Markdown at several depths, the shape the extension's features work on. */
export const DEFAULT_WORKSPACE_FILES: Readonly<Record<string, string>> = {
  'README.md': '# Sample project\n\nA README that will get a hero image.\n\n## Usage\n\nRun it.\n',
  'docs/guide.md': '# Guide\n\nSome guide text.\n\n## Installing\n\nSteps here.\n',
  'docs/api/reference/endpoints.md': '# Endpoints\n\nDeeply nested page.\n',
  'notes.txt': 'not markdown\n',
};

/**
 * Creates a fresh temp folder holding `files` (relative path -> content), or a copy of
 * `copyFrom` when given. Returns its absolute (real) path.
 */
export function createWorkspace(
  options: { files?: Record<string, string>; copyFrom?: string; prefix?: string } = {},
): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'oxen-ws-')));
  if (options.copyFrom) {
    fs.cpSync(options.copyFrom, dir, { recursive: true });
  } else {
    for (const [rel, content] of Object.entries(options.files ?? DEFAULT_WORKSPACE_FILES)) {
      const file = path.join(dir, rel);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  return dir;
}

export function removeDir(dir: string): void {
  if (process.env.OXEN_KEEP_TEMP === '1') return;
  fs.rmSync(dir, { recursive: true, force: true });
}
