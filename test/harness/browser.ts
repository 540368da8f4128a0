/**
 * Headless Debian chromium driven by playwright-core (its own browser download is never used).
 * Shared by the integration runner and the Playwright e2e tests.
 */
import * as fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { PrerequisiteError } from './errors';
import { CHROMIUM_PATH } from './paths';

/** Flags verified in shared/docs/real-vscode-offline.md. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface BrowserOptions {
  /** Default true (the `--headless` flag of the note, via Playwright's headless mode). */
  headless?: boolean;
  /** Viewport of the first page; default 1400x900. */
  viewport?: { width: number; height: number };
  /** Forward the page's console messages here (e.g. extension-host log lines). */
  onConsole?: (text: string, type: string) => void;
  /** prefers-color-scheme of the page (VS Code's theme is picked by `workbench.colorTheme`). */
  colorScheme?: 'light' | 'dark';
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Loads `url` and waits until the VS Code workbench is on screen. */
  openWorkbench(url: string, timeoutMs?: number): Promise<void>;
  /** Frames whose URL is a webview document (sidebar WebviewView, webview panels) in `on`, the first page by default. */
  webviewFrames(on?: Page): Frame[];
  close(): Promise<void>;
}

export function ensureChromium(): void {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new PrerequisiteError(
      `chromium not found at ${CHROMIUM_PATH}. Install it with: apt-get install -y chromium ` +
        `(or set OXEN_CHROMIUM_PATH)`,
    );
  }
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<BrowserSession> {
  ensureChromium();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: options.headless ?? true,
    args: [...CHROMIUM_ARGS],
    // Debian's chromium is not the build Playwright pins: do not let it look for another one.
    chromiumSandbox: false,
  });
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1400, height: 900 },
    ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
  });
  const page = await context.newPage();
  if (options.onConsole) {
    const onConsole = options.onConsole;
    page.on('console', (msg) => onConsole(msg.text(), msg.type()));
    page.on('pageerror', (err) => onConsole(`[pageerror] ${err.message}`, 'error'));
  }
  return {
    browser,
    context,
    page,
    openWorkbench: async (url: string, timeoutMs = 60_000) => {
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
      await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
    },
    webviewFrames: (on = page) =>
      on.frames().filter((f) => f.url().includes('/static/out/vs/workbench/contrib/webview/browser/pre/')),
    close: async () => {
      await browser.close().catch(() => undefined);
    },
  };
}
