/**
 * Driving VS Code's web workbench the way a user does (keyboard and mouse), with waits on
 * conditions only. Selectors are VS Code 1.100's DOM (code-server 4.100.3, pinned).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';
import { e2e, DOCS_IMAGES_DIR, RESULTS_DIR } from './environment';

const STUDIO_CONTAINER_LABEL = 'Oxen Image Studio';

/** Polls `check` until it returns a truthy value (no fixed sleeps). */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Set by `inWindow`: the second workbench page (another window on the same folder). */
let otherWindow: Page | undefined;

export function page(): Page {
  return otherWindow ?? e2e().browser.page;
}

/** Runs `steps` in another workbench page: every helper here then drives that window. */
export async function inWindow<T>(window: Page, steps: () => Promise<T>): Promise<T> {
  otherWindow = window;
  try {
    return await steps();
  } finally {
    otherWindow = undefined;
  }
}

/** Loads the workbench and waits until the Explorer shows the workspace. */
export async function openWorkbench(): Promise<void> {
  const { browser, server } = e2e();
  await browser.openWorkbench(server.url);
  await page().locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
}

const quickInput = () => page().locator('.quick-input-widget');

/**
 * Waits for the quick input (palette, quick pick, input box) to show, optionally with this title
 * or placeholder (a pick that replaces another one reuses the same widget).
 */
export async function waitForQuickInput(title?: string | RegExp, placeholder?: RegExp): Promise<void> {
  await quickInput().waitFor({ state: 'visible' });
  if (title !== undefined) await quickInput().locator('.quick-input-title').filter({ hasText: title }).waitFor({ state: 'visible' });
  if (placeholder !== undefined) {
    const input = quickInput().locator('.quick-input-box input').first();
    await waitUntil(`a quick input saying ${placeholder}`, async () => placeholder.test((await input.getAttribute('placeholder')) ?? ''));
  }
}

/** The label of the highlighted quick-input row. */
async function focusedRowLabel(): Promise<string | undefined> {
  const label = quickInput().locator('.monaco-list-row.focused .label-name').first();
  if ((await label.count()) === 0) return undefined;
  return (await label.innerText()).replace(/\s+/g, ' ').trim();
}

/**
 * In the open quick input: types `label`, walks with the arrow keys to the row with exactly that
 * label (fuzzy matching may rank a longer one first) and presses Enter: what a user does.
 */
export async function pickQuickInputRow(label: string): Promise<void> {
  const p = page();
  await p.keyboard.type(label);
  // The list filters asynchronously: wait for a row with the label, then walk to it.
  await quickInput().locator('.monaco-list-row .label-name').filter({ hasText: label }).first().waitFor({ state: 'visible' });
  for (let moves = 0; (await focusedRowLabel()) !== label; moves++) {
    if (moves > 10) throw new Error(`the quick input has no row labelled "${label}"`);
    await p.keyboard.press('ArrowDown');
  }
  await p.keyboard.press('Enter');
}

/** F1, the command's title, Enter. */
export async function runCommand(title: string): Promise<void> {
  await page().keyboard.press('F1');
  await waitForQuickInput();
  await pickQuickInputRow(title);
}

/**
 * "Developer: Reload Window" from the palette: the workbench shuts down (state flushed, the
 * extension host stopped) and starts again in the same page. Resolves once the new workbench
 * shows the Explorer or a view again.
 */
export async function reloadWindow(): Promise<void> {
  const p = page();
  await p.evaluate(() => ((window as unknown as { oxenE2eBeforeReload?: boolean }).oxenE2eBeforeReload = true));
  await runCommand('Developer: Reload Window');
  await waitUntil('the new workbench document', async () => !(await p.evaluate(() => (window as unknown as { oxenE2eBeforeReload?: boolean }).oxenE2eBeforeReload === true).catch(() => true)), 60_000);
  await p.locator('.monaco-workbench .part.activitybar').first().waitFor({ state: 'visible', timeout: 60_000 });
}

/** Quick Open (Ctrl+P) a workspace file and wait for its editor to be active. */
export async function openFile(relativePath: string): Promise<void> {
  const p = page();
  const name = path.posix.basename(relativePath);
  await p.keyboard.press('Control+P');
  await waitForQuickInput();
  await p.keyboard.type(relativePath);
  await quickInput().locator('.monaco-list-row.focused').filter({ hasText: name }).first().waitFor({ state: 'visible' });
  await p.keyboard.press('Enter');
  await activeEditorTab(name).waitFor({ state: 'visible' });
  await p.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

export function activeEditorTab(name: string): Locator {
  return page().locator('.tabs-container .tab.active').filter({ hasText: name });
}

/** Ctrl+S, then waits until the file on disk holds what the editor shows (`expected`). */
export async function saveActiveEditor(file: string, expected: RegExp): Promise<string> {
  await page().keyboard.press('Control+S');
  return waitUntil(`${path.basename(file)} saved`, async () => {
    const text = fs.readFileSync(file, 'utf8');
    return expected.test(text) ? text : undefined;
  });
}

/** Ctrl+G to a line (1-based): the cursor goes to its start. */
export async function goToLine(line: number): Promise<void> {
  const p = page();
  await p.keyboard.press('Control+G');
  await waitForQuickInput();
  await p.keyboard.type(String(line));
  await p.keyboard.press('Enter');
  await quickInput().waitFor({ state: 'hidden' });
}

/**
 * The visible text of the active editor as one string. Monaco keeps its view lines in any DOM
 * order (placed by `top`), wraps long lines into several of them and renders spaces as no-break
 * spaces: the lines are sorted by position and joined without breaks (match within them).
 */
export async function activeEditorText(): Promise<string> {
  const lines = await page()
    .locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines')
    .first()
    .locator('.view-line')
    .evaluateAll((nodes) => nodes.map((node) => ({ top: parseFloat((node as HTMLElement).style.top) || 0, text: node.textContent ?? '' })));
  return lines
    .sort((a, b) => a.top - b.top)
    .map((line) => line.text)
    .join('')
    .replace(/\u00a0/g, ' ');
}

/** Explorer rows (their labels), for checking that a file shows up. */
export function explorerRow(name: string): Locator {
  return page().locator('.explorer-folders-view .monaco-list-row').filter({ has: page().locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(name)}$`) }) });
}

/** Expands Explorer folders along `folderPath` (`a/b`), one level at a time. */
export async function expandExplorerFolders(folderPath: string): Promise<void> {
  for (const folder of folderPath.split('/')) {
    const row = explorerRow(folder).first();
    await row.waitFor({ state: 'visible' });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await waitUntil(`${folder} expanded`, async () => (await row.getAttribute('aria-expanded')) === 'true');
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Waits until the markdown preview (a webview) shows the image named `fileName`, loaded. */
export async function markdownPreviewImage(fileName: string): Promise<void> {
  await waitUntil(`${fileName} in the markdown preview`, async () => {
    for (const frame of e2e().browser.webviewFrames(page())) {
      if (frame.isDetached()) continue;
      const loaded = await frame
        .$$eval('img', (images, name) => images.some((image) => decodeURIComponent(image.src).includes(name) && image.complete && image.naturalWidth > 0), fileName)
        .catch(() => false);
      if (loaded) return true;
    }
    return false;
  }, 20_000);
}

// ----- the studio sidebar -----

/** The side bar shows the studio's view (its pane title names the container). */
async function studioSidebarVisible(): Promise<boolean> {
  const title = page().locator('.part.sidebar .composite.title .title-label');
  if (!(await page().locator('.part.sidebar').isVisible()) || (await title.count()) === 0) return false;
  return /oxen image studio/i.test(await title.first().innerText());
}

/**
 * Clicks the activity-bar item (its aria-label is the container title) until the side bar shows
 * the studio. After a reload the workbench may restore the view on its own meanwhile, and a click
 * on the item of an open view closes it: so look, click, and give the click time to show.
 */
export async function openStudioSidebar(): Promise<void> {
  const item = page().locator(`.activitybar .action-label[aria-label="${STUDIO_CONTAINER_LABEL}"]`);
  await item.waitFor({ state: 'visible' });
  let clickedAt = 0;
  await waitUntil('the studio in the side bar', async () => {
    if (await studioSidebarVisible()) return true;
    if (Date.now() - clickedAt > 3000) {
      clickedAt = Date.now();
      await item.click();
    }
    return false;
  });
  await parkMouse();
}

/**
 * The studio webview's document: among the frames VS Code uses for webviews (URL under
 * /static/out/vs/workbench/contrib/webview/browser/pre/), the one that holds the rendered app.
 * Looked up afresh each time: a webview that is hidden and shown again is a new document.
 */
export async function studioFrame(timeoutMs = 30_000): Promise<Frame> {
  return waitUntil(
    'the studio webview',
    async () => {
      for (const frame of e2e().browser.webviewFrames(page())) {
        if (frame.isDetached()) continue;
        if (await frame.$('#studio .studio-form').catch(() => null)) return frame;
      }
      return undefined;
    },
    timeoutMs,
  );
}

// ----- screenshots -----

let step = 0;

/**
 * Saves a screenshot of the page to test-results/e2e/NN-name.png (every step), and also to
 * docs/images/`docsName` when given (the README's images). `clip` restricts it to a region.
 */
export async function screenshot(name: string, options: { docsName?: string; clip?: { x: number; y: number; width: number; height: number } } = {}): Promise<string> {
  step += 1;
  const file = path.join(RESULTS_DIR, `${String(step).padStart(2, '0')}-${name}.png`);
  const bytes = await page().screenshot({ path: file, clip: options.clip, animations: 'disabled', caret: 'hide' });
  if (options.docsName) {
    fs.mkdirSync(DOCS_IMAGES_DIR, { recursive: true });
    fs.writeFileSync(path.join(DOCS_IMAGES_DIR, options.docsName), bytes);
  }
  return file;
}

/** Drags the sash on the side bar's edge until the side bar is `width` px wide, as a user does. */
export async function setSidebarWidth(width: number): Promise<void> {
  const p = page();
  const sidebar = await p.locator('.part.sidebar').boundingBox();
  if (!sidebar) throw new Error('the side bar is not on screen');
  const edge = sidebar.x + sidebar.width;
  const sashes = await p.locator('.monaco-sash.vertical').evaluateAll((nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return { x: box.x + box.width / 2, y: box.y + box.height / 2, height: box.height };
    }),
  );
  const sash = sashes.filter((candidate) => Math.abs(candidate.x - edge) <= 4 && candidate.height > 100)[0];
  if (!sash) throw new Error(`no sash at the side bar's edge (x ${edge})`);
  await p.mouse.move(sash.x, sash.y);
  await p.mouse.down();
  await p.mouse.move(sash.x + (width - sidebar.width) / 2, sash.y, { steps: 4 });
  await p.mouse.move(sash.x + (width - sidebar.width), sash.y, { steps: 4 });
  await p.mouse.up();
  await waitUntil(`a side bar ${width} px wide`, async () => Math.abs(((await p.locator('.part.sidebar').boundingBox())?.width ?? 0) - width) <= 2);
}

/** Moves the mouse off the side bar (no hover tooltips or hover toolbars in screenshots). */
export async function parkMouse(): Promise<void> {
  const viewport = page().viewportSize();
  await page().mouse.move((viewport?.width ?? 1280) - 200, (viewport?.height ?? 800) / 2);
}

/** The region of the activity bar and the side bar: what a sidebar screenshot shows. */
export async function sidebarRegion(): Promise<{ x: number; y: number; width: number; height: number }> {
  const p = page();
  const sidebar = await p.locator('.part.sidebar').boundingBox();
  const activity = await p.locator('.part.activitybar').boundingBox();
  if (!sidebar || !activity) throw new Error('the side bar is not on screen');
  const x = Math.min(activity.x, sidebar.x);
  return { x, y: 0, width: sidebar.x + sidebar.width - x, height: Math.max(sidebar.y + sidebar.height, activity.y + activity.height) };
}
