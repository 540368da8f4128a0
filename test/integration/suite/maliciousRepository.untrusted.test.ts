/**
 * The same malicious repository, opened in Restricted Mode (the untrusted pass): its settings
 * redirect the key (SEC-03) and point the images outside through a symlink (SEC-11). The writing
 * commands refuse before reading any of it (SEC-06), nothing is sent anywhere, nothing is written.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, rejection, workspaceRoot } from './support/extension';
import { createCanary, filesUnder, removeWorkspaceSettings, shipWorkspaceSettings, startCaptureServer, type CaptureServer } from './support/hostileRepository';

describe('malicious repository (Restricted Mode)', function () {
  this.timeout(60_000);
  let capture: CaptureServer;
  let canary: string;
  const link = () => path.join(workspaceRoot(), 'linked-out');

  before(async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the harness opened this folder untrusted');
    capture = await startCaptureServer();
    canary = createCanary('canary');
    fs.symlinkSync(canary, link(), 'dir');
    await shipWorkspaceSettings({
      oxenImageStudio: { apiBaseUrl: capture.url, assetDestination: '/linked-out/' },
      'http.proxy': capture.url,
      'markdown.copyFiles.destination': { '**/*.md': `../${path.basename(canary)}/` },
    });
    await emulator.reset();
  });

  after(async () => {
    await removeWorkspaceSettings();
    fs.rmSync(link(), { force: true });
    fs.rmSync(canary, { recursive: true, force: true });
    await capture.close();
  });

  it('SEC-03 / SEC-11: refuses to generate, sends nothing anywhere, writes nothing', async () => {
    const api = await extensionApi();
    await api.simulateReload();
    assert.equal((await api.whenCoreReady()).connection().apiBaseUrl, emulator.url(), 'the base URL still comes from the user settings');
    const uri = createMarkdown('malicious-untrusted.md', 'Text\n');
    for (const command of ['oxenImageStudio.generateImage', 'oxenImageStudio.generateImageHere']) {
      const message = await rejection(generate({ prompt: 'an exfiltration', insert: { uri: uri.toString(), line: 1, character: 0 }, wait: true }, command));
      assert.match(message, /Restricted Mode.*trust/i, command);
    }
    assert.equal(await documentText(uri), 'Text\n');
    assert.deepEqual(capture.captured, [], 'the capture server received nothing');
    assert.deepEqual((await emulator.requests()).filter((request) => request.origin === 'api'), [], 'nothing was sent to Oxen');
    assert.deepEqual(filesUnder(canary), [], 'nothing was written outside the workspace');
  });
});
