/**
 * Issue 5 in the real workbench: a thumbnail dragged from the studio's gallery (a webview) and
 * dropped into an open markdown editor becomes a link at the drop point, made by the extension's
 * DocumentDropEditProvider. Chromium carries the HTML5 drag out of the webview's iframe into the
 * editor; the drag holds only the history id under the extension's own type. Hovering the new
 * link shows the recall hover (prompt, model, parameters, thumbnail, actions). Then the gallery's
 * "Copy markdown link", pasted with Ctrl+V into another markdown document (rewritten by the
 * DocumentPasteEditProvider, one Ctrl+Z takes it back) and into a text file (as copied).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { e2e } from './support/environment';
import { activeEditorText, goToLine, openFile, openStudioSidebar, openWorkbench, page, saveActiveEditor, screenshot, studioFrame, waitUntil } from './support/workbench';

const PROMPT = 'A paper boat on a rainy street, linocut';
const COPIED = /^!\[A paper boat on a rainy street, linocut\]\(\.\.\/\.\.\/assets\/generated\/(a-paper-boat-on-a-rainy-street-linocut-\d+\.png)\)$/;
const GUIDE_LINK = /!\[A paper boat on a rainy street, linocut\]\(\.\.\/assets\/generated\/(a-paper-boat-on-a-rainy-street-linocut-\d+\.png)\)/;
const LINK = /!\[A paper boat on a rainy street, linocut\]\(\.\.\/\.\.\/assets\/generated\/(a-paper-boat-on-a-rainy-street-linocut-\d+\.png)\)/;

const tiles = (frame: Frame) => frame.locator('.gallery-grid .tile');

describe('issue 5: drag a gallery image into a markdown editor', function () {
  this.timeout(120_000);

  before(async () => {
    if (!page().url().startsWith(e2e().server.baseUrl)) await openWorkbench();
  });

  it('drops a link at the drop point, relative to the document', async () => {
    await openFile('docs/api/reference.md');
    await openStudioSidebar();
    const frame = await studioFrame();
    const before = await tiles(frame).count();
    await frame.locator('textarea[data-field="prompt"]').fill(PROMPT);
    await frame.getByRole('form', { name: 'Image request' }).getByRole('button', { name: 'Generate', exact: true }).click();
    await waitUntil('the new image in the gallery', async () => (await tiles(frame).count()) === before + 1, 30_000);
    const tile = tiles(frame).first();
    await waitUntil('its thumbnail', () => tile.locator('img.thumb').evaluate((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0));

    // Drag the thumbnail, as a user does with the mouse, below the document's last line.
    await tile.scrollIntoViewIfNeeded();
    const from = await tile.locator('.tile-open').boundingBox();
    const lines = page().locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first();
    const to = await lines.boundingBox();
    assert.ok(from && to, 'the tile and the editor are on screen');
    const mouse = page().mouse;
    await mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await mouse.down();
    await mouse.move(from.x + from.width / 2 + 20, from.y + from.height / 2 + 10, { steps: 4 });
    await mouse.move(to.x + 120, to.y + 200, { steps: 20 });
    await mouse.up();

    const link = await waitUntil('the link in the editor', async () => LINK.exec(await activeEditorText()), 20_000);
    const file = path.join(e2e().workspace, 'assets', 'generated', link[1]!);
    assert.ok(fs.existsSync(file), `${link[1]} is in assets/generated`);
    const saved = await saveActiveEditor(path.join(e2e().workspace, 'docs', 'api', 'reference.md'), LINK);
    assert.equal(saved, `# Reference\n\nDeeply nested page.\n${link[0]}`, 'the link at the drop point (the last line), nothing else changed');
    await screenshot('drag-into-editor', { docsName: 'drag-into-editor.png' });

    // Recall: hovering the inserted link shows what made the image, with its actions.
    // Markdown wraps long lines: the link's path starts on the first visual line of line 4.
    const linkTarget = page()
      .locator('.editor-group-container.active .view-line')
      .filter({ hasText: 'assets/generated/' })
      .locator('span span')
      .filter({ hasText: 'assets' })
      .first();
    await linkTarget.hover();
    const hover = page().locator('.monaco-hover').filter({ hasText: PROMPT }).first();
    await hover.waitFor({ state: 'visible', timeout: 20_000 });
    const shown = await hover.innerText();
    for (const expected of ['krea-v2-large-text-to-image', 'seed', 'Regenerate in Place', 'Vary', 'Load into Sidebar', 'Show in Gallery']) {
      assert.ok(shown.includes(expected), `the hover shows ${expected}: ${shown}`);
    }
    await waitUntil('the thumbnail in the hover', () => hover.locator('img').first().evaluate((image) => (image as HTMLImageElement).complete && (image as HTMLImageElement).naturalWidth > 0));
    await screenshot('hover-recall', { docsName: 'hover-recall.png' });
  });

  it('pastes "Copy markdown link" as a link for the document it is pasted into; elsewhere as copied', async () => {
    const { context } = e2e().browser;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e().server.baseUrl });
    // Copied while docs/api/reference.md is the active markdown document: relative to it.
    await openFile('docs/api/reference.md');
    const frame = await studioFrame();
    // By keyboard: at the bottom of the side bar the tile's hover toolbar may lie under the workbench's edge.
    await tiles(frame).first().getByRole('button', { name: 'Copy markdown link' }).press('Enter');
    const copied = await waitUntil('the link on the clipboard', async () => {
      const text = await page().evaluate(() => navigator.clipboard.readText());
      return COPIED.test(text) ? text : undefined;
    });

    // Pasted into docs/guide.md, one folder up: made again for that document by the paste provider.
    await openFile('docs/guide.md');
    const original = await activeEditorText();
    await goToLine(4);
    await page().keyboard.press('Control+V');
    const pasted = await waitUntil('the link made for docs/guide.md', async () => GUIDE_LINK.exec(await activeEditorText()));
    assert.equal(pasted[1], COPIED.exec(copied)![1], 'the same image');
    await screenshot('paste-into-other-document');
    await page().keyboard.press('Control+Z');
    await waitUntil('one undo takes the paste back', async () => (await activeEditorText()) === original);

    // Pasted into a file that is not markdown: the text as copied.
    await openFile('notes.txt');
    await page().keyboard.press('Control+End');
    await page().keyboard.press('Control+V');
    await waitUntil('the link as copied in notes.txt', async () => (await activeEditorText()).includes(copied));
    await page().keyboard.press('Control+Z');
    await waitUntil('notes.txt as it was', async () => (await activeEditorText()) === 'not markdown');
  });
});
