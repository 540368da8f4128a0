/**
 * SEC-05: a sentinel key set with "Set API Key" is the key requests carry, and it appears in no
 * setting, no memento, no log line, no error message and no command's return value.
 */
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { emulator } from './support/emulator';
import { extensionApi, generate, rejection, waitFor } from './support/extension';
import { filesUnder, settingsText } from './support/secretLeaks';

const SENTINEL = `sentinel-key-${randomUUID()}`;
const ENVIRONMENT_KEY = 'test-key';

describe('SEC-05: the key stays in SecretStorage', function () {
  this.timeout(60_000);

  before(() => emulator.reset());
  after(() => vscode.commands.executeCommand('oxenImageStudio.clearApiKey'));

  it('a sentinel key is used for requests and appears in no setting, state, log, error or return value', async () => {
    const api = await extensionApi();
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.setApiKey', { key: SENTINEL }), undefined);

    const message = await rejection(generate({ prompt: 'a locked door', wait: true }));
    assert.match(message, /API key/, 'the emulator refused the sentinel: the error says the key is the problem');
    assert.ok(!message.includes(SENTINEL), `error message: ${message}`);
    const authorizations = (await emulator.requests()).map((request) => request.authorization);
    assert.ok(authorizations.includes(`Bearer ${SENTINEL}`), 'requests carried the sentinel, so the checks below mean something');

    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.cancelGeneration', 'no-such-generation'), false);
    assert.ok(!settingsText().includes(SENTINEL), 'settings');
    assert.ok(!JSON.stringify(api.storedState()).includes(SENTINEL), 'global and workspace state');

    const logFolder = api.logFolder.fsPath;
    const logs = await waitFor('the failure in the log', () => {
      const text = filesUnder(logFolder)
        .map((file) => fs.readFileSync(file, 'utf8'))
        .join('\n');
      return text.includes('Request failed') ? text : undefined;
    });
    assert.ok(!logs.includes(SENTINEL), 'log output');
  });

  it('after Clear API Key the environment key is used, and no return value holds a key', async () => {
    const api = await extensionApi();
    assert.equal(await vscode.commands.executeCommand('oxenImageStudio.clearApiKey'), undefined);
    await emulator.reset();
    const result = await generate({ prompt: 'an open door', wait: true });
    const returned = JSON.stringify(result);
    assert.ok(!returned.includes(ENVIRONMENT_KEY) && !returned.includes(SENTINEL), returned);
    const enqueue = (await emulator.requests()).find((request) => request.method === 'POST' && request.path === '/api/ai/queue');
    assert.equal(enqueue?.authorization, `Bearer ${ENVIRONMENT_KEY}`);
    const core = await api.whenCoreReady();
    for (const value of [core.connection(), core.history(), core.views(), api.storedState()]) {
      const text = JSON.stringify(value);
      assert.ok(!text.includes(ENVIRONMENT_KEY) && !text.includes(SENTINEL), text.slice(0, 200));
    }
  });
});
