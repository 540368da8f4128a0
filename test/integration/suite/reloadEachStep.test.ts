/**
 * A reload at each step of a generation's life (REL-06, REL-07, REL-09), in the real extension
 * host. The emulator holds each generation where the step needs it; `simulateReload()` runs what
 * a window reload runs (dispose the core, then activation resumes from the workspace-state
 * journal). After every step: exactly one generation at Oxen, exactly one image file, the link
 * in the document exactly once, no placeholder and no temp file left, one history entry, and the
 * journal drained.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator, enqueues } from './support/emulator';
import {
  createMarkdown,
  documentText,
  extensionApi,
  generate,
  PENDING_MARKER,
  waitFor,
  waitForState,
  waitUntilIdle,
  workspaceRoot,
} from './support/extension';

interface Started {
  prompt: string;
  /** Workspace-relative folder of the document the link goes into. */
  documentFolder: string;
  uri: vscode.Uri;
}

/** Where images go with no destination setting (DEFAULT_ASSET_DESTINATION). */
const imagesFolder = (): string => path.join(workspaceRoot(), 'assets', 'generated');

/** Figures for the closing note of issue 7. */
const figures = { reloads: 0, generations: 0, lost: 0, duplicateFiles: 0, tempFilesLeft: 0 };

function filesIn(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder) : [];
}

/** `name.png` and any `name-N.png` a second save of the same image would have taken. */
function copiesOf(fileName: string): string[] {
  const { name, ext } = path.parse(fileName);
  const copy = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(-\\d+)?${ext.replace('.', '\\.')}$`);
  return filesIn(imagesFolder()).filter((entry) => copy.test(entry));
}

function tempFiles(): string[] {
  return filesIn(imagesFolder()).filter((name) => name.endsWith('.part'));
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** Asks for one image at line 1 of a fresh document; the command's own answer is not awaited. */
function startGeneration(step: string): Started {
  const documentFolder = `reload-steps/${step}`;
  const uri = createMarkdown(`${documentFolder}/page.md`, 'Before\n\nAfter\n');
  const prompt = `a reload ${step}`;
  // The command resolves once Oxen accepted (or rejects when the reload cut it short): the
  // journal, not this caller, owns the result.
  void Promise.resolve(generate({ prompt, insert: { uri: uri.toString(), line: 1, character: 0 } }, 'oxenImageStudio.generateImageHere')).catch(
    () => undefined,
  );
  return { prompt, documentFolder, uri };
}

async function generationAtOxen(prompt: string): Promise<string> {
  const rows = await waitFor(`the generation for "${prompt}" at Oxen`, async () => {
    const found = (await emulator.generations()).filter((row) => row.prompt === prompt);
    return found.length > 0 && found;
  });
  return rows[0]!.generation_id;
}

/** A generation Oxen holds in its queue, known to the extension as queued. */
async function queuedGeneration(step: string): Promise<{ started: Started; id: string }> {
  await emulator.hold(true);
  const started = startGeneration(step);
  const id = await generationAtOxen(started.prompt);
  await waitForState(await extensionApi(), id, ['queued']);
  return { started, id };
}

async function reload(): Promise<void> {
  const api = await extensionApi();
  await api.simulateReload();
  figures.reloads += 1;
  assert.equal(api.isCoreLoaded(), true, 'the journal had work: activation loaded the core');
}

/** The end state every step must reach. */
async function assertHandledOnce(started: Started): Promise<void> {
  const api = await extensionApi();
  const core = await api.whenCoreReady();
  const id = await generationAtOxen(started.prompt);
  const entry = await waitFor('the history entry', () => core.history().find((item) => item.generationId === id), 30_000);
  const link = `![${started.prompt}](${path.posix.relative(started.documentFolder, entry.file)})`;
  await waitFor('the link', async () => (await documentText(started.uri)).includes(link), 20_000);
  await waitUntilIdle(api);

  const rows = (await emulator.generations()).filter((row) => row.prompt === started.prompt);
  const images = copiesOf(path.posix.basename(entry.file));
  const temps = tempFiles();
  figures.generations += rows.length;
  figures.lost += Math.max(0, rows.length - images.length);
  figures.duplicateFiles += Math.max(0, images.length - rows.length);
  figures.tempFilesLeft += temps.length;

  assert.equal(rows.length, 1, 'exactly one generation made (and billed) at Oxen');
  assert.deepEqual(images, [path.basename(entry.file)], 'exactly one image file, the one the history names');
  assert.deepEqual(temps, [], 'no temp file left');
  const text = await documentText(started.uri);
  assert.equal(occurrences(text, link), 1, 'the link is in the document once');
  assert.equal(text.includes(PENDING_MARKER), false, 'no placeholder left');
  assert.equal(text, `Before\n${link}\nAfter\n`, 'the link is where it was asked for');
  assert.equal(core.history().filter((item) => item.prompt === started.prompt).length, 1, 'one history entry');
}

describe('a reload at each step of a generation (REL-06)', function () {
  this.timeout(120_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });
  after(() => {
    console.log(`[oxen-tests] reload at each step: ${JSON.stringify(figures)}`);
  });

  it('1. after the journal write, before Oxen answered the enqueue: found by lookup, not re-sent (REL-07)', async () => {
    const api = await extensionApi();
    await emulator.hold(true);
    await emulator.faults({ enqueueAnswerDelayMs: 5000 });
    const started = startGeneration('1-before-answer');
    const id = await generationAtOxen(started.prompt);
    const core = await api.whenCoreReady();
    assert.ok(
      core.views().some((view) => view.prompt === started.prompt && view.state === 'submitting' && view.generationId === undefined),
      'journaled, but Oxen has not answered yet',
    );
    await reload();
    await emulator.faults({ enqueueAnswerDelayMs: 0 });
    await waitForState(api, id, ['queued']);
    await emulator.settle(id, 'succeeded');
    await assertHandledOnce(started);
    assert.equal(enqueues(await emulator.requests()).length, 1, 'the enqueue was never sent twice');
  });

  it('2. while queued', async () => {
    const api = await extensionApi();
    const { started, id } = await queuedGeneration('2-queued');
    await reload();
    await waitForState(api, id, ['queued']);
    await emulator.settle(id, 'succeeded');
    await assertHandledOnce(started);
  });

  it('3. while processing', async () => {
    const api = await extensionApi();
    const { started, id } = await queuedGeneration('3-processing');
    await emulator.start(id);
    await reload();
    await waitForState(api, id, ['processing']); // the status read on resume (REL-04)
    await emulator.settle(id, 'succeeded');
    await assertHandledOnce(started);
  });

  it('4. after Oxen succeeded, before any byte was downloaded', async () => {
    const api = await extensionApi();
    const core = await api.whenCoreReady();
    const { started, id } = await queuedGeneration('4-before-download');
    // The first two download attempts are refused, so the saver waits between attempts with nothing written.
    await emulator.faults({ httpErrors: [{ method: 'GET', path: '/presigned/*', status: 503, times: 2 }] });
    await emulator.settle(id, 'succeeded');
    await waitFor('the refused download', async () => (await emulator.requests()).some((request) => request.origin === 'storage'));
    await waitForState(api, id, ['downloading']);
    await reload();
    assert.equal(core.history().some((item) => item.generationId === id), false, 'nothing was saved before the reload');
    assert.deepEqual(tempFiles(), [], 'not a byte written');
    await emulator.faults({ httpErrors: [] });
    await assertHandledOnce(started);
  });

  it('5. mid-download: the temp file is swept and the download restarts (REL-09)', async () => {
    const api = await extensionApi();
    const { started, id } = await queuedGeneration('5-mid-download');
    await emulator.faults({ slowBodyBytesPerSec: 8192, imagePadBytes: 2_000_000 });
    await emulator.settle(id, 'succeeded');
    const temp = path.join(imagesFolder(), `.oxen-image-studio-${id}.part`);
    await waitFor('bytes in the temp file', () => fs.existsSync(temp) && fs.statSync(temp).size > 0);
    await reload();
    assert.equal((await api.whenCoreReady()).history().some((item) => item.generationId === id), false, 'no image saved before the reload');
    await emulator.faults({ slowBodyBytesPerSec: null, imagePadBytes: 0 });
    await assertHandledOnce(started);
  });

  it('6. after the file is placed, before the link is inserted', async () => {
    const { started, id } = await queuedGeneration('6-before-link');
    // Reload from the file-system event of the placement itself, before the result handler runs.
    let documentAtReload: string | undefined;
    fs.mkdirSync(imagesFolder(), { recursive: true });
    const before = new Set(filesIn(imagesFolder()));
    const placed = () => filesIn(imagesFolder()).some((name) => !before.has(name) && !name.startsWith('.'));
    const reloaded = new Promise<void>((resolve, reject) => {
      const watcher = fs.watch(imagesFolder(), () => {
        if (documentAtReload !== undefined || !placed()) return;
        documentAtReload = vscode.workspace.textDocuments.find((document) => document.uri.toString() === started.uri.toString())?.getText() ?? '';
        watcher.close();
        reload().then(resolve, reject);
      });
    });
    await emulator.settle(id, 'succeeded');
    await reloaded;
    assert.ok(documentAtReload?.includes(PENDING_MARKER), 'the reload came while the placeholder still waited for the link');
    assert.equal(documentAtReload?.includes('assets/generated/'), false, 'no link to the image yet at the reload');
    await assertHandledOnce(started);
  });
});
