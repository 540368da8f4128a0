import * as assert from 'node:assert/strict';
import fixtures from '../emulator/fixtures/oxen-models.json';
import { normalizeModel } from '../../src/oxen/client';
import { describeParameters, styleReferencesForWire, validateParameters } from '../../src/oxen/modelParameters';
import { modelSchema } from '../../src/oxen/schemas';

function descriptorsOf(id: string) {
  const wire = fixtures.data.find((model) => model.id === id);
  assert.ok(wire, `fixture ${id}`);
  const model = normalizeModel(modelSchema.parse(wire));
  return describeParameters(model.id, model.parameterSchema);
}

describe('model schema → parameter descriptors', () => {
  it('describes Krea 2 Large in schema order with enums, defaults and the documented 10-reference limit', () => {
    const descriptors = descriptorsOf('krea-v2-large-text-to-image');
    assert.deepEqual(
      descriptors.map((d) => d.name),
      ['prompt', 'image_style_references', 'aspect_ratio', 'creativity', 'seed'],
    );
    const byName = Object.fromEntries(descriptors.map((d) => [d.name, d]));
    assert.deepEqual(byName.aspect_ratio.enumValues, ['1:1', '4:3', '3:2', '16:9', '2.35:1', '4:5', '2:3', '9:16']);
    assert.equal(byName.aspect_ratio.defaultValue, '1:1');
    assert.deepEqual(byName.creativity.enumValues, ['raw', 'low', 'medium', 'high']);
    assert.equal(byName.creativity.defaultValue, 'medium');
    assert.equal(byName.seed.type, 'integer');
    assert.equal(byName.image_style_references.maxItems, 10);
    assert.equal(byName.image_style_references.itemType, 'object');
    assert.equal(byName.prompt.required, true);
    assert.equal(byName.prompt.basic, true);
    assert.equal(byName.image_style_references.basic, true);
    assert.equal(byName.creativity.basic, false);
  });

  it('describes models of other shapes: numeric ranges, booleans and image inputs', () => {
    for (const id of ['flux-2-pro', 'ideogram-v4', 'gpt-image-1-5', 'z-image-turbo']) {
      const descriptors = descriptorsOf(id);
      assert.ok(descriptors.length > 1, id);
      assert.equal(descriptors[0].name, 'prompt', `${id} starts with the prompt`);
      for (const descriptor of descriptors) {
        assert.ok(['string', 'integer', 'number', 'boolean', 'array', 'object'].includes(descriptor.type), `${id}.${descriptor.name}`);
      }
    }
    const flux = Object.fromEntries(descriptorsOf('flux-2-pro').map((d) => [d.name, d]));
    assert.equal(flux.disable_safety_checker.type, 'boolean');
    const numeric = Object.values(flux).filter((d) => d.minimum !== undefined || d.maximum !== undefined);
    assert.ok(numeric.length > 0, 'flux-2-pro has ranged numbers');
  });

  it('falls back to json_request_schema when request_schema is empty, and tolerates no schema', () => {
    const wire = { id: 'm', request_schema: null, json_request_schema: { properties: { prompt: { type: 'string' } }, required: ['prompt'] } };
    const model = normalizeModel(modelSchema.parse(wire));
    assert.deepEqual(describeParameters('m', model.parameterSchema).map((d) => d.name), ['prompt']);
    assert.deepEqual(describeParameters('m', undefined), []);
  });
});

describe('parameter validation before enqueue', () => {
  const krea = descriptorsOf('krea-v2-large-text-to-image');

  it('accepts valid Krea parameters and sends style references in the schema item shape', () => {
    const result = validateParameters(krea, {
      prompt: 'a fox',
      aspect_ratio: '16:9',
      creativity: 'low',
      seed: 42,
      image_style_references: ['https://example.com/a.png', { url: 'https://example.com/b.png', strength: 0.5 }],
    });
    assert.ok(result.ok);
    assert.deepEqual(result.params.image_style_references, [
      { image_url: 'https://example.com/a.png' },
      { image_url: 'https://example.com/b.png', strength: 0.5 },
    ]);
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['a bad aspect ratio', { prompt: 'x', aspect_ratio: '5:4' }, 'aspect_ratio'],
    ['a bad creativity', { prompt: 'x', creativity: 'wild' }, 'creativity'],
    ['a missing prompt', { aspect_ratio: '1:1' }, 'prompt'],
    ['an empty prompt', { prompt: '' }, 'prompt'],
    ['a fractional seed', { prompt: 'x', seed: 1.5 }, 'seed'],
    ['an unsafe seed', { prompt: 'x', seed: 2 ** 60 }, 'seed'],
    ['a string seed', { prompt: 'x', seed: '42' }, 'seed'],
    ['eleven style references', { prompt: 'x', image_style_references: Array(11).fill('https://e.com/a.png') }, 'image_style_references'],
    ['a non-URL style reference', { prompt: 'x', image_style_references: ['not a url'] }, 'image_style_references'],
    ['a strength out of range', { prompt: 'x', image_style_references: [{ url: 'https://e.com/a.png', strength: 9 }] }, 'image_style_references'],
    ['an unknown parameter', { prompt: 'x', aspect: '1:1' }, 'aspect'],
  ];
  for (const [what, params, field] of refusals) {
    it(`refuses ${what}, naming the field`, () => {
      const result = validateParameters(krea, params);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.issues.some((issue) => issue.field === field), JSON.stringify(result));
    });
  }

  it('checks numeric ranges from the schema', () => {
    const descriptors = describeParameters('m', {
      properties: { steps: { type: 'integer', minimum: 1, maximum: 50 }, prompt: { type: 'string' } },
    });
    assert.ok(validateParameters(descriptors, { prompt: 'x', steps: 50 }).ok);
    assert.equal(validateParameters(descriptors, { prompt: 'x', steps: 51 }).ok, false);
    assert.equal(validateParameters(descriptors, { prompt: 'x', steps: 0 }).ok, false);
  });

  it('sends plain URL strings when the schema says the items are strings', () => {
    assert.deepEqual(styleReferencesForWire([{ url: 'https://e.com/a.png', strength: 1 }], 'string'), ['https://e.com/a.png']);
  });
});
