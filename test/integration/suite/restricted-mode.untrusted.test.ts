/**
 * Untrusted pass (restricted mode): the harness really opened the folder untrusted.
 * Restricted-mode behaviour tests of the extension go in other `*.untrusted.test.ts` files.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('restricted mode: untrusted workspace', () => {
  it('opens the workspace untrusted', () => {
    assert.equal(process.env.OXEN_TEST_TRUST, 'untrusted');
    assert.equal(vscode.workspace.isTrusted, false);
    assert.equal((vscode.workspace.workspaceFolders ?? []).length, 1);
  });
});
