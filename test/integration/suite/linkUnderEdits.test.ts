/**
 * REL-05 (one link), found by the REL-12 chaos run: VS Code refuses a workspace edit made against
 * a document version that another edit changed meanwhile. Links that land while the document is
 * being edited (the user typing, other placeholders going in) must still replace their
 * placeholders, every one of them.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, PENDING_MARKER, waitForState, waitUntilIdle } from './support/extension';

const HERE = 'oxenImageStudio.generateImageHere';
const DOCUMENT = 'under-edits/page.md';
const REQUESTS = 12;
const TYPED_LINE = REQUESTS + 1;

describe('links land while the document is being edited (REL-05)', function () {
  this.timeout(60_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('every placeholder becomes its links although other edits keep changing the document', async () => {
    const api = await extensionApi();
    const slots = Array.from({ length: REQUESTS }, (_, slot) => `Slot ${slot}: `);
    const uri = createMarkdown(DOCUMENT, `# Page\n${slots.join('\n')}\nTyping here: \n`);
    await emulator.hold(true);
    const started = await Promise.all(
      slots.map((label, slot) =>
        generate({ prompt: `edited page ${slot}`, count: 2, params: { seed: 100 * slot }, insert: { uri: uri.toString(), line: 1 + slot, character: label.length } }, HERE),
      ),
    );
    const ids = started.flatMap((result) => result.generationIds);
    for (const id of ids) await waitForState(api, id, ['queued', 'processing']);
    assert.equal((await documentText(uri)).split(PENDING_MARKER).length - 1, REQUESTS, 'one placeholder per request');

    // Someone types fast (50 keys a second) on a line of its own while every image is saved and linked.
    let typing = true;
    const typist = (async () => {
      let typed = 0;
      while (typing) {
        const edit = new vscode.WorkspaceEdit();
        edit.insert(uri, new vscode.Position(TYPED_LINE, 0), 'x');
        if (await vscode.workspace.applyEdit(edit)) typed++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return typed;
    })();
    for (const id of ids) await emulator.settle(id, 'succeeded');
    try {
      await waitUntilIdle(api);
    } finally {
      typing = false;
    }
    const typed = await typist;

    const text = await documentText(uri);
    const history = (await api.whenCoreReady()).history();
    const lines = text.split('\n');
    assert.deepEqual(lines.filter((line) => line.includes(PENDING_MARKER)), [], 'no placeholder left');
    for (const [slot, label] of slots.entries()) {
      const links = history
        .filter((entry) => entry.prompt === `edited page ${slot}`)
        .map((entry) => `![edited page ${slot}](${path.posix.relative(path.posix.dirname(DOCUMENT), entry.file)})`);
      assert.equal(links.length, 2, `both images of request ${slot} saved`);
      const rest = links.reduce((remaining, link) => remaining.replace(link, ''), lines[1 + slot]!.slice(label.length));
      assert.equal(rest, ' ', `line ${1 + slot} holds both links: ${lines[1 + slot]}`);
    }
    assert.ok(typed > 0, 'the document was edited meanwhile');
    await (await vscode.workspace.openTextDocument(uri)).save();
  });
});
