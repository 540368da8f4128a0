/**
 * The keyboard flows, driven the way a user would: the palette's prompt comes prefilled from the
 * selection and Enter twice accepts the remembered (or default) options; the queue (what the
 * status-bar item opens) cancels the picked generation.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, extensionApi, PENDING_MARKER, pressEnterUntilDone, waitFor, waitForState, waitUntilIdle } from './support/extension';

describe('palette and queue', function () {
  this.timeout(60_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Generate Image Here: prompt from the selection, Enter accepts the defaults, link at the cursor', async () => {
    const uri = createMarkdown('palette/page.md', 'a lighthouse on a cliff\n\nEnd\n');
    const editor = await vscode.window.showTextDocument(uri);
    // Selected from the end of the line back to its start: the cursor is at the start of line 0.
    editor.selection = new vscode.Selection(0, 23, 0, 0);
    await pressEnterUntilDone(vscode.commands.executeCommand('oxenImageStudio.generateImageHere'));

    const api = await extensionApi();
    const core = await api.whenCoreReady();
    const entry = await waitFor('the saved image', () => core.history().find((item) => item.prompt === 'a lighthouse on a cliff'));
    assert.equal(entry.params.aspect_ratio, '1:1', 'the model default');
    assert.equal(entry.params.creativity, 'medium', 'the model default');
    const link = `![a lighthouse on a cliff](${path.posix.relative('palette', entry.file)})`;
    await waitFor('the link', () => !editor.document.getText().includes(PENDING_MARKER) && editor.document.getText().includes(link));
    assert.equal(editor.document.getText(), `${link}a lighthouse on a cliff\n\nEnd\n`);
  });

  it('the queue lists what is generating and cancels the picked line', async () => {
    await emulator.hold(true);
    const api = await extensionApi();
    const { generationIds } = await vscode.commands.executeCommand<{ generationIds: string[] }>('oxenImageStudio.generateImage', {
      prompt: 'a held balloon',
    });
    await waitForState(api, generationIds[0]!, ['queued', 'processing']);
    await pressEnterUntilDone(vscode.commands.executeCommand('oxenImageStudio.cancelGeneration'));
    const deletes = (await emulator.requests()).filter((request) => request.method === 'DELETE');
    assert.deepEqual(
      deletes.map((request) => request.path),
      [`/api/ai/queue/${generationIds[0]}`],
    );
    await waitFor('the cancel to be handled', async () => !(await api.whenCoreReady()).views().some((view) => view.generationId === generationIds[0]));
  });
});
