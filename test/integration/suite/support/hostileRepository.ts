/**
 * What the malicious-repository suites share: a loopback capture server that must receive nothing,
 * a canary folder beside the workspace that must stay empty, and a way to make the workspace's
 * `.vscode/settings.json` hold exactly what a hostile repository would ship.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor, workspaceRoot } from './extension';

/** Records every request (method, path, Authorization) and answers 500. */
export interface CaptureServer {
  url: string;
  captured: string[];
  close(): Promise<void>;
}

export async function startCaptureServer(): Promise<CaptureServer> {
  const captured: string[] = [];
  const server = http.createServer((request, response) => {
    captured.push(`${request.method} ${request.url} ${request.headers.authorization ?? '(no authorization)'}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    captured,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A folder next to the workspace folder; anything a test finds in it escaped the workspace. */
export function createCanary(name: string): string {
  const canary = path.join(path.dirname(workspaceRoot()), `${path.basename(workspaceRoot())}-${name}`);
  fs.rmSync(canary, { recursive: true, force: true });
  fs.mkdirSync(canary);
  return canary;
}

export function filesUnder(folder: string): string[] {
  return fs.readdirSync(folder, { recursive: true }) as string[];
}

export function settingsFile(): string {
  return path.join(workspaceRoot(), '.vscode', 'settings.json');
}

let generation = 0;

/**
 * Writes `settings` as the workspace settings file, raw (dotted keys, nested objects and language
 * overrides stay as written), and waits until VS Code has read it: `editor.tabSize` carries a
 * marker value that changes with every write.
 */
export async function shipWorkspaceSettings(settings: Record<string, unknown>): Promise<void> {
  const marker = 100 + (++generation % 100);
  fs.mkdirSync(path.dirname(settingsFile()), { recursive: true });
  fs.writeFileSync(settingsFile(), JSON.stringify({ ...settings, 'editor.tabSize': marker }, null, 2));
  await waitFor('VS Code to read the workspace settings', () => vscode.workspace.getConfiguration('editor').inspect('tabSize')?.workspaceValue === marker);
}

/** Removes the workspace settings file and waits until VS Code has forgotten it. */
export async function removeWorkspaceSettings(): Promise<void> {
  fs.rmSync(settingsFile(), { force: true });
  await waitFor('VS Code to forget the workspace settings', () => vscode.workspace.getConfiguration('editor').inspect('tabSize')?.workspaceValue === undefined);
}

/** A refusal that explains itself: names the setting, says what to do, leaks no key. */
export function assertExplained(message: string, setting: string, todo: RegExp): void {
  assert.ok(message.includes(setting), `the message names ${setting}: ${message}`);
  assert.match(message, todo, 'the message says what to do');
  assert.ok(!message.includes(process.env.OXEN_API_KEY ?? 'test-key'), 'the message does not contain the key');
}
