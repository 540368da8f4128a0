/**
 * Issue 4 in the real workbench: the studio sidebar, driven through its webview as a user would.
 * Open it, pick an aspect ratio, type a prompt, generate 2 images and watch them in the queue,
 * cancel a third (held by the emulator), see the two in the gallery, insert one into an open
 * markdown file, re-run one, reload the window and find the draft and the gallery intact; then
 * the README's screenshots in the dark and the light theme.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { DARK_THEME, e2e, LIGHT_THEME } from './support/environment';
import {
  activeEditorText,
  goToLine,
  openFile,
  openStudioSidebar,
  openWorkbench,
  page,
  parkMouse,
  pickQuickInputRow,
  reloadWindow,
  runCommand,
  saveActiveEditor,
  screenshot,
  setSidebarWidth,
  sidebarRegion,
  studioFrame,
  waitForQuickInput,
  waitUntil,
} from './support/workbench';

const PROMPT = 'A red fox in the snow, ink and watercolor';
const DRAFT = 'A lighthouse keeper’s cottage in the fog, gouache';
const LINK = /!\[A red fox in the snow, ink and watercolor\]\(\.\.\/assets\/generated\/a-red-fox-in-the-snow-ink-and-watercolor-\d+\.png\)/;

/** Images saved in the workspace: what the gallery lists (every saved image is recorded). */
function savedImages(): string[] {
  const folder = path.join(e2e().workspace, 'assets', 'generated');
  return fs.existsSync(folder) ? fs.readdirSync(folder).filter((name) => name.endsWith('.png')) : [];
}

const tiles = (frame: Frame) => frame.locator('.gallery-grid .tile');
const queueItems = (frame: Frame) => frame.locator('.queue-list .queue-item');

async function waitForTiles(frame: Frame, count: number): Promise<void> {
  await waitUntil(`${count} images in the gallery`, async () => (await tiles(frame).count()) === count, 30_000);
}

/** Thumbnails are made in the background: every tile shows an image (none pending or broken). */
async function waitForThumbnails(frame: Frame): Promise<void> {
  await waitUntil('every thumbnail loaded', () =>
    tiles(frame).evaluateAll((nodes) =>
      nodes.every((tile) => {
        const image = tile.querySelector('img.thumb') as HTMLImageElement | null;
        return image !== null && image.complete && image.naturalWidth > 0;
      }),
    ),
  );
}

/** The form's submit button, by its label (the section header is a "Generate" button too). */
function generateButton(frame: Frame, label: string) {
  return frame.getByRole('form', { name: 'Image request' }).getByRole('button', { name: label, exact: true });
}

async function chooseCount(frame: Frame, count: number): Promise<void> {
  const option = frame.locator(`[role="radiogroup"][aria-label="Number of images"] [role="radio"][data-value="${count}"]`);
  await option.click();
  assert.equal(await option.getAttribute('aria-checked'), 'true');
}

describe('issue 4: the studio sidebar', function () {
  this.timeout(120_000);
  let frame: Frame;
  let baseline = 0;

  before(async () => {
    if (!page().url().startsWith(e2e().server.baseUrl)) await openWorkbench();
    // The markdown file the images are for, with the cursor where one will be inserted.
    await openFile('docs/guide.md');
    await goToLine(7);
  });

  it('generates, queues, cancels, inserts, re-runs, and keeps the draft and the gallery across a reload', async () => {
    await openStudioSidebar();
    frame = await studioFrame();
    baseline = savedImages().length;
    await waitForTiles(frame, baseline);
    await screenshot('sidebar-opened');

    // Pick an aspect ratio, type a prompt, ask for 2 images.
    const wide = frame.locator('[role="radio"][aria-label="Aspect ratio 16:9"]');
    await wide.click();
    assert.equal(await wide.getAttribute('aria-checked'), 'true');
    await frame.locator('textarea[data-field="prompt"]').fill(PROMPT);
    await chooseCount(frame, 2);
    await generateButton(frame, 'Generate 2 images').click();

    // Both in the queue, then both in the gallery.
    await waitUntil('2 generations in the queue', async () => (await queueItems(frame).count()) === 2);
    await frame.locator('.section-queue').scrollIntoViewIfNeeded();
    await screenshot('sidebar-queue-two');
    await waitForTiles(frame, baseline + 2);
    await waitUntil('the queue empty', async () => (await queueItems(frame).count()) === 0);
    assert.equal(savedImages().length, baseline + 2);
    const captions = await tiles(frame).locator('.tile-caption').allInnerTexts();
    assert.deepEqual(captions.slice(0, 2), [PROMPT, PROMPT], 'the two new images first');

    // A third, held by the emulator, cancelled from the queue: nothing is saved.
    e2e().emulator.hold(true);
    try {
      await chooseCount(frame, 1);
      await generateButton(frame, 'Generate').click();
      await waitUntil('the third generation in the queue', async () => (await queueItems(frame).count()) === 1);
      await frame.locator('.section-queue').scrollIntoViewIfNeeded();
      await screenshot('sidebar-queue-held');
      await queueItems(frame).first().getByRole('button', { name: /^Cancel generation/ }).click();
      await waitUntil('the queue empty after the cancel', async () => (await queueItems(frame).count()) === 0);
      await waitUntil('the emulator saw the cancel', async () => e2e().emulator.generations().some((row) => row.status === 'cancelled'));
    } finally {
      e2e().emulator.hold(false);
    }
    await frame.locator('.section-gallery').scrollIntoViewIfNeeded();
    await screenshot('sidebar-gallery-two');
    assert.equal(await tiles(frame).count(), baseline + 2, 'the cancelled one is not in the gallery');
    assert.equal(savedImages().length, baseline + 2, 'nor in the workspace');

    // Insert one into the open markdown file, at its cursor.
    await tiles(frame).first().getByRole('button', { name: 'Insert into the active document' }).click();
    await waitUntil('the link in docs/guide.md', async () => LINK.test(await activeEditorText()));
    await saveActiveEditor(path.join(e2e().workspace, 'docs', 'guide.md'), LINK);
    await screenshot('sidebar-inserted');

    // Re-run one with the same parameters (from the tile's menu).
    await tiles(frame).first().getByRole('button', { name: /^More actions for/ }).click();
    await frame.getByRole('menuitem', { name: 'Re-run' }).click();
    await waitForTiles(frame, baseline + 3);
    assert.equal(savedImages().length, baseline + 3);

    // A draft: typed, not generated.
    await frame.locator('textarea[data-field="prompt"]').fill(DRAFT);
    // The webview sends the draft to the host 400 ms after the last keystroke.
    await page().waitForTimeout(600);
    await screenshot('sidebar-draft');

    await reloadWindow();
    await openStudioSidebar();
    frame = await studioFrame();
    await waitUntil('the draft prompt back in the form', async () => (await frame.locator('textarea[data-field="prompt"]').inputValue()) === DRAFT);
    assert.equal(await frame.locator('[role="radio"][aria-label="Aspect ratio 16:9"]').getAttribute('aria-checked'), 'true', 'the aspect ratio too');
    await waitForTiles(frame, baseline + 3);
    await waitForThumbnails(frame);
    await screenshot('sidebar-after-reload-draft');
    await frame.locator('.section-gallery').scrollIntoViewIfNeeded();
    await screenshot('sidebar-after-reload-gallery');
  });

  it('looks native in the dark and the light theme (the README screenshots)', async () => {
    const viewport = page().viewportSize();
    // Wide and tall enough for the whole studio: form, queue and gallery.
    await page().setViewportSize({ width: 1280, height: 1300 });
    const sidebarWidth = (await page().locator('.part.sidebar').boundingBox())?.width;
    await setSidebarWidth(460);
    await parkMouse();
    try {
      frame = await studioFrame();
      await frame.locator('select.group-select').selectOption('document');
      await waitUntil('the gallery grouped by document', async () => (await frame.locator('.gallery-grid .group-header').count()) >= 1);
      await waitForThumbnails(frame);
      // One request in flight, so the queue shows what it does.
      e2e().emulator.hold(true);
      try {
        await generateButton(frame, 'Generate').click();
        await waitUntil('a generation in the queue', async () => (await queueItems(frame).count()) === 1);
        await frame.locator('#studio').evaluate((root) => root.ownerDocument.scrollingElement?.scrollTo(0, 0));
        await screenshot('sidebar-dark', { docsName: 'sidebar-dark.png', clip: await sidebarRegion() });

        await setColorTheme(LIGHT_THEME);
        await screenshot('sidebar-light', { docsName: 'sidebar-light.png', clip: await sidebarRegion() });
        await queueItems(frame).first().getByRole('button', { name: /^Cancel generation/ }).click();
        await waitUntil('the queue empty', async () => (await queueItems(frame).count()) === 0);
      } finally {
        e2e().emulator.hold(false);
      }
    } finally {
      await setColorTheme(DARK_THEME);
      if (sidebarWidth) await setSidebarWidth(sidebarWidth);
      if (viewport) await page().setViewportSize(viewport);
    }
  });
});

/** "Preferences: Color Theme" and the theme's name, as a user switches; webviews follow live. */
async function setColorTheme(theme: string): Promise<void> {
  const light = theme === LIGHT_THEME;
  const isLight = () => page().locator('.monaco-workbench').first().evaluate((node) => node.classList.contains('vs'));
  if ((await isLight()) === light) return;
  await runCommand('Preferences: Color Theme');
  await waitForQuickInput(undefined, /Select Color Theme/);
  // The picker lists themes by label ("Light Modern"); the setting holds their id.
  await pickQuickInputRow(theme.replace(/^Default /, ''));
  const kind = light ? 'vscode-light' : 'vscode-dark';
  await waitUntil(`the ${theme} theme in the workbench and the studio`, async () => {
    if ((await isLight()) !== light) return false;
    const studio = await studioFrame();
    return studio.locator('body').evaluate((body, wanted) => body.classList.contains(wanted), kind);
  });
  // The theme's colours transition; let them settle before a screenshot.
  await page().waitForTimeout(300);
}
