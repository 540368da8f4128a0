/**
 * The Explorer's image commands (issue 5), invoked as the context menu invokes them (with the
 * file's URI): "Show Generation Info" opens a read-only document with what the image was made
 * from, or says plainly that we did not make it; "Regenerate Like This" loads the sidebar's form.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { extensionApi } from './support/extension';
import { generatedImage, waitForDraft, writeForeignPng } from './support/recall';

const SHOW_INFO = 'oxenImageStudio.showGenerationInfo';
const LIKE_THIS = 'oxenImageStudio.regenerateLikeThis';

async function openedInfo(image: vscode.Uri): Promise<vscode.TextDocument> {
  const uri = await vscode.commands.executeCommand<string>(SHOW_INFO, image);
  const editor = vscode.window.activeTextEditor;
  assert.equal(editor?.document.uri.toString(), uri, 'the info document is shown');
  return editor!.document;
}

describe('Explorer: generation info', function () {
  this.timeout(90_000);

  before(async () => {
    await extensionApi();
    await emulator.reset();
  });

  it('Show Generation Info on a generated image lists prompt, model and parameters, read-only', async () => {
    const made = await generatedImage('explorer/info.md', 'a snowy owl | at night');
    const document = await openedInfo(made.image);
    const text = document.getText();
    assert.match(text, /^# Generation info: .+\.png$/m);
    assert.match(text, /\| Prompt \| a snowy owl \\\| at night \|/, 'the prompt, kept inside its table cell');
    assert.match(text, /\| Model \| krea-v2-large-text-to-image \|/);
    assert.match(text, /\| seed \| \d+ \|/);
    assert.ok(text.includes(`| Generation id | ${made.generationId} |`));
    assert.match(text, /read from metadata embedded in the PNG/);
    assert.equal(document.languageId, 'markdown');
    assert.equal(document.uri.scheme, 'oxen-image-studio-info', 'a content provider document: read-only, nothing to save');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Show Generation Info on a foreign image says plainly that we did not make it', async () => {
    const image = writeForeignPng('explorer/foreign.png');
    const text = (await openedInfo(image)).getText();
    assert.match(text, /^# foreign\.png\n\nNot made by Oxen Image Studio/);
    assert.doesNotMatch(text, /Prompt/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Regenerate Like This on a generated image loads its parameters into the sidebar', async () => {
    const made = await generatedImage('explorer/like-this.md', 'a clay teapot');
    assert.equal(await vscode.commands.executeCommand(LIKE_THIS, made.image), true);
    const draft = await waitForDraft('a clay teapot');
    assert.equal(draft.model, 'krea-v2-large-text-to-image');
  });

  it('Regenerate Like This on a foreign image loads nothing', async () => {
    const image = writeForeignPng('explorer/foreign-like-this.png');
    assert.equal(await vscode.commands.executeCommand(LIKE_THIS, image), false);
  });
});
