/** Where a key could leak to on disk or in settings, for the SEC-05 checks of several suites. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { workspaceRoot } from './extension';

/** Every file below `folder` (none when it does not exist). */
export function filesUnder(folder: string): string[] {
  if (!fs.existsSync(folder)) return [];
  return (fs.readdirSync(folder, { recursive: true }) as string[]).map((name) => path.join(folder, name)).filter((file) => fs.statSync(file).isFile());
}

/** Every setting of ours and VS Code's http ones, at every level, plus the workspace settings file. */
export function settingsText(): string {
  const inspected = ['oxenImageStudio', 'http'].flatMap((section) => {
    const config = vscode.workspace.getConfiguration(section);
    return Object.keys(config)
      .filter((key) => typeof config[key] !== 'function')
      .map((key) => config.inspect(key));
  });
  const workspaceFile = path.join(workspaceRoot(), '.vscode', 'settings.json');
  return JSON.stringify(inspected) + (fs.existsSync(workspaceFile) ? fs.readFileSync(workspaceFile, 'utf8') : '');
}
