/** Access to the extension under test and its workspace, for the integration suites. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OxenImageStudioApi } from '../../../../src/extension';

export const EXTENSION_ID = 'oxen-image-studio.oxen-image-studio';

export async function extensionApi(): Promise<OxenImageStudioApi> {
  const extension = vscode.extensions.getExtension<OxenImageStudioApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is not installed`);
  return extension.isActive ? extension.exports : extension.activate();
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the harness opens one workspace folder');
  return folder.uri.fsPath;
}

/** Writes a fresh markdown file in the workspace (each test its own, so edits never collide). */
export function createMarkdown(relativePath: string, content: string): vscode.Uri {
  const file = path.join(workspaceRoot(), relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return vscode.Uri.file(file);
}

export async function documentText(uri: vscode.Uri): Promise<string> {
  return (await vscode.workspace.openTextDocument(uri)).getText();
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the generation is known to the service in one of `states`. */
export async function waitForState(api: OxenImageStudioApi, generationId: string, states: string[]): Promise<void> {
  const core = await api.whenCoreReady();
  await waitFor(`generation ${generationId} in ${states.join('/')}`, () =>
    core.views().some((view) => view.generationId === generationId && states.includes(view.state)),
  );
}

/** Waits until the journal has forgotten every generation (all handled). */
export async function waitUntilIdle(api: OxenImageStudioApi): Promise<void> {
  const core = await api.whenCoreReady();
  await waitFor('the journal to drain', () => !core.hasPendingWork(), 30_000);
}

export interface GenerateResult {
  generationIds: string[];
  files?: string[];
}

export function generate(argument: unknown, command = 'oxenImageStudio.generateImage'): Thenable<GenerateResult> {
  return vscode.commands.executeCommand<GenerateResult>(command, argument);
}

/** The rejection message of a promise that must reject. */
export async function rejection(promise: Thenable<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  assert.fail('expected the command to fail');
}

export const PENDING_MARKER = 'oxen-image-studio-pending/';

/** Presses Enter in whatever quick input is open until `flow` settles (the model loads in between). */
export async function pressEnterUntilDone<T>(flow: Thenable<T>): Promise<T> {
  let done = false;
  const result = Promise.resolve(flow).finally(() => {
    done = true;
  });
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    if (!done) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
  }
  return result;
}

/**
 * Generates one image into a new markdown document (Generate Image Here through the argument
 * contract, `wait: true`), checks that its link stands there, and returns how long that took.
 */
export async function generateLinkedImage(relativePath: string, prompt: string, extra: Record<string, unknown> = {}): Promise<number> {
  const uri = createMarkdown(relativePath, '# Page\n\n');
  const started = Date.now();
  const { files } = await generate({ prompt, insert: { uri: uri.toString(), line: 2, character: 0 }, wait: true, ...extra }, 'oxenImageStudio.generateImageHere');
  const elapsed = Date.now() - started;
  assert.equal(files?.length, 1);
  const escaped = prompt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(await documentText(uri), new RegExp(`!\\[${escaped}\\]\\(.+\\.png\\)`));
  return elapsed;
}
