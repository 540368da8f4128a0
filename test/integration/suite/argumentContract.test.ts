/**
 * The public argument contract of `oxenImageStudio.generateImage`: bad arguments are refused
 * with a message naming the problem and nothing is enqueued (or billed); good ones return the
 * generation ids, and with `wait: true` the saved files.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG_TEXT_KEYWORD, readPngText } from '../../../src/assets/pngText';
import { emulator, enqueues } from './support/emulator';
import { extensionApi, generate, rejection, waitUntilIdle, workspaceRoot } from './support/extension';

const badArguments: Array<[string, unknown, RegExp]> = [
  ['null', null, /Invalid argument for oxenImageStudio\.generateImage/],
  ['a string', 'a red fox', /Invalid argument.*expected object/i],
  ['no prompt', {}, /prompt/],
  ['an empty prompt', { prompt: '   ' }, /prompt: must not be empty/],
  ['a count of 5', { prompt: 'fox', count: 5 }, /count/],
  ['a fractional count', { prompt: 'fox', count: 1.5 }, /count/],
  ['an unknown key', { prompt: 'fox', size: 'big' }, /size/],
  ['wait as a string', { prompt: 'fox', wait: 'yes' }, /wait/],
  ['a negative line', { prompt: 'fox', insert: { uri: 'file:///tmp/a.md', line: -1, character: 0 } }, /insert\.line/],
  ['insert: true', { prompt: 'fox', insert: true }, /insert/],
  ['params as an array', { prompt: 'fox', params: [1] }, /params/],
  ['the prompt inside params', { prompt: 'fox', params: { prompt: 'other' } }, /params.*prompt/],
  ['an aspect ratio the model lacks', { prompt: 'fox', params: { aspect_ratio: '7:3' } }, /aspect_ratio must be one of/],
  ['a parameter the model lacks', { prompt: 'fox', params: { steps: 20 } }, /steps is not a parameter/],
  ['a model Oxen does not know', { prompt: 'fox', model: 'no-such-model' }, /no-such-model/],
];

describe('generateImage argument contract', function () {
  this.timeout(60_000);

  before(async () => {
    await extensionApi();
    await emulator.reset();
  });

  for (const [name, argument, message] of badArguments) {
    it(`refuses ${name} with a clear message and enqueues nothing`, async () => {
      await emulator.reset();
      assert.match(await rejection(generate(argument)), message);
      assert.deepEqual(enqueues(await emulator.requests()), []);
    });
  }

  it('returns the generation ids at once without wait', async () => {
    const result = await generate({ prompt: 'a lighthouse at dawn' });
    assert.deepEqual(Object.keys(result), ['generationIds']);
    assert.equal(result.generationIds.length, 1);
    assert.match(result.generationIds[0]!, /\S/);
    await waitUntilIdle(await extensionApi());
  });

  it('with wait: true returns workspace-relative files: valid PNGs carrying their parameters', async () => {
    const result = await generate({ prompt: 'two red foxes', count: 2, params: { aspect_ratio: '16:9', creativity: 'low', seed: 1234 }, wait: true });
    assert.equal(result.generationIds.length, 2);
    assert.equal(result.files?.length, 2);
    const seeds = new Set<number>();
    for (const file of result.files!) {
      assert.ok(!path.isAbsolute(file), `${file} is workspace-relative`);
      // Each image is named by its own seed (1234, 1235), so its name says how to make it again.
      assert.match(file, /^assets\/generated\/two-red-foxes-123[45]\.png$/);
      const metadata = JSON.parse(readPngText(fs.readFileSync(path.join(workspaceRoot(), file))).get(PNG_TEXT_KEYWORD)!) as Record<string, unknown>;
      assert.equal(metadata.prompt, 'two red foxes');
      assert.equal(metadata.model, 'krea-v2-large-text-to-image');
      assert.deepEqual({ aspect: (metadata.params as Record<string, unknown>).aspect_ratio, creativity: (metadata.params as Record<string, unknown>).creativity }, { aspect: '16:9', creativity: 'low' });
      assert.ok(result.generationIds.includes(metadata.generationId as string));
      assert.ok(file.endsWith(`-${String(metadata.seed)}.png`), `${file} is named by its seed ${String(metadata.seed)}`);
      seeds.add(metadata.seed as number);
    }
    assert.deepEqual([...seeds].sort(), [1234, 1235], 'one seed per image, so each can be made again');
  });

  it('picks a random seed when none is given, and records every saved image in the history', async () => {
    const api = await extensionApi();
    const result = await generate({ prompt: 'a quiet harbour', wait: true });
    const core = await api.whenCoreReady();
    const entry = core.history().find((item) => item.generationId === result.generationIds[0]);
    assert.ok(entry, 'history entry');
    assert.equal(entry.file, result.files![0]);
    assert.equal(entry.prompt, 'a quiet harbour');
    assert.equal(typeof entry.params.seed, 'number');
    assert.match(entry.file, new RegExp(`a-quiet-harbour-${String(entry.params.seed)}\\.png$`));
  });
});
