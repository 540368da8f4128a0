/**
 * Prompt links (`![prompt](oxen:generate?…)`) filled in the real extension host: Generate All in
 * document order with the usual destination and naming rules, safe to run twice; a failure gives
 * the user's link back as it was; a bad parameter changes nothing and sends nothing; a reload
 * mid-generation still fills the link (REL-06).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { emulator, enqueues } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, rejection, waitFor, waitForState, waitUntilIdle, type GenerateResult } from './support/extension';

const ALL = 'oxenImageStudio.generateAllImages';
const ONE = 'oxenImageStudio.generatePromptLink';
const IN_FLIGHT = /oxen:generating\/[0-9a-f]{32}/;

/** Five placeholders in a paragraph, mid-sentence (with an escaped `]`), a list, a quote and a table; one in a fence that is not one. */
const PLACEHOLDERS = [
  '![a fox in the snow](oxen:generate?aspect_ratio=16:9&seed=11)',
  '![an owl \\] with a bracket](oxen:generate?seed=12)',
  '![a heron at dawn](oxen:generate?creativity=high&seed=13)',
  '![a red kite](oxen:generate?aspect_ratio=4:3)',
  '![a badger](oxen:generate?seed=15&creativity=raw&model=krea-v2-large-text-to-image)',
];
const GUIDE = [
  '# Field guide',
  '',
  PLACEHOLDERS[0],
  '',
  `Some text with ${PLACEHOLDERS[1]} in a sentence.`,
  '',
  `- a list item ${PLACEHOLDERS[2]}`,
  '',
  `> a quote ${PLACEHOLDERS[3]}`,
  '',
  '| animal | picture |',
  '|---|---|',
  `| badger | ${PLACEHOLDERS[4]} |`,
  '',
  '```md',
  '![not a placeholder](oxen:generate)',
  '```',
  '',
].join('\n');
/** What each placeholder must send (the emulator records the request parameters); the kite's seed is random. */
const SENT = [
  { prompt: 'a fox in the snow', aspect_ratio: '16:9', seed: 11 },
  { prompt: 'an owl ] with a bracket', seed: 12 },
  { prompt: 'a heron at dawn', creativity: 'high', seed: 13 },
  { prompt: 'a red kite', aspect_ratio: '4:3' },
  { prompt: 'a badger', creativity: 'raw', seed: 15 },
];
/** `${slug}-${seed}` in the default destination, /assets/generated/. */
const FILES = [/^assets\/generated\/a-fox-in-the-snow-11\.png$/, /^assets\/generated\/an-owl-with-a-bracket-12\.png$/, /^assets\/generated\/a-heron-at-dawn-13\.png$/, /^assets\/generated\/a-red-kite-\d+\.png$/, /^assets\/generated\/a-badger-15\.png$/];
/** The links that replace them: escaped alt text, path relative to prompts/. */
const ALT_TEXTS = ['a fox in the snow', 'an owl \\] with a bracket', 'a heron at dawn', 'a red kite', 'a badger'];

async function apiEnqueues(): Promise<number> {
  return enqueues(await emulator.requests()).length;
}

describe('prompt links', function () {
  this.timeout(120_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('Generate All fills five placeholders in order with the naming rules; a second run changes nothing', async () => {
    const uri = createMarkdown('prompts/guide.md', GUIDE);
    await vscode.window.showTextDocument(uri);
    const first = await vscode.commands.executeCommand<GenerateResult>(ALL, { uri: uri.toString(), wait: true });

    assert.equal(first.generationIds.length, 5);
    assert.equal(first.files?.length, 5);
    first.files!.forEach((file, index) => assert.match(file, FILES[index]!, `file ${index + 1}`));
    let expected = GUIDE;
    first.files!.forEach((file, index) => {
      expected = expected.replace(PLACEHOLDERS[index]!, `![${ALT_TEXTS[index]}](${path.posix.relative('prompts', file)})`);
    });
    assert.equal(await documentText(uri), expected, 'five links in order, everything else byte for byte');

    assert.equal(await apiEnqueues(), 5, 'exactly five enqueues');
    const rows = (await emulator.generations()).filter((row) => first.generationIds.includes(String(row.generation_id)));
    assert.deepEqual(
      rows.map((row) => String(row.generation_id)),
      first.generationIds,
      'submitted in document order',
    );
    rows.forEach((row, index) => {
      for (const [name, value] of Object.entries(SENT[index]!)) assert.deepEqual(row[name], value, `${name} of placeholder ${index + 1}`);
    });
    assert.equal(typeof rows[3]!.seed, 'number', 'a seed was chosen for the kite');

    const second = await vscode.commands.executeCommand<GenerateResult>(ALL, { uri: uri.toString(), wait: true });
    assert.deepEqual(second, { generationIds: [], files: [] });
    assert.equal(await documentText(uri), expected, 'the second run changed nothing');
    assert.equal(await apiEnqueues(), 5, 'and sent nothing');
  });

  it('offers Generate on each placeholder (not in the fence) and Generate All once', async () => {
    const uri = createMarkdown('prompts/lenses.md', GUIDE);
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const ours = lenses.filter((lens) => lens.command?.command === ONE);
    assert.deepEqual(
      ours.map((lens) => lens.range.start.line),
      [2, 4, 6, 8, 12],
    );
    assert.ok(ours.every((lens) => lens.command!.arguments?.[0] instanceof vscode.Location));
    assert.deepEqual(
      lenses.filter((lens) => lens.command?.command === ALL).map((lens) => lens.range.start.line),
      [2],
    );
  });

  it('Generate on one placeholder fills that one only', async () => {
    const single = '![a single stork](oxen:generate?seed=21)';
    const original = `${PLACEHOLDERS[0]}\n\nText ${single} more text\n`;
    const uri = createMarkdown('prompts/single.md', original);
    const result = await generate({ uri: uri.toString(), line: 2, character: 12, wait: true }, ONE);
    assert.deepEqual(result.files, ['assets/generated/a-single-stork-21.png']);
    assert.equal(await documentText(uri), original.replace(single, '![a single stork](../assets/generated/a-single-stork-21.png)'));
    assert.equal(await apiEnqueues(), 1);
    assert.match(await rejection(generate({ uri: uri.toString(), line: 1, character: 0 }, ONE)), /no image placeholder .* on line 2/);
  });

  it('from a menu (a Uri) or a CodeLens (a Location) it fills the links with a progress notification and resolves when done', async () => {
    const uri = createMarkdown('prompts/menu.md', '![a menu moth](oxen:generate?seed=31)\n\n![a lens lynx](oxen:generate?seed=32)\n');
    assert.equal(await vscode.commands.executeCommand(ONE, new vscode.Location(uri, new vscode.Position(2, 3))), undefined);
    assert.equal(await documentText(uri), '![a menu moth](oxen:generate?seed=31)\n\n![a lens lynx](../assets/generated/a-lens-lynx-32.png)\n');
    assert.equal(await vscode.commands.executeCommand(ALL, uri), undefined);
    assert.equal(await documentText(uri), '![a menu moth](../assets/generated/a-menu-moth-31.png)\n\n![a lens lynx](../assets/generated/a-lens-lynx-32.png)\n');
    assert.equal(await apiEnqueues(), 2);
  });

  it('an untitled document is refused: there is nothing to link relative to', async () => {
    const untitled = await vscode.workspace.openTextDocument({ language: 'markdown', content: `${PLACEHOLDERS[0]}\n` });
    assert.match(await rejection(generate({ uri: untitled.uri.toString(), wait: true }, ALL)), /Save the document first/);
    assert.equal(untitled.getText(), `${PLACEHOLDERS[0]}\n`);
    assert.equal(await apiEnqueues(), 0);
  });

  it('a link marked in flight by a window that closed before sending it is filled again', async () => {
    const uri = createMarkdown('prompts/stale.md', 'Top\n\n![a lost lamb](oxen:generating/0123456789abcdef0123456789abcdef?seed=5)\n');
    const result = await generate({ uri: uri.toString(), wait: true }, ALL);
    assert.equal(result.files?.length, 1);
    assert.equal(await documentText(uri), `Top\n\n![a lost lamb](${path.posix.relative('prompts', result.files![0]!)})\n`);
  });

  it('a run started while another is in flight sends nothing twice', async () => {
    await emulator.hold(true);
    const uri = createMarkdown('prompts/twice.md', `${PLACEHOLDERS[0]}\n\n${PLACEHOLDERS[2]}\n`);
    const [first, second] = await Promise.all([
      vscode.commands.executeCommand<GenerateResult>(ALL, { uri: uri.toString() }),
      vscode.commands.executeCommand<GenerateResult>(ALL, { uri: uri.toString() }),
    ]);
    assert.equal(first.generationIds.length + second.generationIds.length, 2);
    assert.equal(await apiEnqueues(), 2);
    assert.equal((await documentText(uri)).match(new RegExp(IN_FLIGHT.source, 'g'))?.length, 2, 'both links are marked in flight');
    assert.deepEqual((await vscode.commands.executeCommand<GenerateResult>(ALL, { uri: uri.toString() })).generationIds, []);
    assert.match(await rejection(generate({ uri: uri.toString(), line: 0, character: 3 }, ONE)), /already being generated/);
    const api = await extensionApi();
    for (const id of [...first.generationIds, ...second.generationIds]) {
      await waitForState(api, id, ['queued', 'processing']);
      await emulator.settle(id, 'succeeded');
    }
    await waitFor('both links', async () => !IN_FLIGHT.test(await documentText(uri)));
  });

  it('a failed generation gives the placeholder back exactly as the user wrote it', async () => {
    await emulator.hold(true);
    const original = `Intro\n\n${PLACEHOLDERS[1]}\n\nOutro\n`;
    const uri = createMarkdown('prompts/failing.md', original);
    const { generationIds } = await generate({ uri: uri.toString(), line: 2, character: 5 }, ONE);
    await waitForState(await extensionApi(), generationIds[0]!, ['queued', 'processing']);
    const inFlight = await documentText(uri);
    assert.match(inFlight, IN_FLIGHT, 'marked in flight, not removed');
    assert.ok(inFlight.includes('![an owl \\] with a bracket]('), 'the prompt stays in the document');
    await emulator.settle(generationIds[0]!, 'failed', 'The GPU caught fire');
    await waitFor('the placeholder back', async () => (await documentText(uri)) === original);
  });

  it('cancelling gives every placeholder of the run back', async () => {
    await emulator.hold(true);
    const original = `${PLACEHOLDERS[0]}\n\nMiddle\n\n${PLACEHOLDERS[3]}\n`;
    const uri = createMarkdown('prompts/cancelled.md', original);
    const { generationIds } = await generate({ uri: uri.toString() }, ALL);
    assert.equal(generationIds.length, 2);
    const api = await extensionApi();
    for (const id of generationIds) {
      await waitForState(api, id, ['queued', 'processing']);
      assert.equal(await vscode.commands.executeCommand('oxenImageStudio.cancelGeneration', id), true);
    }
    await waitFor('both placeholders back', async () => (await documentText(uri)) === original);
  });

  it('an invalid parameter is named, nothing is sent and nothing changes', async () => {
    const original = `${PLACEHOLDERS[0]}\n\nText\n\n![a bad one](oxen:generate?creativity=bogus)\n`;
    const uri = createMarkdown('prompts/invalid.md', original);
    const all = await rejection(generate({ uri: uri.toString(), wait: true }, ALL));
    assert.match(all, /line 5 .*creativity must be one of raw, low, medium, high/);
    const one = await rejection(generate({ uri: uri.toString(), line: 4, character: 3, wait: true }, ONE));
    assert.match(one, /line 5 .*creativity must be one of raw, low, medium, high/);
    const unknownKey = createMarkdown('prompts/unknown.md', '![x](oxen:generate?colour=red)\n');
    assert.match(await rejection(generate({ uri: unknownKey.toString(), wait: true }, ALL)), /line 1 .*colour is not a parameter of this model/);
    assert.equal(await documentText(uri), original, 'nothing changed, not even the valid link');
    assert.equal(await apiEnqueues(), 0, 'nothing was sent');
  });

  it('REL-06: a reload mid-generation still fills the link', async () => {
    const api = await extensionApi();
    await emulator.hold(true);
    const uri = createMarkdown('prompts/reload.md', `Before\n\n${PLACEHOLDERS[2]}\n\nAfter\n`);
    const { generationIds } = await generate({ uri: uri.toString(), line: 2, character: 0 }, ONE);
    await waitForState(api, generationIds[0]!, ['queued', 'processing']);
    await api.simulateReload();
    const core = await api.whenCoreReady();
    await emulator.settle(generationIds[0]!, 'succeeded');
    const entry = await waitFor('the saved image', () => core.history().find((item) => item.generationId === generationIds[0]));
    await waitFor('the link', async () => (await documentText(uri)) === `Before\n\n![a heron at dawn](${path.posix.relative('prompts', entry.file)})\n\nAfter\n`);
  });
});
