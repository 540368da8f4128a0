/**
 * The placeholder: inserted at once, found by its token however the document changes, replaced
 * by the link in one edit when the image is saved, removed on failure and on cancel.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, PENDING_MARKER, waitFor, waitForState, waitUntilIdle } from './support/extension';

const HERE = 'oxenImageStudio.generateImageHere';
const PLACEHOLDER = /!\[Generating: ([^\]]*)…\]\(oxen-image-studio-pending\/[0-9a-f]{32}\)/;

async function startHeld(documentPath: string, content: string, line: number, prompt: string, count = 1) {
  await emulator.hold(true);
  const uri = createMarkdown(documentPath, content);
  const result = await generate({ prompt, count, insert: { uri: uri.toString(), line, character: 0 } }, HERE);
  const api = await extensionApi();
  for (const id of result.generationIds) await waitForState(api, id, ['queued', 'processing']);
  return { uri, ids: result.generationIds };
}

describe('placeholder', function () {
  this.timeout(60_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('appears at once, follows edits, and becomes the link in one undoable edit', async () => {
    const { uri, ids } = await startHeld('placeholder/replace.md', '# Title\n\n\nClosing words.\n', 2, 'a paper boat');
    assert.match(await documentText(uri), new RegExp(`^# Title\\n\\n${PLACEHOLDER.source}\\nClosing words\\.\\n$`));
    // The user keeps writing above it: offsets move, the token does not.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), 'A new first paragraph.\n\n');
    assert.ok(await vscode.workspace.applyEdit(edit));

    await emulator.settle(ids[0]!, 'succeeded');
    const api = await extensionApi();
    const entry = await waitFor('the history entry', async () => (await api.whenCoreReady()).history().find((item) => item.generationId === ids[0]));
    const link = `![a paper boat](${path.posix.relative('placeholder', entry.file)})`;
    await waitFor('the link', async () => (await documentText(uri)).includes(link));
    assert.equal(await documentText(uri), `A new first paragraph.\n\n# Title\n\n${link}\nClosing words.\n`);

    const editor = await vscode.window.showTextDocument(uri);
    await vscode.commands.executeCommand('undo');
    assert.match(editor.document.getText(), PLACEHOLDER, 'one undo brings the placeholder back: the link was one edit');
    assert.ok(!editor.document.getText().includes(link));
    await vscode.commands.executeCommand('redo');
    assert.ok(editor.document.getText().includes(link));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('is removed when the generation fails', async () => {
    const original = 'Intro\n\nOutro\n';
    const { uri, ids } = await startHeld('placeholder/failed.md', original, 1, 'a doomed picture');
    assert.match(await documentText(uri), PLACEHOLDER);
    await emulator.settle(ids[0]!, 'failed', 'The GPU caught fire');
    await waitFor('the placeholder to go', async () => !(await documentText(uri)).includes(PENDING_MARKER));
    assert.equal(await documentText(uri), original);
  });

  it('is removed when the generation is cancelled', async () => {
    const original = 'Intro\n\nOutro\n';
    const { uri, ids } = await startHeld('placeholder/cancelled.md', original, 1, 'a cancelled picture');
    assert.match(await documentText(uri), PLACEHOLDER);
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.cancelGeneration', ids[0]), true);
    await waitFor('the placeholder to go', async () => !(await documentText(uri)).includes(PENDING_MARKER));
    assert.equal(await documentText(uri), original);
    const cancelled = (await emulator.requests()).filter((request) => request.method === 'DELETE' && request.path === `/api/ai/queue/${ids[0]}`);
    assert.equal(cancelled.length, 1, 'Oxen was asked to cancel');
  });

  it('stays until the last image of a request, which takes its place', async () => {
    const { uri, ids } = await startHeld('placeholder/two.md', 'Top\n\nBottom\n', 1, 'two kites', 2);
    assert.equal(ids.length, 2);
    await emulator.settle(ids[0]!, 'succeeded');
    await waitFor('the first link', async () => (await documentText(uri)).includes('![two kites]('));
    assert.match(await documentText(uri), PLACEHOLDER, 'the second image is still coming');
    await emulator.settle(ids[1]!, 'failed', 'Out of ink');
    await waitFor('the placeholder to go', async () => !(await documentText(uri)).includes(PENDING_MARKER));
    assert.match(await documentText(uri), /^Top\n!\[two kites\]\(\.\.\/assets\/generated\/two-kites-\d+(-\d+)?\.png\)\nBottom\n$/, 'one link, no placeholder, no stray separator');
  });
});
