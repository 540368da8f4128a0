/**
 * Generate → file saved → link inserted: the link's path is relative to the document wherever it
 * sits, with `/` separators and `<…>` around paths with spaces or parentheses; untitled and
 * non-markdown documents get no link (the file still lands in the workspace).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PNG_TEXT_KEYWORD, readPngText } from '../../../src/assets/pngText';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, PENDING_MARKER, workspaceRoot } from './support/extension';

const HERE = 'oxenImageStudio.generateImageHere';

/** The link path from the document at `documentPath` to the workspace-relative `file`. */
function relativeFrom(documentPath: string, file: string): string {
  return path.posix.relative(path.posix.dirname(documentPath), file);
}

describe('generate → file → link', function () {
  this.timeout(60_000);

  before(async () => {
    await extensionApi();
    await emulator.reset();
  });

  for (const documentPath of ['depth0.md', 'docs/depth1.md', 'docs/api/reference/depth3.md']) {
    it(`links the image relative to ${documentPath}`, async () => {
      const uri = createMarkdown(documentPath, '# Page\n\n\nMore text.\n');
      const result = await generate({ prompt: 'a red fox in the snow', insert: { uri: uri.toString(), line: 2, character: 0 }, wait: true }, HERE);
      const file = result.files![0]!;
      assert.match(file, /^assets\/generated\/a-red-fox-in-the-snow-\d+(-\d+)?\.png$/);
      assert.ok(readPngText(fs.readFileSync(path.join(workspaceRoot(), file))).has(PNG_TEXT_KEYWORD), 'metadata embedded');
      const expectedPath = relativeFrom(documentPath, file);
      assert.equal(expectedPath.startsWith('../'.repeat(documentPath.split('/').length - 1)), true);
      assert.equal(await documentText(uri), `# Page\n\n![a red fox in the snow](${expectedPath})\nMore text.\n`);
      // The gallery's "group by document" reads this.
      const entry = (await (await extensionApi()).whenCoreReady()).history().find((item) => item.generationId === result.generationIds[0]);
      assert.equal(entry?.document, documentPath);
    });
  }

  it('escapes the alt text and wraps a path with spaces and parentheses in <…> (SEC-13)', async () => {
    const config = vscode.workspace.getConfiguration('oxenImageStudio');
    await config.update('assetDestination', 'img (generated)/', vscode.ConfigurationTarget.Workspace);
    try {
      const uri = createMarkdown('docs/escaping.md', 'Start\n');
      const result = await generate({ prompt: 'fox [draft] *bold* (v2)', insert: { uri: uri.toString(), line: 1, character: 0 }, wait: true }, HERE);
      const file = result.files![0]!;
      assert.match(file, /^docs\/img \(generated\)\/fox-draft-bold-v2-\d+\.png$/, 'the destination setting, relative to the document');
      assert.equal(await documentText(uri), `Start\n![fox \\[draft\\] \\*bold\\* (v2)](<img (generated)/${path.posix.basename(file)}>)`);
    } finally {
      await config.update('assetDestination', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('without an insert position, links at the cursor of the active markdown editor', async () => {
    const uri = createMarkdown('docs/cursor.md', 'One\nTwo\n');
    const editor = await vscode.window.showTextDocument(uri);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const result = await generate({ prompt: 'a small boat', wait: true }, HERE);
    assert.equal(editor.document.getText(), `One\n![a small boat](${relativeFrom('docs/cursor.md', result.files![0]!)})Two\n`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('inserts nothing into an untitled document, and saves the file in the workspace', async () => {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: 'draft\n' });
    const result = await generate({ prompt: 'an untitled sketch', insert: { uri: document.uri.toString(), line: 0, character: 0 }, wait: true }, HERE);
    assert.equal(document.getText(), 'draft\n');
    assert.match(result.files![0]!, /^assets\/generated\/an-untitled-sketch-\d+\.png$/);
    assert.ok(fs.existsSync(path.join(workspaceRoot(), result.files![0]!)));
  });

  it('inserts nothing into a non-markdown document', async () => {
    const uri = createMarkdown('notes-for-link.txt', 'plain text\n');
    const result = await generate({ prompt: 'a plain picture', insert: { uri: uri.toString(), line: 0, character: 0 }, wait: true }, HERE);
    assert.equal(await documentText(uri), 'plain text\n');
    assert.doesNotMatch(await documentText(uri), new RegExp(PENDING_MARKER));
    assert.match(result.files![0]!, /^assets\/generated\/a-plain-picture-\d+\.png$/);
  });

  it('insert: false links nothing even from generateImageHere', async () => {
    const uri = createMarkdown('docs/no-insert.md', 'Text\n');
    await vscode.window.showTextDocument(uri);
    const result = await generate({ prompt: 'no link please', insert: false, wait: true }, HERE);
    assert.equal(result.files?.length, 1);
    assert.equal(await documentText(uri), 'Text\n');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
