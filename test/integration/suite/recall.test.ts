/**
 * Recall on image links (issue 5): the hover of a link to an image we made, and of a foreign one,
 * and every recall action run against the emulator: Regenerate in Place (also across a reload and
 * after a failure), Vary next to the link and in its place, Load into Sidebar, Show in Gallery,
 * and the CodeLens variant. The actions are run as the hover's command links run them, with the
 * arguments the hover encodes; Regenerate in Place gets `skipConfirmation` (its documented option
 * for scripted callers) because a modal cannot be answered in the extension host.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import * as vscode from 'vscode';
import { emulator, enqueues } from './support/emulator';
import { createMarkdown, documentText, extensionApi, rejection, waitFor, waitForState, waitUntilIdle, workspaceRoot } from './support/extension';
import { embedded, generatedImage, waitForDraft, writeForeignPng } from './support/recall';

const RECALL = {
  regenerateInPlace: 'oxenImageStudio.recall.regenerateInPlace',
  vary: 'oxenImageStudio.recall.vary',
  loadIntoSidebar: 'oxenImageStudio.recall.loadIntoSidebar',
  showInGallery: 'oxenImageStudio.recall.showInGallery',
};

async function hoverMarkdown(document: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document, position);
  return hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n---\n');
}

function logText(folder: string): string {
  if (!fs.existsSync(folder)) return '';
  return (fs.readdirSync(folder, { recursive: true }) as string[])
    .map((name) => path.join(folder, name))
    .filter((file) => fs.statSync(file).isFile())
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
}

async function history() {
  return (await (await extensionApi()).whenCoreReady()).history();
}

describe('recall on image links', function () {
  this.timeout(90_000);

  before(async () => {
    await extensionApi();
    await emulator.reset();
  });
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('hover on a generated image: thumbnail, prompt, model, parameters and the four actions (SEC-08)', async () => {
    const made = await generatedImage('recall/hover.md', 'a fox <img src=x onerror=alert(1)> *bold*');
    const seed = embedded(made.image).seed;
    const markdown = await hoverMarkdown(made.document, new vscode.Position(2, 3));
    assert.ok(markdown.includes(`](${made.image.toString()}|width=`), 'the thumbnail is the image file itself, sized');
    // Rendered as hovers render it (no raw HTML): the prompt is text, not an image or emphasis.
    const html = new MarkdownIt({ html: false }).render(markdown);
    assert.match(html, /onerror=alert\(1\)/, html);
    assert.doesNotMatch(html, /<img src="x"|<em>bold<\/em>/, html);
    assert.match(markdown, /\*\*Model:\*\* `krea-v2-large-text-to-image`/);
    assert.ok(markdown.includes(`seed \`${seed}\``), 'the parameters, seed included');
    for (const command of Object.values(RECALL)) {
      const link = new RegExp(`\\(command:${command.replace(/\./g, '\\.')}\\?([^)]+)\\)`).exec(markdown);
      assert.ok(link, `${command} is offered`);
      assert.deepEqual(JSON.parse(decodeURIComponent(link[1]!)), [made.argument], `${command} names this link and image`);
    }
    assert.equal(await hoverMarkdown(made.document, new vscode.Position(0, 2)).then((text) => text.includes('command:oxenImageStudio')), false, 'no recall hover off the link');
  });

  it('hover on a foreign image says so plainly and offers nothing; <…> destinations and titles work', async () => {
    writeForeignPng('recall/img (foreign)/photo.png');
    const document = createMarkdown('recall/foreign.md', 'Intro ![a photo](<img (foreign)/photo.png> "A title")\n');
    const markdown = await hoverMarkdown(document, new vscode.Position(0, 10));
    assert.match(markdown, /Not made by Oxen Image Studio/);
    assert.doesNotMatch(markdown, /command:/);
  });

  it('Regenerate in Place: same prompt and seed, a new image under the same name, history updated (REL-09)', async () => {
    const made = await generatedImage('recall/regenerate.md', 'a lighthouse at dusk');
    const before = embedded(made.image);
    const folderBefore = fs.readdirSync(path.dirname(made.image.fsPath)).sort();
    const enqueued = enqueues(await emulator.requests()).length;
    const result = await vscode.commands.executeCommand<{ generationIds: string[]; files: string[] }>(RECALL.regenerateInPlace, {
      ...made.argument,
      skipConfirmation: true,
      wait: true,
    });
    assert.deepEqual(result.files, [made.file], 'the new image has the old name');
    const after = embedded(made.image);
    assert.equal(after.generationId, result.generationIds[0]);
    assert.notEqual(after.generationId, before.generationId, 'the file holds the new image');
    assert.equal(after.seed, before.seed, 'same seed');
    assert.equal(after.prompt, before.prompt);
    assert.deepEqual(fs.readdirSync(path.dirname(made.image.fsPath)).sort(), folderBefore, 'no second file left behind');
    assert.equal((await documentText(made.document)).split('\n')[2], made.link, 'the link is unchanged');
    assert.equal(enqueues(await emulator.requests()).length, enqueued + 1, 'one generation');
    const entries = (await history()).filter((entry) => entry.file === made.file);
    assert.deepEqual(entries.map((entry) => entry.generationId), [after.generationId], 'the history lists the new image only');
  });

  it('Regenerate in Place that fails leaves the old image untouched', async () => {
    const made = await generatedImage('recall/regenerate-fails.md', 'a fragile vase');
    const bytes = fs.readFileSync(made.image.fsPath);
    await emulator.hold(true);
    const { generationIds } = await vscode.commands.executeCommand<{ generationIds: string[] }>(RECALL.regenerateInPlace, { ...made.argument, skipConfirmation: true });
    const api = await extensionApi();
    await waitForState(api, generationIds[0]!, ['queued', 'processing']);
    await emulator.settle(generationIds[0]!, 'failed', 'The kiln cracked');
    await waitUntilIdle(api);
    assert.ok(fs.readFileSync(made.image.fsPath).equals(bytes), 'same bytes');
    assert.ok((await history()).some((entry) => entry.generationId === made.generationId && entry.file === made.file));
  });

  it('REL-06: Regenerate in Place survives a reload and still replaces the file', async () => {
    const made = await generatedImage('recall/regenerate-reload.md', 'a steam train');
    const api = await extensionApi();
    await emulator.hold(true);
    const { generationIds } = await vscode.commands.executeCommand<{ generationIds: string[] }>(RECALL.regenerateInPlace, { ...made.argument, skipConfirmation: true });
    const id = generationIds[0]!;
    await waitForState(api, id, ['queued', 'processing']);
    await api.simulateReload();
    await emulator.settle(id, 'succeeded');
    await waitFor('the file to hold the new image', () => embedded(made.image).generationId === id, 30_000);
    await waitUntilIdle(api);
    assert.deepEqual((await history()).filter((entry) => entry.file === made.file).map((entry) => entry.generationId), [id]);
  });

  it('Vary, next to it: a new seed, the new image linked right after the old one', async () => {
    const made = await generatedImage('recall/vary-beside.md', 'a paper crane');
    const seed = embedded(made.image).seed;
    const result = await vscode.commands.executeCommand<{ generationIds: string[]; files: string[] }>(RECALL.vary, { ...made.argument, mode: 'beside', wait: true });
    const file = result.files[0]!;
    assert.notEqual(file, made.file);
    const varied = embedded(vscode.Uri.file(path.join(workspaceRoot(), file)));
    assert.notEqual(varied.seed, seed, 'a new random seed');
    assert.equal(varied.prompt, 'a paper crane');
    assert.equal((await documentText(made.document)).split('\n')[2], `${made.link} ![a paper crane](${path.posix.relative('recall', file)})`);
    assert.ok(fs.existsSync(made.image.fsPath));
  });

  it('Vary, replace this link: the link points to the new image; the old file stays', async () => {
    const made = await generatedImage('recall/vary-replace.md', 'a glass marble');
    const result = await vscode.commands.executeCommand<{ files: string[] }>(RECALL.vary, { ...made.argument, mode: 'replace', wait: true });
    assert.equal(await documentText(made.document), `# Page\n\n![a glass marble](${path.posix.relative('recall', result.files[0]!)})\nEnd.\n`);
    assert.ok(fs.existsSync(made.image.fsPath), 'the old file is not deleted');
  });

  it('REL-06: Vary, replace this link, survives a reload; the old link stays until the new image is saved', async () => {
    const made = await generatedImage('recall/vary-reload.md', 'a tin robot');
    const api = await extensionApi();
    await emulator.hold(true);
    const { generationIds } = await vscode.commands.executeCommand<{ generationIds: string[] }>(RECALL.vary, { ...made.argument, mode: 'replace' });
    const id = generationIds[0]!;
    await waitForState(api, id, ['queued', 'processing']);
    assert.ok((await documentText(made.document)).includes(`${made.link} ![Generating: a tin robot…]`), 'old link, then the placeholder');
    await api.simulateReload();
    await emulator.settle(id, 'succeeded');
    const entry = await waitFor('the varied image', async () => (await history()).find((item) => item.generationId === id), 30_000);
    await waitFor('the old link to go', async () => (await documentText(made.document)) === `# Page\n\n![a tin robot](${path.posix.relative('recall', entry.file)})\nEnd.\n`);
  });

  it('Vary refuses a link that changed since the hover', async () => {
    const made = await generatedImage('recall/vary-moved.md', 'a wooden boat');
    const message = await rejection(vscode.commands.executeCommand(RECALL.vary, { ...made.argument, start: 1, mode: 'beside' }));
    assert.match(message, /The link has changed/);
  });

  it('Load into Sidebar: the sidebar form gets the prompt, model and parameters', async () => {
    const made = await generatedImage('recall/load.md', 'a copper kettle');
    assert.equal(await vscode.commands.executeCommand(RECALL.loadIntoSidebar, made.argument), true);
    const draft = await waitForDraft('a copper kettle');
    assert.equal(draft.model, 'krea-v2-large-text-to-image');
  });

  it('Show in Gallery: the sidebar is asked to show that entry', async () => {
    const made = await generatedImage('recall/gallery.md', 'a silver spoon');
    assert.equal(await vscode.commands.executeCommand(RECALL.showInGallery, made.argument), true);
    const api = await extensionApi();
    await waitFor('the sidebar to take the request', () => logText(api.logFolder.fsPath).includes(`Sidebar: showInGallery delivered for ${made.generationId}.`), 30_000);
  });

  it('the recall actions refuse a foreign image and do nothing', async () => {
    const image = writeForeignPng('recall/foreign-action.png');
    const enqueued = enqueues(await emulator.requests()).length;
    const expected: Record<string, unknown> = { [RECALL.regenerateInPlace]: undefined, [RECALL.vary]: undefined, [RECALL.loadIntoSidebar]: false, [RECALL.showInGallery]: false };
    for (const command of Object.values(RECALL)) {
      assert.equal(await vscode.commands.executeCommand(command, { image: image.toString(), skipConfirmation: true, mode: 'beside' }), expected[command], command);
    }
    assert.equal(enqueues(await emulator.requests()).length, enqueued, 'nothing was generated');
  });

  it('CodeLens variant: off by default; when on, the four actions above links to our images only', async () => {
    const made = await generatedImage('recall/lens.md', 'a brass key');
    writeForeignPng('recall/lens-foreign.png');
    const document = createMarkdown('recall/lens-both.md', `${made.link}\n\n![x](lens-foreign.png)\n`);
    await vscode.workspace.openTextDocument(document); // the lens command reads the open model
    const lenses = () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document);
    const ours = async () => (await lenses()).filter((lens) => lens.command?.command.startsWith('oxenImageStudio.'));
    assert.deepEqual(await ours(), [], 'off by default');
    const config = vscode.workspace.getConfiguration('oxenImageStudio');
    await config.update('recall.codeLens', true, vscode.ConfigurationTarget.Workspace);
    try {
      const found = await waitFor('the lenses', async () => ((await ours()).length > 0 ? ours() : undefined));
      assert.deepEqual(found.map((lens) => lens.command!.command), Object.values(RECALL));
      assert.ok(found.every((lens) => lens.range.start.line === 0), 'on our link only, not on the foreign one');
      assert.deepEqual(found[0]!.command!.arguments, [{ ...made.argument, document: document.toString(), line: 0 }]);
    } finally {
      await config.update('recall.codeLens', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
