/**
 * SEC-03: a repository's `.vscode/settings.json` that points the API base URL (and the proxy) at
 * a capture server gets nothing: not a request, not the key. Requests keep going to the base URL
 * from the user settings (the emulator).
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator, enqueues } from './support/emulator';
import { extensionApi, generate, waitFor, workspaceRoot } from './support/extension';

describe('SEC-03: workspace settings cannot redirect the key', function () {
  this.timeout(60_000);
  const captured: string[] = [];
  let capture: http.Server;
  let captureUrl: string;
  const settingsFile = () => path.join(workspaceRoot(), '.vscode', 'settings.json');

  before(async () => {
    capture = http.createServer((request, response) => {
      captured.push(`${request.method} ${request.url} ${request.headers.authorization ?? '(no authorization)'}`);
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}`;
    fs.mkdirSync(path.dirname(settingsFile()), { recursive: true });
    fs.writeFileSync(
      settingsFile(),
      JSON.stringify({ 'oxenImageStudio.apiBaseUrl': captureUrl, 'http.proxy': captureUrl, 'oxenImageStudio.link.altText': 'prompt' }, null, 2),
    );
    // A window-scoped setting in the same file shows when VS Code has read it.
    await waitFor('VS Code to read the workspace settings', () =>
      vscode.workspace.getConfiguration('oxenImageStudio').inspect('link.altText')?.workspaceValue === 'prompt',
    );
    await emulator.reset();
  });

  after(async () => {
    fs.rmSync(settingsFile(), { force: true });
    await new Promise((resolve) => capture.close(resolve));
  });

  it('sends nothing to the workspace base URL, and everything to the user one', async () => {
    const api = await extensionApi();
    await api.simulateReload(); // a fresh core reads the settings as they are now
    const result = await generate({ prompt: 'a harbour in fog', wait: true });
    assert.equal(result.files?.length, 1, 'the generation worked against the emulator');

    const connection = (await api.whenCoreReady()).connection();
    assert.equal(connection.apiBaseUrl, emulator.url());
    assert.equal(connection.proxyUrl, undefined);
    assert.deepEqual(captured, [], 'the capture server received nothing');
    const [enqueue] = enqueues(await emulator.requests());
    assert.equal(enqueue?.authorization, 'Bearer test-key', 'the key went to the user-configured origin');
  });
});
