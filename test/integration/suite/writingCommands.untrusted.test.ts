/**
 * SEC-06 / SEC-03 in Restricted Mode (the untrusted pass): the commands that write files refuse,
 * even with an argument, say why, and send nothing; the others still work; the base URL comes
 * from the user settings even when the workspace sets another.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, rejection, waitFor, workspaceRoot } from './support/extension';

const RESTRICTED = /Restricted Mode.*trust/i;

describe('Restricted Mode: writing commands refuse', function () {
  this.timeout(60_000);

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened this folder untrusted');
    await extensionApi();
    await emulator.reset();
  });

  it('SEC-06: generateImage and generateImageHere refuse with an explanation, even when invoked directly', async () => {
    const uri = createMarkdown('untrusted.md', 'Text\n');
    for (const command of ['oxenImageStudio.generateImage', 'oxenImageStudio.generateImageHere']) {
      const message = await rejection(generate({ prompt: 'a forbidden image', insert: { uri: uri.toString(), line: 0, character: 0 }, wait: true }, command));
      assert.match(message, RESTRICTED, command);
    }
    // Without an argument (palette), the explanation is shown instead of thrown.
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.generateImage'), undefined);
    assert.equal(await documentText(uri), 'Text\n');
    assert.deepEqual((await emulator.requests()).filter((request) => request.origin === 'api'), [], 'nothing was sent');
    assert.equal(fs.existsSync(path.join(workspaceRoot(), 'assets')), false, 'nothing was written');
  });

  it('SEC-06: Generate All Images and the placeholder CodeLens refuse too, and leave the placeholders alone', async () => {
    const original = 'Text ![a forbidden fox](oxen:generate?seed=1)\n';
    const uri = createMarkdown('untrusted-prompts.md', original);
    assert.match(await rejection(generate({ uri: uri.toString(), wait: true }, 'oxenImageStudio.generateAllImages')), RESTRICTED);
    assert.match(await rejection(generate({ uri: uri.toString(), line: 0, character: 6, wait: true }, 'oxenImageStudio.generatePromptLink')), RESTRICTED);
    // From a menu or the CodeLens, the explanation is shown instead of thrown.
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.generateAllImages', uri), undefined);
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.generatePromptLink', new vscode.Location(uri, new vscode.Position(0, 6))), undefined);
    assert.equal(await documentText(uri), original);
    assert.deepEqual((await emulator.requests()).filter((request) => request.origin === 'api'), [], 'nothing was sent');
  });

  it('the commands that write nothing still work', async () => {
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.showLog'), undefined);
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.cancelGeneration', 'no-such-generation'), false);
  });

  it('SEC-03: the base URL comes from the user settings, not the workspace', async () => {
    const settingsFile = path.join(workspaceRoot(), '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    fs.writeFileSync(settingsFile, JSON.stringify({ 'oxenImageStudio.apiBaseUrl': 'http://127.0.0.1:9/capture', 'oxenImageStudio.link.altText': 'fileName' }));
    try {
      await waitFor('VS Code to read the workspace settings', () =>
        vscode.workspace.getConfiguration('oxenImageStudio').inspect('link.altText')?.workspaceValue === 'fileName',
      );
      const api = await extensionApi();
      await api.simulateReload();
      assert.equal((await api.whenCoreReady()).connection().apiBaseUrl, emulator.url());
    } finally {
      fs.rmSync(settingsFile, { force: true });
    }
  });
});
