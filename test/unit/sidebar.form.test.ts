import * as assert from 'node:assert/strict';
import fixtures from '../emulator/fixtures/oxen-models.json';
import { normalizeModel } from '../../src/oxen/client';
import { describeParameters, validateParameters } from '../../src/oxen/modelParameters';
import { modelSchema } from '../../src/oxen/schemas';
import { modelSummaries } from '../../src/ui/sidebar/models';
import type { Draft, ModelSummary } from '../../src/ui/sidebar/protocol';
import {
  buildParams,
  draftFromParams,
  emptyDraft,
  fieldResult,
  layoutForm,
  orderModels,
  priceLine,
  type FieldSpec,
} from '../../media/webview/formModel';

const ALL = modelSummaries(
  fixtures.data.map((wire) => {
    const model = normalizeModel(modelSchema.parse(wire));
    return model.id === 'krea-v2-large-text-to-image' ? { ...model, pricePerImage: 0.06 } : model;
  }),
);

function model(id: string): ModelSummary {
  const found = ALL.find((candidate) => candidate.id === id);
  assert.ok(found, id);
  return found;
}

function kinds(id: string): { basic: string[]; more: string[] } {
  const layout = layoutForm(model(id).fields);
  const show = (spec: FieldSpec) => `${spec.field.name}:${spec.kind}`;
  return { basic: layout.basic.map(show), more: layout.more.map(show) };
}

function spec(id: string, name: string): FieldSpec {
  const layout = layoutForm(model(id).fields);
  const found = [...layout.basic, ...layout.more].find((candidate) => candidate.field.name === name);
  assert.ok(found, `${id}.${name}`);
  return found;
}

function draftFor(id: string, values: Draft['values'], extra: Partial<Draft> = {}): Draft {
  return { ...emptyDraft(id), values, ...extra };
}

/** The host validates again with the model's own schema: what the form sends must pass it. */
function hostAccepts(id: string, prompt: string, params: Record<string, unknown>): void {
  const wire = fixtures.data.find((candidate) => candidate.id === id)!;
  const info = normalizeModel(modelSchema.parse(wire));
  const result = validateParameters(describeParameters(info.id, info.parameterSchema), { ...params, prompt });
  assert.ok(result.ok, `${id}: ${JSON.stringify(result)}`);
}

describe('sidebar: model schema → form', () => {
  it('lists image-output models only, Krea 2 Large first', () => {
    const ordered = orderModels(ALL, 'krea-v2-large-text-to-image');
    assert.equal(ordered[0]!.id, 'krea-v2-large-text-to-image');
    assert.equal(ordered.length, 12);
    const withText = modelSummaries([
      ...fixtures.data.slice(0, 1).map((wire) => normalizeModel(modelSchema.parse(wire))),
      { id: 'chat', displayName: 'Chat', summary: undefined, description: undefined, inputs: ['text'], outputs: ['text'], pricePerImage: undefined, parameterSchema: undefined },
    ]);
    assert.deepEqual(withText.map((summary) => summary.id), ['krea-v2-large-text-to-image']);
  });

  it('Krea 2 Large: prompt, style references, aspect-ratio shapes, four-step creativity and seed up front', () => {
    assert.deepEqual(kinds('krea-v2-large-text-to-image'), {
      basic: ['prompt:prompt', 'image_style_references:styleRefs', 'aspect_ratio:aspect', 'creativity:creativity', 'seed:seed'],
      more: [],
    });
    const aspect = spec('krea-v2-large-text-to-image', 'aspect_ratio');
    assert.deepEqual(aspect.field.enumValues, ['1:1', '4:3', '3:2', '16:9', '2.35:1', '4:5', '2:3', '9:16'], 'the eight shapes');
    assert.equal(spec('krea-v2-large-text-to-image', 'image_style_references').field.maxItems, 10);
    assert.equal(spec('krea-v2-large-text-to-image', 'image_style_references').acceptsImages, true);
    assert.equal(priceLine(model('krea-v2-large-text-to-image'), 1), '$0.06');
    assert.equal(priceLine(model('krea-v2-large-text-to-image'), 3), '$0.18 (3 × $0.06)');
    assert.equal(priceLine(model('flux-2-pro'), 2), undefined, 'no price published: no line');
  });

  it('FLUX.2 [pro]: ranged numbers as sliders, enums, a boolean and an image-URL list under More options', () => {
    assert.deepEqual(kinds('flux-2-pro'), {
      basic: ['prompt:prompt', 'input_image:list', 'aspect_ratio:aspect', 'seed:seed'],
      more: [
        'resolution:segmented',
        'num_inference_steps:range',
        'guidance:range',
        'output_format:segmented',
        'output_quality:range',
        'disable_safety_checker:checkbox',
      ],
    });
    assert.equal(spec('flux-2-pro', 'input_image').acceptsImages, true);
  });

  it('Qwen Image Edit: a required single image URL; Ideogram v4: long enums as selects and an unbounded integer', () => {
    assert.deepEqual(kinds('qwen-image-edit'), { basic: ['prompt:prompt', 'input_image:url', 'aspect_ratio:aspect'], more: [] });
    assert.equal(spec('qwen-image-edit', 'input_image').field.required, true);
    assert.deepEqual(kinds('ideogram-v4'), {
      basic: ['prompt:prompt', 'seed:seed'],
      more: [
        'image_size:select',
        'rendering_speed:segmented',
        'expansion_model:segmented',
        'acceleration:segmented',
        'num_images:number',
        'enable_safety_checker:checkbox',
        'output_format:segmented',
      ],
    });
    assert.deepEqual(kinds('gpt-image-1-5').basic, ['prompt:prompt', 'input_image:list']);
    assert.deepEqual(kinds('qwen-image').basic, ['prompt:prompt', 'aspect_ratio:aspect', 'seed:seed']);
    assert.ok(kinds('qwen-image').more.includes('negative_prompt:textarea'));
  });

  it('every fixture model: the defaults of a fresh form with a prompt are accepted by the host validator', () => {
    for (const summary of ALL) {
      const values: Draft['values'] = { prompt: 'a cat' };
      if (summary.id === 'qwen-image-edit') values.input_image = 'https://example.com/cat.png';
      const built = buildParams(summary, draftFor(summary.id, values), { allowDataUris: false, random: () => 0.5 });
      assert.ok(built.ok, `${summary.id}: ${JSON.stringify(built.errors)}`);
      assert.equal(built.prompt, 'a cat');
      hostAccepts(summary.id, built.prompt, built.params);
    }
  });

  it('Krea: style references with strength go out in a shape the host validator accepts, and come back into the form', () => {
    const krea = model('krea-v2-large-text-to-image');
    const draft = draftFor(
      krea.id,
      {
        prompt: 'lighthouse',
        aspect_ratio: '16:9',
        creativity: 'raw',
        image_style_references: [{ url: 'https://hub.oxen.ai/a.png', strength: 0.5, label: 'a.png' }, { url: 'https://x.test/b.jpg' }],
      },
      { seed: { locked: true, value: '77' }, count: 3 },
    );
    const built = buildParams(krea, draft, { allowDataUris: false });
    assert.ok(built.ok, JSON.stringify(built.errors));
    assert.deepEqual(built.params, {
      image_style_references: [
        { url: 'https://hub.oxen.ai/a.png', strength: 0.5 },
        { url: 'https://x.test/b.jpg', strength: 1 },
      ],
      aspect_ratio: '16:9',
      creativity: 'raw',
      seed: 77,
    });
    hostAccepts(krea.id, built.prompt, built.params);
    // As the journal / history keeps them (the wire shape), loaded back: the seed comes back locked.
    const wire = { aspect_ratio: '16:9', creativity: 'raw', seed: 77, image_style_references: [{ image_url: 'https://hub.oxen.ai/a.png', strength: 0.5 }] };
    const loaded = draftFromParams(krea, 'lighthouse', wire, emptyDraft(krea.id));
    assert.deepEqual(loaded.seed, { locked: true, value: '77' });
    assert.deepEqual(loaded.values.image_style_references, [{ url: 'https://hub.oxen.ai/a.png', strength: 0.5 }]);
    assert.equal(loaded.values.prompt, 'lighthouse');
  });

  it('an unlocked seed is fresh for every request, within the schema limits', () => {
    const krea = model('krea-v2-large-text-to-image');
    const seeds = new Set(Array.from({ length: 20 }, () => buildParams(krea, draftFor(krea.id, { prompt: 'x' }), { allowDataUris: false }).seed));
    assert.ok(seeds.size > 15);
    for (const seed of seeds) assert.ok(Number.isSafeInteger(seed) && seed! >= 0 && seed! <= 2 ** 31 - 1);
  });

  it('validates as the user types, with the schema limits', () => {
    const options = { allowDataUris: false };
    const steps = spec('flux-2-pro', 'num_inference_steps');
    assert.deepEqual(fieldResult(steps, '70', options), { ok: false, error: 'Must be at most 50' });
    assert.deepEqual(fieldResult(steps, '0', options), { ok: false, error: 'Must be at least 1' });
    assert.deepEqual(fieldResult(steps, '2.5', options), { ok: false, error: 'Enter a whole number' });
    assert.deepEqual(fieldResult(steps, '12abc', options), { ok: false, error: 'Enter a number' });
    assert.deepEqual(fieldResult(steps, 'NaN', options), { ok: false, error: 'Enter a number' });
    assert.deepEqual(fieldResult(steps, '', options), { ok: true, value: undefined }, 'empty: the model default applies');
    assert.deepEqual(fieldResult(steps, ' 30 ', options), { ok: true, value: 30 });
    const guidance = spec('flux-2-pro', 'guidance');
    assert.deepEqual(fieldResult(guidance, '2.5', options), { ok: true, value: 2.5 });
    const prompt = spec('krea-v2-large-text-to-image', 'prompt');
    assert.equal(fieldResult(prompt, '   ', options).ok, false);
    const refs = spec('krea-v2-large-text-to-image', 'image_style_references');
    const eleven = Array.from({ length: 11 }, (_, i) => ({ url: `https://x.test/${i}.png` }));
    assert.deepEqual(fieldResult(refs, eleven, options), { ok: false, error: 'At most 10 style references' });
    assert.equal(fieldResult(refs, [{ url: 'javascript:alert(1)' }], options).ok, false);
    assert.equal(fieldResult(refs, [{ url: 'file:///etc/passwd' }], options).ok, false);
    assert.equal(fieldResult(refs, [{ url: 'data:image/png;base64,AAAA' }], options).ok, false, 'data: only behind its setting');
    assert.equal(fieldResult(refs, [{ url: 'data:image/png;base64,AAAA' }], { allowDataUris: true }).ok, true);
    assert.equal(fieldResult(refs, [{ url: 'https://x.test/a.png', strength: 3 }], options).ok, false);
    const url = spec('qwen-image-edit', 'input_image');
    assert.deepEqual(fieldResult(url, '', options), { ok: false, error: 'Required' });
    assert.deepEqual(fieldResult(url, 'not a url', options), { ok: false, error: 'Enter a full URL (https://…)' });
    const aspect = spec('krea-v2-large-text-to-image', 'aspect_ratio');
    assert.deepEqual(fieldResult(aspect, '7:3', options), { ok: false, error: 'Choose one of the listed values' });
    const built = buildParams(model('flux-2-pro'), draftFor('flux-2-pro', { prompt: '', num_inference_steps: '99' }), options);
    assert.equal(built.ok, false);
    assert.deepEqual(Object.keys(built.errors).sort(), ['num_inference_steps', 'prompt']);
    const locked = buildParams(model('z-image-turbo'), draftFor('z-image-turbo', { prompt: 'x' }, { seed: { locked: true, value: '' } }), options);
    assert.deepEqual(locked.errors, { seed: 'Enter a seed or unlock it' });
  });
});
