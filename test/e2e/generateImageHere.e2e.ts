/**
 * Issue 3 in the real workbench: "Generate Image Here…" from the command palette, in an open
 * markdown file, with Enter accepting the defaults: the link lands at the cursor and the image
 * in the Explorer.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { e2e } from './support/environment';
import {
  activeEditorText,
  expandExplorerFolders,
  explorerRow,
  goToLine,
  markdownPreviewImage,
  openFile,
  openWorkbench,
  page,
  runCommand,
  saveActiveEditor,
  screenshot,
  waitForQuickInput,
  waitUntil,
} from './support/workbench';

const PROMPT = 'A lighthouse on a cliff at dusk, watercolor';
const LINK = /!\[A lighthouse on a cliff at dusk, watercolor\]\((assets\/generated\/a-lighthouse-on-a-cliff-at-dusk-watercolor-\d+\.png)\)/;

describe('issue 3: Generate Image Here… from the command palette', function () {
  this.timeout(90_000);

  before(async () => {
    await openWorkbench();
  });

  it('puts the link at the cursor and the image file in the workspace', async () => {
    await openFile('README.md');
    await goToLine(3); // an empty line between the title and the text
    await screenshot('palette-markdown-open');

    await runCommand('Oxen Image Studio: Generate Image Here…');
    await waitForQuickInput('Generate Image: Prompt');
    await page().keyboard.type(PROMPT);
    await page().locator('.quick-input-widget .monaco-list-row.focused').filter({ hasText: PROMPT }).waitFor({ state: 'visible' });
    await screenshot('palette-prompt');
    await page().keyboard.press('Enter');
    await waitForQuickInput(/Options \(Enter to generate\)/);
    await screenshot('palette-options');
    await page().keyboard.press('Enter'); // accept the defaults

    // The placeholder first (an undoable edit), then the final link in its place.
    const link = await waitUntil('the image link in the editor', async () => LINK.exec(await activeEditorText()), 30_000);
    const file = link[1]!;
    assert.ok(!(await activeEditorText()).includes('oxen-image-studio-pending/'), 'the placeholder is gone');
    assert.ok(fs.existsSync(path.join(e2e().workspace, file)), `${file} is in the workspace`);
    const saved = await saveActiveEditor(path.join(e2e().workspace, 'README.md'), LINK);
    assert.ok(saved.startsWith(`# Lighthouse Guide\n\n${link[0]}\n\nEverything`), saved);

    await expandExplorerFolders('assets/generated');
    await explorerRow(path.posix.basename(file)).waitFor({ state: 'visible' });
    await screenshot('palette-link-and-file');

    // The README's picture: the link, the file in the Explorer, and the image in the preview.
    await runCommand('Markdown: Open Preview to the Side');
    await markdownPreviewImage(path.posix.basename(file));
    await screenshot('palette-preview', { docsName: 'generate-image-here.png' });
  });
});
