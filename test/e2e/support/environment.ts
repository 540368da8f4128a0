/**
 * What every e2e spec drives: the Oxen API emulator, a temp workspace with markdown files, a
 * code-server with the extension installed (trusted folder, a fresh profile) and a headless
 * Chromium page on its workbench. The runner starts it once; specs reach it through `e2e()`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchBrowser, type BrowserSession } from '../../harness/browser';
import { startCodeServer, tail, type CodeServer } from '../../harness/codeServer';
import { REPO_ROOT } from '../../harness/paths';
import { createWorkspace, removeDir } from '../../harness/workspace';
import { startEmulator, type Emulator } from '../../emulator/server';

export const E2E_API_KEY = 'e2e-key';
export const DARK_THEME = 'Default Dark Modern';
export const LIGHT_THEME = 'Default Light Modern';

/** Markdown files the scenarios open (the harness default has them at several depths). */
export const E2E_WORKSPACE_FILES: Readonly<Record<string, string>> = {
  // Line 3 is where scenario (a) asks for the image.
  'README.md': '# Lighthouse Guide\n\n\n\nEverything about the lighthouse on the cliff.\n\n## Getting there\n\nTake the coastal path.\n',
  'docs/guide.md': '# Guide\n\nA page that needs an illustration.\n\n## The view\n\n',
  'docs/api/reference.md': '# Reference\n\nDeeply nested page.\n',
  'notes.txt': 'not markdown\n',
};

/** Where every step's screenshot goes (gitignored). */
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'e2e');
/** Screenshots the README shows (committed). */
export const DOCS_IMAGES_DIR = path.join(REPO_ROOT, 'docs', 'images');

export interface E2eEnvironment {
  emulator: Emulator;
  server: CodeServer;
  browser: BrowserSession;
  workspace: string;
  /** `<userDataDir>/User/settings.json`: the workbench applies edits to it live. */
  userSettingsFile: string;
  /** The workbench console (last lines), for failure reports. */
  recentConsole: string[];
  stop(): Promise<void>;
}

let current: E2eEnvironment | undefined;

/** The running environment (the runner starts it before mocha runs the specs). */
export function e2e(): E2eEnvironment {
  if (!current) throw new Error('the e2e environment is not running: run the specs with `npm run test:e2e`');
  return current;
}

export async function startE2eEnvironment(options: { extensionPath: string; verbose: boolean }): Promise<E2eEnvironment> {
  // A generation takes ~1.3 s (queued, then processing): long enough to watch it in the queue.
  const emulator = await startEmulator({ apiKey: E2E_API_KEY, timing: { queuedMs: 300, processingMs: 1000 } });
  const workspace = createWorkspace({ files: { ...E2E_WORKSPACE_FILES }, prefix: 'oxen-e2e-' });
  let server: CodeServer | undefined;
  let browser: BrowserSession | undefined;
  const recentConsole: string[] = [];
  const stop = async () => {
    await browser?.close();
    await server?.stop();
    await emulator.close();
    removeDir(workspace);
    current = undefined;
  };
  try {
    server = await startCodeServer({
      workspaceFolder: workspace,
      trustWorkspace: true,
      installExtensions: [options.extensionPath],
      userSettings: {
        'oxenImageStudio.apiBaseUrl': emulator.apiUrl,
        'workbench.colorTheme': DARK_THEME,
        'workbench.startupEditor': 'none',
        // Clean screenshots: no chat / copilot affordances, no minimap noise.
        'chat.commandCenter.enabled': false,
        'workbench.layoutControl.enabled': false,
        'editor.minimap.enabled': false,
        'window.commandCenter': false,
        // The emulator's ports would pop up "Your application is available" notifications.
        'remote.autoForwardPorts': false,
      },
      env: { OXEN_API_KEY: E2E_API_KEY, OXEN_EMULATOR_URL: emulator.apiUrl },
      onOutput: options.verbose ? (text) => process.stdout.write(`  [code-server] ${text}`) : undefined,
    });
    browser = await launchBrowser({
      viewport: { width: 1280, height: 800 },
      onConsole: (text, type) => {
        recentConsole.push(`[${type}] ${text.replace(/%c/g, '').slice(0, 400)}`);
        if (recentConsole.length > 60) recentConsole.shift();
        if (options.verbose) console.log(`  [browser ${type}] ${text}`);
      },
    });
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    current = {
      emulator,
      server,
      browser,
      workspace,
      userSettingsFile: path.join(server.userDataDir, 'User', 'settings.json'),
      recentConsole,
      stop,
    };
    return current;
  } catch (error) {
    const logs = server ? `\n--- code-server output ---\n${tail(server.logs(), 60)}` : '';
    await stop();
    throw new Error(`${(error as Error).message}${logs}`);
  }
}
