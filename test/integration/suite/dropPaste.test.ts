/**
 * Issue 5: gallery images dragged or pasted into markdown, through the providers the extension
 * registered, called with a real `vscode.DataTransfer` in the real extension host. The returned
 * edit is applied as the workbench applies a drop or paste (the link and `additionalEdit` in one
 * workspace edit), and one `undo` in the editor takes back both the link and the copied file.
 * SEC-11 (the copy stays inside the workspace, per the destination rules), SEC-12 (an existing
 * file is never overwritten: the copy gets a numbered name).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OxenImageStudioApi } from '../../../src/extension';
import { GALLERY_IMAGE_MIME } from '../../../src/ui/sidebar/ids';
import { emulator } from './support/emulator';
import { createMarkdown, extensionApi, generate, waitFor, workspaceRoot } from './support/extension';

const PROMPT = 'a paper boat on a rainy street';
const KIND = 'markdown.link.image.oxenImageStudio';
/** Documents under docs/bundle/ keep their images in a folder named after the page (Hugo-style bundles). */
const BUNDLE_DESTINATION = { '**/bundle/**': '${documentBaseName}-images/' };

function token(): vscode.CancellationToken {
  return new vscode.CancellationTokenSource().token;
}

function dragOf(generationId: string): vscode.DataTransfer {
  const dataTransfer = new vscode.DataTransfer();
  dataTransfer.set(GALLERY_IMAGE_MIME, new vscode.DataTransferItem(generationId));
  return dataTransfer;
}

function clipboardOf(text: string): vscode.DataTransfer {
  const dataTransfer = new vscode.DataTransfer();
  dataTransfer.set('text/plain', new vscode.DataTransferItem(text));
  return dataTransfer;
}

const PASTE_CONTEXT: vscode.DocumentPasteEditContext = { only: undefined, triggerKind: vscode.DocumentPasteTriggerKind.Automatic };

/** What the workbench does with a drop or paste edit: the inserted link and the additional edit, applied as one. */
async function applyAsWorkbench(document: vscode.TextDocument, position: vscode.Position, edit: { insertText: string | vscode.SnippetString; additionalEdit?: vscode.WorkspaceEdit }): Promise<void> {
  const combined = edit.additionalEdit ?? new vscode.WorkspaceEdit();
  combined.insert(document.uri, position, edit.insertText as string);
  assert.equal(await vscode.workspace.applyEdit(combined), true, 'the edit applies');
}

describe('drag and paste gallery images into markdown (issue 5)', function () {
  this.timeout(60_000);
  let api: OxenImageStudioApi;
  let generationId: string;
  let file: string;
  let bytes: Buffer;

  before(async () => {
    api = await extensionApi();
    await emulator.reset();
    const result = await generate({ prompt: PROMPT, insert: false, wait: true });
    generationId = result.generationIds[0]!;
    file = result.files![0]!;
    bytes = fs.readFileSync(path.join(workspaceRoot(), file));
    await vscode.workspace.getConfiguration('markdown').update('copyFiles.destination', BUNDLE_DESTINATION, vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('markdown').update('copyFiles.destination', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('drop: an image already where the document keeps images is linked in place, relative to the document', async () => {
    const document = await vscode.workspace.openTextDocument(createMarkdown('docs/drop/in-place.md', '# Page\n\n'));
    const edit = await api.documentProviders.drop.provideDocumentDropEdits(document, new vscode.Position(2, 0), dragOf(generationId), token());
    assert.ok(edit && !Array.isArray(edit));
    assert.equal(edit.insertText, `![${PROMPT}](../../${file})`);
    assert.equal(edit.additionalEdit, undefined, 'nothing to copy');
    assert.equal(edit.kind?.value, KIND, 'our own kind, under markdown.link');
  });

  it('drop: an image from elsewhere is copied to the document’s destination under a free name, and one undo removes link and copy (SEC-11, SEC-12)', async () => {
    const uri = createMarkdown('docs/bundle/page.md', 'Intro\n');
    const name = path.posix.basename(file);
    const taken = path.join(workspaceRoot(), 'docs', 'bundle', 'page-images', name);
    fs.mkdirSync(path.dirname(taken), { recursive: true });
    fs.writeFileSync(taken, 'someone else’s file');
    const numbered = name.replace(/\.png$/, '-1.png');
    const copy = path.join(path.dirname(taken), numbered);

    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document);
    const position = new vscode.Position(1, 0);
    const edit = await api.documentProviders.drop.provideDocumentDropEdits(document, position, dragOf(generationId), token());
    assert.ok(edit && !Array.isArray(edit) && edit.additionalEdit);
    assert.equal(edit.insertText, `![${PROMPT}](page-images/${numbered})`);
    assert.equal(fs.existsSync(copy), false, 'nothing is written before the edit is applied');

    await applyAsWorkbench(document, position, edit);
    assert.equal(document.getText(), `Intro\n![${PROMPT}](page-images/${numbered})`);
    assert.deepEqual(fs.readFileSync(copy), bytes, 'the copy holds the image');
    assert.equal(fs.readFileSync(taken, 'utf8'), 'someone else’s file', 'the existing file is untouched');

    assert.equal(vscode.window.activeTextEditor, editor);
    await vscode.commands.executeCommand('undo');
    await waitFor('the link undone', () => document.getText() === 'Intro\n');
    await waitFor('the copy removed by the same undo', () => !fs.existsSync(copy));
    assert.ok(fs.existsSync(path.join(workspaceRoot(), file)), 'the original stays');
    await document.save();
  });

  it('drop: a drag that is not a known gallery image gives no edit; the default drop applies (SEC-09)', async () => {
    const document = await vscode.workspace.openTextDocument(createMarkdown('docs/drop/unknown.md', ''));
    // SEC-09: what a drag carries is only looked up in the history, never taken as a path.
    for (const id of ['no-such-generation', '../../../etc/passwd', path.join(workspaceRoot(), file)]) {
      assert.equal(await api.documentProviders.drop.provideDocumentDropEdits(document, new vscode.Position(0, 0), dragOf(id), token()), undefined, id);
    }
    assert.equal(await api.documentProviders.drop.provideDocumentDropEdits(document, new vscode.Position(0, 0), clipboardOf('plain text'), token()), undefined);
  });

  it('paste: "Copy markdown link" pastes as a link made for the target document; other text is left alone', async () => {
    const copied = await api.copyMarkdownLink(generationId);
    assert.equal(copied, `![${PROMPT}](${file})`, 'copied with no document open: relative to the workspace folder');
    assert.equal(await vscode.env.clipboard.readText(), copied, 'on the clipboard, through vscode.env.clipboard');

    const document = await vscode.workspace.openTextDocument(createMarkdown('docs/paste/deep/page.md', '\n'));
    const ranges = [new vscode.Range(0, 0, 0, 0)];
    const edits = await api.documentProviders.paste.provideDocumentPasteEdits!(document, ranges, clipboardOf(copied!), PASTE_CONTEXT, token());
    assert.ok(edits?.length === 1);
    assert.equal(edits[0]!.insertText, `![${PROMPT}](../../../${file})`);
    assert.equal(edits[0]!.additionalEdit, undefined);
    assert.equal(edits[0]!.kind.value, KIND);

    assert.equal(await api.documentProviders.paste.provideDocumentPasteEdits!(document, ranges, clipboardOf('![other](x.png)'), PASTE_CONTEXT, token()), undefined);
  });

  it('paste: into a document whose images live elsewhere, the image is copied (once) and one undo removes both (SEC-12)', async () => {
    const copied = (await api.copyMarkdownLink(generationId))!;
    const uri = createMarkdown('docs/bundle/other.md', '');
    const document = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(document);
    const copy = path.join(workspaceRoot(), 'docs', 'bundle', 'other-images', path.posix.basename(file));
    const position = new vscode.Position(0, 0);
    const [edit] = (await api.documentProviders.paste.provideDocumentPasteEdits!(document, [new vscode.Range(position, position)], clipboardOf(copied), PASTE_CONTEXT, token()))!;
    assert.ok(edit?.additionalEdit);
    assert.equal(edit.insertText, `![${PROMPT}](other-images/${path.posix.basename(file)})`);
    await applyAsWorkbench(document, position, edit);
    assert.deepEqual(fs.readFileSync(copy), bytes);

    // Pasted again: the copy that already holds these bytes is linked, not copied a second time.
    const [again] = (await api.documentProviders.paste.provideDocumentPasteEdits!(document, [new vscode.Range(position, position)], clipboardOf(copied), PASTE_CONTEXT, token()))!;
    assert.equal(again?.insertText, edit.insertText);
    assert.equal(again?.additionalEdit, undefined);

    await vscode.commands.executeCommand('undo');
    await waitFor('the pasted link undone', () => document.getText() === '');
    await waitFor('the copy removed by the same undo', () => !fs.existsSync(copy));
  });
});
