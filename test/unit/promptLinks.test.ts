import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { markdownImageLink, normalizeAltText } from '../../src/assets/markdownLink';
import { describeParameters, parametersFromText } from '../../src/oxen/modelParameters';
import { findPromptLinks, inFlightDestination, type PromptLink } from '../../src/ui/documents/promptLinks';

const md = new MarkdownIt({ html: true, linkify: true });
const TOKEN = '0123456789abcdef0123456789abcdef';

/** The one link in `text`, with the fields a table compares. */
function only(text: string): Pick<PromptLink, 'prompt' | 'model' | 'count' | 'params' | 'issues' | 'inFlightToken'> {
  const links = findPromptLinks(text);
  assert.equal(links.length, 1, `one link in ${JSON.stringify(text)}`);
  const { prompt, model, count, params, issues, inFlightToken } = links[0]!;
  return { prompt, model, count, params, issues, inFlightToken };
}

/** The images markdown-it (with VS Code's preview options) sees: alt text and decoded src. */
function markdownItImages(text: string): Array<{ alt: string; src: string }> {
  return md
    .parse(text, {})
    .filter((token) => token.type === 'inline')
    .flatMap((inline) => inline.children ?? [])
    .filter((token) => token.type === 'image')
    .map((image) => ({ alt: md.renderer.renderInlineAsText(image.children!, md.options, {}), src: String(image.attrGet('src')) }));
}

describe('ui/documents/promptLinks', () => {
  it('reads prompt, model, count and parameters (table)', () => {
    const cases: Array<[string, Partial<ReturnType<typeof only>>]> = [
      ['![a fox in the snow](oxen:generate)', { prompt: 'a fox in the snow', params: {}, model: undefined, count: undefined }],
      ['![a fox](oxen:generate?aspect_ratio=16:9&seed=7)', { prompt: 'a fox', params: { aspect_ratio: '16:9', seed: '7' } }],
      ['![a fox](oxen:generate?model=flux-dev&count=3&creativity=high)', { model: 'flux-dev', count: 3, params: { creativity: 'high' } }],
      ['![a \\[bracketed\\] fox](oxen:generate)', { prompt: 'a [bracketed] fox' }],
      ['![back\\\\slash and \\*stars\\*](oxen:generate)', { prompt: 'back\\slash and *stars*' }],
      ['![a\\qb](oxen:generate)', { prompt: 'a\\qb' }],
      ['![x](oxen:generate?style=a%20b%26c%3Dd&)', { params: { style: 'a b&c=d' } }],
      ['![x](oxen:generate?flag)', { params: { flag: '' } }],
      [`![x](${inFlightDestination(TOKEN)}?seed=1)`, { inFlightToken: TOKEN, params: { seed: '1' } }],
      ['![x](oxen:generate?__proto__=1)', { params: Object.fromEntries([['__proto__', '1']]) }],
    ];
    for (const [text, expected] of cases) {
      const link = only(text);
      for (const [field, value] of Object.entries(expected)) assert.deepEqual(link[field as keyof typeof link], value, `${field} of ${text}`);
      assert.deepEqual(link.issues, [], text);
    }
  });

  it('says what is wrong with a link instead of guessing (table)', () => {
    const cases: Array<[string, PromptLink['issues']]> = [
      ['![  ](oxen:generate)', [{ kind: 'emptyPrompt' }]],
      ['![x](oxen:generate?seed=%zz)', [{ kind: 'badEncoding', text: 'seed=%zz' }]],
      ['![x](oxen:generate?=1)', [{ kind: 'emptyName' }]],
      ['![x](oxen:generate?seed=1&seed=2)', [{ kind: 'duplicate', name: 'seed' }]],
      ['![x](oxen:generate?prompt=y)', [{ kind: 'reserved', name: 'prompt' }]],
      ['![x](oxen:generate?num_generations=2)', [{ kind: 'reserved', name: 'num_generations' }]],
      ['![x](oxen:generate?model=)', [{ kind: 'emptyModel' }]],
      ['![x](oxen:generate?count=0)', [{ kind: 'badCount', text: '0' }]],
      ['![x](oxen:generate?count=two)', [{ kind: 'badCount', text: 'two' }]],
    ];
    for (const [text, issues] of cases) assert.deepEqual(only(text).issues, issues, text);
  });

  it('finds links in document order with exact offsets, and none in code or escaped (table)', () => {
    const text = [
      '# Title',
      'Intro ![one](oxen:generate) and ![two](oxen:generate?seed=2).',
      '```md',
      '![in a fence](oxen:generate)',
      '```',
      'Inline `![in code](oxen:generate)` stays, \\![escaped](oxen:generate) too.',
      '    ~~~',
      '![three](oxen:generate)',
      '![not ours](images/fox.png) ![nor this](oxen:generated) ![nor [nested]](oxen:generate) ![x](oxen:generate "title")',
      '~~~~',
      '![in a tilde fence](oxen:generate)',
      '~~~~',
      '![four](oxen:generate)',
    ].join('\n');
    const links = findPromptLinks(text);
    assert.deepEqual(
      links.map((link) => link.prompt),
      ['one', 'two', 'three', 'four'],
    );
    for (const link of links) {
      assert.match(text.slice(link.start, link.end), /^!\[[a-z]+\]\(oxen:generate[^)]*\)$/);
      assert.equal(text.slice(link.markStart, link.markEnd), 'oxen:generate');
    }
  });

  it('SEC-13: any prompt written as an escaped alt text reads back as markdown-it reads it (fast-check)', () => {
    const prompt = fc.string({ unit: fc.oneof(fc.constantFrom(...'[]\\`*_~<>&|$!():/?#%'), fc.string({ minLength: 1, maxLength: 1 }), fc.constantFrom('é', '🦊')), minLength: 1, maxLength: 60 });
    const value = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(prompt, fc.dictionary(fc.constantFrom('aspect_ratio', 'creativity', 'seed', 'style'), value), (raw, params) => {
        fc.pre(normalizeAltText(raw) !== '');
        // The escaping of every inserted link (SEC-13), with the prompt-link destination.
        const label = markdownImageLink(raw, 'x.png').replace(/\(x\.png\)$/, '');
        const query = Object.entries(params)
          .map(([name, text]) => `${name}=${encodeURIComponent(text).replace(/[()!'*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`)
          .join('&');
        const text = `Before ${label}(oxen:generate${query ? `?${query}` : ''}) after`;
        const ours = only(text);
        assert.equal(ours.prompt, normalizeAltText(raw));
        assert.deepEqual(ours.params, Object.fromEntries(Object.entries(params)));
        const images = markdownItImages(text);
        assert.equal(images.length, 1, text);
        assert.equal(images[0]!.alt, ours.prompt, `markdown-it's alt text of ${text}`);
        assert.ok(images[0]!.src.startsWith('oxen:generate'));
      }),
      { numRuns: 500 },
    );
  });

  it('marking a link in flight and undoing the mark gives back the same text (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (before, after) => {
        fc.pre(!before.includes('oxen:') && !after.includes('oxen:'));
        const text = `${before}\n![a fox](oxen:generate?seed=3)\n${after}`;
        const [link] = findPromptLinks(text);
        fc.pre(link !== undefined);
        const marked = text.slice(0, link!.markStart) + inFlightDestination(TOKEN) + text.slice(link!.markEnd);
        const [inFlight] = findPromptLinks(marked);
        assert.equal(inFlight?.inFlightToken, TOKEN);
        assert.deepEqual(inFlight?.params, { seed: '3' });
        assert.equal(marked.slice(0, inFlight!.markStart) + 'oxen:generate' + marked.slice(inFlight!.markEnd), text);
      }),
    );
  });
});

describe('oxen/modelParameters parametersFromText', () => {
  const descriptors = describeParameters('m', {
    properties: {
      prompt: { type: 'string' },
      seed: { type: 'integer' },
      guidance: { type: 'number' },
      tiled: { type: 'boolean' },
      steps: { enum: [10, 20] },
      aspect_ratio: { type: 'string', enum: ['1:1', '16:9'] },
      tags: { type: 'array', items: { type: 'string' } },
    },
  });

  it('reads text by the schema and leaves what does not fit as text (table)', () => {
    assert.deepEqual(
      parametersFromText(descriptors, { seed: '42', guidance: '3.5', tiled: 'true', steps: '20', aspect_ratio: '16:9', tags: 'a,b', other: '7' }),
      { seed: 42, guidance: 3.5, tiled: true, steps: 20, aspect_ratio: '16:9', tags: ['a', 'b'], other: '7' },
    );
    assert.deepEqual(parametersFromText(descriptors, { seed: 'x', tiled: 'yes', steps: '15' }), { seed: 'x', tiled: 'yes', steps: '15' });
  });
});
