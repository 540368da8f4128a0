/**
 * Smoke test of the real-VS Code harness (trusted pass): the extension is installed in development
 * mode, activates, and the runner's profile (env, settings, workspace) reaches the extension host.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'oxen-image-studio.oxen-image-studio';

describe('smoke: extension in a real VS Code', () => {
  it('is present in vscode.extensions.all and activates', async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.all.find((e) => e.id === EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} not in vscode.extensions.all`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('runs with the harness profile (trusted workspace, env, settings)', () => {
    assert.equal(vscode.workspace.isTrusted, true);
    assert.equal(process.env.OXEN_TEST_TRUST, 'trusted');
    assert.equal(process.env.OXEN_API_KEY, 'test-key');
    const emulatorUrl = process.env.OXEN_EMULATOR_URL;
    assert.ok(emulatorUrl, 'OXEN_EMULATOR_URL not set');
    assert.equal(vscode.workspace.getConfiguration('oxenImageStudio').get('apiBaseUrl'), emulatorUrl);
    const folders = vscode.workspace.workspaceFolders ?? [];
    assert.equal(folders.length, 1);
  });
});
