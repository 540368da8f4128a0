/**
 * Recall in Restricted Mode (the untrusted pass): the hover still shows what an image was made
 * from (it only reads), and the actions that write (Regenerate in Place, Vary) refuse, say why
 * and send nothing (SEC-06).
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, rejection } from './support/extension';
import { writeOurPng } from './support/recall';

const RESTRICTED = /Restricted Mode.*trust/i;
const METADATA = {
  generator: 'Oxen Image Studio',
  model: 'krea-v2-large-text-to-image',
  prompt: 'an untrusted lantern',
  seed: 5,
  params: { prompt: 'an untrusted lantern', seed: 5 },
  generationId: 'gen-untrusted',
  created: '2026-01-01T00:00:00.000Z',
};

describe('Restricted Mode: recall', function () {
  this.timeout(60_000);

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened this folder untrusted');
    await extensionApi();
    await emulator.reset();
  });

  it('SEC-06: the hover reads; Regenerate in Place and Vary refuse with an explanation and send nothing', async () => {
    const image = await writeOurPng('recall-untrusted/lantern.png', METADATA);
    const document = createMarkdown('recall-untrusted/page.md', '![an untrusted lantern](lantern.png)\n');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document, new vscode.Position(0, 3));
    const markdown = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
    assert.match(markdown, /an untrusted lantern/);
    assert.match(markdown, /seed `5`/);
    const argument = { image: image.toString(), document: document.toString(), line: 0, start: 0, end: 36 };
    assert.match(await rejection(vscode.commands.executeCommand('oxenImageStudio.recall.regenerateInPlace', { ...argument, skipConfirmation: true })), RESTRICTED);
    assert.match(await rejection(vscode.commands.executeCommand('oxenImageStudio.recall.vary', { ...argument, mode: 'beside' })), RESTRICTED);
    assert.equal(await documentText(document), '![an untrusted lantern](lantern.png)\n');
    assert.deepEqual((await emulator.requests()).filter((request) => request.origin === 'api'), [], 'nothing was sent');
  });
});
