import { strict as assert } from 'node:assert';
import { describeParams, paramsWithoutPrompt, parseEmbeddedRecord } from '../../src/assets/generationRecord';
import { injectPngText, PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import { metadataFor } from '../../src/generation/resultSaver';
import type { GenerationEntry, SubmissionRecord } from '../../src/generation/journal';
import { encodePng } from '../emulator/png';

describe('generation records (recall, issue 5)', () => {
  it('reads back what resultSaver embeds in every PNG', async () => {
    const submission = { model: 'krea-v2', params: { prompt: 'a fox', seed: 7, aspect_ratio: '16:9' }, createdAt: Date.parse('2026-01-02T03:04:05Z') } as unknown as SubmissionRecord;
    const text = JSON.stringify(metadataFor(submission, { id: 'gen-1' } as GenerationEntry));
    const chunks: Uint8Array[] = [];
    async function* source(): AsyncGenerator<Uint8Array> {
      yield encodePng(2, 2, new Uint8Array(12));
    }
    for await (const chunk of injectPngText(source(), PNG_TEXT_KEYWORD, text)) chunks.push(chunk);
    const embedded = readPngText(Buffer.concat(chunks)).get(PNG_TEXT_KEYWORD);
    assert.deepEqual(parseEmbeddedRecord(embedded!), {
      generationId: 'gen-1',
      model: 'krea-v2',
      prompt: 'a fox',
      params: { prompt: 'a fox', seed: 7, aspect_ratio: '16:9' },
      created: '2026-01-02T03:04:05.000Z',
      source: 'embedded',
    });
  });

  it('takes anything else for no record: foreign text, JSON of another shape', () => {
    for (const text of ['', 'not json', '[]', 'null', '{"model":"m","prompt":"p"}', '{"model":1,"prompt":"p","params":{}}', '{"model":"m","prompt":"p","params":[]}']) {
      assert.equal(parseEmbeddedRecord(text), undefined, text);
    }
  });

  it('describes parameters without the prompt, sorted, values as compact JSON', () => {
    assert.deepEqual(describeParams({ prompt: 'p', seed: 3, aspect_ratio: '1:1', refs: [{ url: 'u' }] }), [
      ['aspect_ratio', '1:1'],
      ['refs', '[{"url":"u"}]'],
      ['seed', '3'],
    ]);
    assert.deepEqual(paramsWithoutPrompt({ prompt: 'p', seed: 1 }), { seed: 1 });
  });
});
