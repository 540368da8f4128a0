/**
 * Issue 7, faults on our side: two windows on the same workspace generating at once. In
 * code-server each workbench page is its own window with its own extension host, so two pages on
 * the same folder are two copies of the extension sharing the files on disk and the account's SSE
 * stream. The file-name template is made constant, so both images want the same name, and the
 * emulator releases both generations in the same instant: the downloads race for that name.
 *
 * "Both histories right" follows VS Code's storage model: workspace state is per window (in
 * VS Code 1.100's web workbench the workspace IndexedDB store is created without
 * `broadcastChanges`, unlike the application and profile stores), so each window's history
 * lists the image that window made, once, naming the file its own link points to.
 * REL-05, SEC-12, REL-09.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import { e2e } from './support/environment';
import {
  activeEditorText,
  goToLine,
  inWindow,
  openFile,
  openStudioSidebar,
  openWorkbench,
  page,
  runCommand,
  screenshot,
  studioFrame,
  waitForQuickInput,
  waitUntil,
} from './support/workbench';

const TEMPLATE_SETTING = 'oxenImageStudio.fileNameTemplate';
const SHARED_NAME = 'two-windows';
const WINDOWS = [
  { document: 'two-windows/first.md', prompt: 'A harbour at dawn seen from the first window' },
  { document: 'two-windows/second.md', prompt: 'A harbour at dusk seen from the second window' },
];
const LINK = /!\[[^\]]*\]\(\.\.\/assets\/generated\/([^)]+)\)/g;

function imagesFolder(): string {
  return path.join(e2e().workspace, 'assets', 'generated');
}

/** Extension-host processes in code-server's process group (the harness starts it detached). */
function extensionHostCount(): number {
  const group = String(e2e().server.process.pid);
  return execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/, 1)[0] === group && line.includes('--type=extensionHost')).length;
}

function editUserSettings(change: (settings: Record<string, unknown>) => void): void {
  const file = e2e().userSettingsFile;
  const settings = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(settings);
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

/** "Generate Image Here…" from the palette at line 2 of `document`, defaults accepted. */
async function generateHere(document: string, prompt: string): Promise<void> {
  await openFile(document);
  await goToLine(2);
  await runCommand('Oxen Image Studio: Generate Image Here…');
  await waitForQuickInput('Generate Image: Prompt');
  await page().keyboard.type(prompt);
  await page().locator('.quick-input-widget .monaco-list-row.focused').filter({ hasText: prompt }).waitFor({ state: 'visible' });
  await page().keyboard.press('Enter');
  await waitForQuickInput(/Options \(Enter to generate\)/);
  await page().keyboard.press('Enter');
  await waitUntil('the placeholder in the editor', async () => (await activeEditorText()).includes('oxen-image-studio-pending/'));
}

/** The image file names the active editor links to. */
async function linkedFiles(): Promise<string[]> {
  return [...(await activeEditorText()).matchAll(LINK)].map((match) => match[1]!);
}

/** Gallery tiles (title = prompt, newline, workspace-relative file) of this window's studio. */
async function galleryEntries(): Promise<Array<{ prompt: string; file: string }>> {
  await openStudioSidebar();
  const frame = await studioFrame();
  await frame.locator('.gallery-grid .tile').first().waitFor({ state: 'visible', timeout: 30_000 });
  const titles = await frame.locator('.gallery-grid .tile [title]').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('title') ?? ''));
  return titles.filter((title) => title.includes('\n')).map((title) => {
    const [prompt, file] = title.split('\n');
    return { prompt: prompt!, file: file! };
  });
}

describe('issue 7: two windows on the same workspace generating at once', function () {
  this.timeout(180_000);
  let second: Page | undefined;

  before(async () => {
    for (const { document } of WINDOWS) {
      fs.mkdirSync(path.dirname(path.join(e2e().workspace, document)), { recursive: true });
      fs.writeFileSync(path.join(e2e().workspace, document), '# Harbour\n\n\nText.\n');
    }
    editUserSettings((settings) => {
      settings[TEMPLATE_SETTING] = SHARED_NAME;
    });
    await openWorkbench();
  });

  after(async () => {
    e2e().emulator.hold(false);
    editUserSettings((settings) => {
      delete settings[TEMPLATE_SETTING];
    });
    await second?.close();
  });

  it('saves two distinct files, links each once in its own window, and each history names its own file', async () => {
    const { emulator } = e2e();
    emulator.hold(true);
    second = await e2e().browser.context.newPage();
    await second.goto(e2e().server.url, { waitUntil: 'domcontentloaded' });
    await inWindow(second, () => page().locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 }));

    const windows = [undefined, second];
    const run = <T>(index: number, steps: () => Promise<T>): Promise<T> => (windows[index] ? inWindow(windows[index], steps) : steps());
    for (const [index, { document, prompt }] of WINDOWS.entries()) await run(index, () => generateHere(document, prompt));
    assert.equal(extensionHostCount(), 2, 'each window runs its own extension host');

    const ids = await waitUntil('both generations held at Oxen', async () => {
      const rows = emulator.generations().filter((row) => WINDOWS.some((window) => window.prompt === row.prompt));
      return rows.length === 2 && rows.every((row) => row.status === 'queued') && rows.map((row) => row.generation_id);
    });
    for (const id of ids) emulator.settle(id, { status: 'succeeded' }); // the same instant: the downloads race

    const links: string[] = [];
    for (const [index] of WINDOWS.entries()) {
      const linked = await run(index, () =>
        waitUntil(`the link in window ${index + 1}`, async () => {
          const files = await linkedFiles();
          return files.length > 0 && !(await activeEditorText()).includes('oxen-image-studio-pending/') && files;
        }, 30_000),
      );
      assert.equal(linked.length, 1, `window ${index + 1}: the link is in its document once`);
      links.push(linked[0]!);
      await run(index, () => screenshot(`two-windows-${index + 1}`));
    }
    assert.notEqual(links[0], links[1], 'two files, not one overwritten');

    const onDisk = fs.readdirSync(imagesFolder()).filter((name) => name.startsWith(SHARED_NAME));
    assert.deepEqual(onDisk.sort(), [...links].sort(), 'exactly the two linked files share the name: no duplicate, no partial');
    assert.deepEqual(fs.readdirSync(imagesFolder()).filter((name) => name.endsWith('.part')), [], 'no temp file left');
    for (const [index, file] of links.entries()) {
      const metadata = JSON.parse(readPngText(fs.readFileSync(path.join(imagesFolder(), file))).get(PNG_TEXT_KEYWORD) ?? '{}');
      assert.equal(metadata.prompt, WINDOWS[index]!.prompt, `${file} holds window ${index + 1}'s image`);
    }
    assert.equal(emulator.generations().filter((row) => WINDOWS.some((window) => window.prompt === row.prompt)).length, 2, 'two generations, none repeated');

    for (const [index, { prompt }] of WINDOWS.entries()) {
      const entries = await run(index, galleryEntries);
      const own = entries.filter((entry) => entry.prompt === prompt);
      assert.equal(own.length, 1, `window ${index + 1}'s history lists its image once`);
      assert.equal(path.posix.basename(own[0]!.file), links[index], `window ${index + 1}'s history names the file its link points to`);
    }
  });
});
