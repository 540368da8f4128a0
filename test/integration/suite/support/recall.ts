/** Images for the recall and Explorer suites: one we generated and linked, one we did not make. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { injectPngText, PNG_TEXT_KEYWORD, readPngText } from '../../../../src/assets/pngText';
import { encodePng } from '../../../emulator/png';
import { createMarkdown, documentText, extensionApi, generate, waitFor, workspaceRoot } from './extension';

const HERE = 'oxenImageStudio.generateImageHere';
const DRAFT_KEY = 'oxenImageStudio.studio.draft';

export interface Generated {
  document: vscode.Uri;
  image: vscode.Uri;
  /** Workspace-relative path of the image. */
  file: string;
  generationId: string;
  /** The link as inserted, alone on line 2. */
  link: string;
  /** What the hover's command links carry for this link. */
  argument: { image: string; document: string; line: number; start: number; end: number };
}

export async function generatedImage(documentPath: string, prompt: string): Promise<Generated> {
  const document = createMarkdown(documentPath, '# Page\n\n\nEnd.\n');
  const result = await generate({ prompt, insert: { uri: document.toString(), line: 2, character: 0 }, wait: true }, HERE);
  const file = result.files![0]!;
  const image = vscode.Uri.file(path.join(workspaceRoot(), file));
  const link = (await documentText(document)).split('\n')[2]!;
  assert.match(link, /^!\[.*\]\(.*\)$/);
  return { document, image, file, generationId: result.generationIds[0]!, link, argument: { image: image.toString(), document: document.toString(), line: 2, start: 0, end: link.length } };
}

export function writeForeignPng(relativePath: string): vscode.Uri {
  const file = path.join(workspaceRoot(), relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodePng(2, 2, new Uint8Array(12)));
  return vscode.Uri.file(file);
}

/** The metadata embedded in a PNG we saved. */
export function embedded(image: vscode.Uri): { generationId: string; seed: number; prompt: string } {
  const text = readPngText(fs.readFileSync(image.fsPath)).get(PNG_TEXT_KEYWORD);
  assert.ok(text, `${image.fsPath} carries our metadata`);
  return JSON.parse(text) as { generationId: string; seed: number; prompt: string };
}


/** Waits until the sidebar's webview got the draft and handed it back to the host (its debounced draftChanged). */
export async function waitForDraft(prompt: string): Promise<{ model: string; values: Record<string, unknown> }> {
  const api = await extensionApi();
  return waitFor(
    `the sidebar draft with "${prompt}"`,
    () => {
      const draft = api.storedState().workspace[DRAFT_KEY] as { model: string; values: Record<string, unknown> } | undefined;
      return draft?.values.prompt === prompt ? draft : undefined;
    },
    30_000,
  );
}

/** A PNG carrying our metadata, written directly (Restricted Mode cannot generate one). */
export async function writeOurPng(relativePath: string, metadata: Record<string, unknown>): Promise<vscode.Uri> {
  async function* source(): AsyncGenerator<Uint8Array> {
    yield encodePng(2, 2, new Uint8Array(12));
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of injectPngText(source(), PNG_TEXT_KEYWORD, JSON.stringify(metadata))) chunks.push(chunk);
  const file = path.join(workspaceRoot(), relativePath);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat(chunks));
  return vscode.Uri.file(file);
}
