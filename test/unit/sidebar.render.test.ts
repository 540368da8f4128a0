import * as assert from 'node:assert/strict';
import fixtures from '../emulator/fixtures/oxen-models.json';
import { normalizeModel } from '../../src/oxen/client';
import { modelSchema } from '../../src/oxen/schemas';
import { modelSummaries } from '../../src/ui/sidebar/models';
import type { GalleryPage, ModelSummary } from '../../src/ui/sidebar/protocol';
import { baseSnapshot, flush, mountStudio, type StudioHarness } from './support/sidebarDom';

const XSS = '"><img src=x onerror=alert(1)>';
const MODELS = modelSummaries(fixtures.data.map((wire) => normalizeModel(modelSchema.parse(wire)))).map((model) =>
  model.id === 'krea-v2-large-text-to-image' ? { ...model, pricePerImage: 0.06 } : model,
);

function hostileModels(): ModelSummary[] {
  return MODELS.map((model, index) =>
    index === 0
      ? {
          ...model,
          displayName: `Krea ${XSS}`,
          summary: `Summary ${XSS}`,
          description: `Description ${XSS}`,
          fields: model.fields.map((field) => ({ ...field, title: `${field.title} ${XSS}`, description: `${field.description ?? ''} ${XSS}` })),
        }
      : model,
  );
}

function page(items: number, filter = ''): GalleryPage {
  return {
    query: { filter, groupBy: 'none', offset: 0, limit: 60 },
    total: items,
    all: items,
    groups: [],
    items: Array.from({ length: Math.min(items, 60) }, (_, index) => ({
      id: `g${index}`,
      model: 'krea-v2-large-text-to-image',
      prompt: `prompt ${index} ${XSS}`,
      file: `assets/${XSS}-${index}.png`,
      fileName: `${XSS}-${index}.png`,
      created: new Date(2026, 0, 1, 0, index).toISOString(),
      seed: index,
      group: '',
      thumbnail: index === 1 ? undefined : `https://file+.vscode-resource.vscode-cdn.net/thumbs/${index}.png`,
      missing: index === 2,
    })),
  };
}

/** No element the payload could have created, and no event-handler attribute anywhere. */
function assertInert(harness: StudioHarness): void {
  const { document } = harness;
  assert.equal(document.querySelectorAll('img[src="x"]').length, 0, 'the payload created no <img>');
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.getAttributeNames()) {
      assert.doesNotMatch(attribute, /^on/i, `${element.tagName} has ${attribute}`);
    }
  }
  assert.equal(document.querySelectorAll('script, iframe, object, embed').length, 0);
}

describe('sidebar webview rendering (SEC-08, jsdom)', () => {
  let harness: StudioHarness;
  afterEach(() => harness?.close());

  it('says ready first, then renders the snapshot', () => {
    harness = mountStudio();
    assert.deepEqual(harness.posted[0], { type: 'ready' });
    harness.send({ type: 'snapshot', snapshot: baseSnapshot({ models: MODELS }) });
    assert.ok(harness.document.querySelector('textarea[data-field="prompt"]'));
    assert.equal(harness.document.querySelectorAll('.aspect-picker [role="radio"]').length, 8);
  });

  it('renders prompts, file names, server errors and model descriptions containing markup as text', async () => {
    harness = mountStudio();
    harness.answerGallery(() => page(3));
    harness.send({
      type: 'snapshot',
      snapshot: baseSnapshot({
        models: hostileModels(),
        draft: {
          model: 'krea-v2-large-text-to-image',
          values: { prompt: `cat ${XSS}`, image_style_references: [{ url: 'https://x.test/a.png', strength: 1, label: `ref ${XSS}.png` }] },
          count: 1,
          seed: { locked: false, value: '' },
          moreOpen: false,
          updatedAt: 1,
        },
        queue: [{ id: 'q1', generationId: 'q1', model: `m ${XSS}`, prompt: `queued ${XSS}`, state: 'processing', createdAt: Date.now() }],
        failures: [{ id: 'f1', model: 'flux-2-pro', prompt: `failed ${XSS}`, params: {}, message: `Oxen said: ${XSS}`, at: Date.now() }],
      }),
    });
    await flush();
    await flush();
    const text = harness.document.body.textContent ?? '';
    for (const expected of [`Krea ${XSS}`, `Summary ${XSS}`, `queued ${XSS}`, `failed ${XSS}`, `Oxen said: ${XSS}`, `ref ${XSS}.png`, `prompt 0 ${XSS}`]) {
      assert.ok(text.includes(expected), `shows "${expected}" literally`);
    }
    assert.equal((harness.document.querySelector('textarea[data-field="prompt"]') as HTMLTextAreaElement).value, `cat ${XSS}`);
    const tileTitles = [...harness.document.querySelectorAll('.tile-open')].map((button) => button.getAttribute('aria-label'));
    assert.ok(tileTitles.some((label) => label?.includes(XSS)), 'file names in labels, as attribute text');
    // A server error as the models error, and as the answer to a request.
    harness.send({ type: 'models', models: [], error: `Bad key ${XSS}`, loading: false });
    assert.ok((harness.document.body.textContent ?? '').includes(`Bad key ${XSS}`));
    assertInert(harness);
  });

  it('shows a refused generation as text in the form', async () => {
    harness = mountStudio();
    harness.answerGallery(() => page(0));
    harness.send({ type: 'snapshot', snapshot: baseSnapshot({ models: MODELS }) });
    const prompt = harness.document.querySelector('textarea[data-field="prompt"]') as HTMLTextAreaElement;
    prompt.value = 'a cat';
    prompt.dispatchEvent(new harness.dom.window.Event('input', { bubbles: true }));
    (harness.document.querySelector('button.generate') as HTMLButtonElement).click();
    const request = harness.posted.find((message) => message.type === 'generate')!;
    harness.send({ type: 'response', requestId: request.requestId as number, ok: false, error: `Oxen refused: ${XSS}` });
    await flush();
    assert.ok((harness.document.querySelector('.form-error')?.textContent ?? '').includes(`Oxen refused: ${XSS}`));
    assertInert(harness);
  });
});

describe('sidebar webview behaviour (jsdom)', () => {
  let harness: StudioHarness;
  afterEach(() => harness?.close());

  function start(): StudioHarness {
    harness = mountStudio();
    harness.answerGallery((query) => ({ ...page(0), query }));
    harness.send({ type: 'snapshot', snapshot: baseSnapshot({ models: MODELS }) });
    return harness;
  }

  function input(selector: string, value: string): void {
    const element = harness.document.querySelector(selector) as HTMLInputElement;
    element.value = value;
    element.dispatchEvent(new harness.dom.window.Event('input', { bubbles: true }));
  }

  it('Ctrl+Enter generates with the picked aspect ratio, creativity, count and a seed', async () => {
    start();
    input('textarea[data-field="prompt"]', 'a lighthouse');
    (harness.document.querySelector('.aspect-picker [data-value="9:16"]') as HTMLButtonElement).click();
    (harness.document.querySelector('.steps [data-value="high"]') as HTMLButtonElement).click();
    const countButtons = [...harness.document.querySelectorAll('[role="radiogroup"][aria-label="Number of images"] [role="radio"]')] as HTMLButtonElement[];
    countButtons[1]!.click();
    assert.equal(harness.document.querySelector('.price')?.textContent, 'Estimated cost: $0.12 (2 × $0.06)');
    const prompt = harness.document.querySelector('textarea[data-field="prompt"]')!;
    prompt.dispatchEvent(new harness.dom.window.KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    const request = harness.posted.find((message) => message.type === 'generate') as Record<string, any>;
    assert.ok(request, 'generate was sent');
    assert.equal(request.model, 'krea-v2-large-text-to-image');
    assert.equal(request.prompt, 'a lighthouse');
    assert.equal(request.count, 2);
    assert.equal(request.params.aspect_ratio, '9:16');
    assert.equal(request.params.creativity, 'high');
    assert.equal(typeof request.params.seed, 'number');
    harness.send({ type: 'response', requestId: request.requestId, ok: true, value: { generationIds: ['a', 'b'] } });
    await flush();
    assert.equal(harness.app.draft.lastSeed, request.params.seed, 'reuse-last knows the seed');
  });

  it('validates as the user types and blocks Generate on errors', () => {
    start();
    const select = harness.document.querySelector('select[data-field="__model"]') as HTMLSelectElement;
    select.value = 'flux-2-pro';
    select.dispatchEvent(new harness.dom.window.Event('change', { bubbles: true }));
    input('[data-field="num_inference_steps"]', '70');
    const frame = harness.document.querySelector('[data-field-frame="num_inference_steps"]')!;
    assert.equal(frame.querySelector('.field-error')?.textContent, 'Must be at most 50');
    assert.equal(frame.querySelector('[data-field="num_inference_steps"]')?.getAttribute('aria-invalid'), 'true');
    (harness.document.querySelector('button.generate') as HTMLButtonElement).click();
    assert.equal(harness.posted.filter((message) => message.type === 'generate').length, 0);
    input('[data-field="num_inference_steps"]', '40');
    assert.equal(frame.querySelector('.field-error')?.hasAttribute('hidden'), true);
  });

  it('keeps the draft in getState at once and sends it to the host (survives hide/show and restarts)', async () => {
    start();
    input('textarea[data-field="prompt"]', 'keep me');
    const state = harness.state() as { draft: { values: { prompt: string } } };
    assert.equal(state.draft.values.prompt, 'keep me');
    await flush();
    const sent = harness.posted.filter((message) => message.type === 'draftChanged').pop() as Record<string, any>;
    assert.equal(sent.draft.values.prompt, 'keep me');
    harness.close();
    // "Hidden and shown again": a new webview with the saved state; a newer local draft wins over the host's.
    harness = mountStudio(state);
    harness.answerGallery(() => page(0));
    harness.send({ type: 'snapshot', snapshot: baseSnapshot({ models: MODELS, draft: { ...sent.draft, values: { prompt: 'older' }, updatedAt: 0 } }) });
    assert.equal((harness.document.querySelector('textarea[data-field="prompt"]') as HTMLTextAreaElement).value, 'keep me');
    harness.close();
    // "Restarted": no webview state, the host's snapshot brings the draft back.
    harness = mountStudio();
    harness.answerGallery(() => page(0));
    harness.send({ type: 'snapshot', snapshot: baseSnapshot({ models: MODELS, draft: sent.draft }) });
    assert.equal((harness.document.querySelector('textarea[data-field="prompt"]') as HTMLTextAreaElement).value, 'keep me');
  });

  it('queue: cancel posts the id; a failure offers Edit & retry, which loads its parameters', () => {
    start();
    harness.send({
      type: 'queue',
      queue: [{ id: 'gen-1', generationId: 'gen-1', model: 'krea-v2-large-text-to-image', prompt: 'p', state: 'queued', createdAt: Date.now() - 5000 }],
      failures: [{ id: 'gen-0', model: 'krea-v2-large-text-to-image', prompt: 'retry me', params: { aspect_ratio: '4:5', seed: 9 }, message: 'boom', at: 1 }],
    });
    assert.match(harness.document.querySelector('.elapsed')?.textContent ?? '', /^0:0[45]$/);
    (harness.document.querySelector('.queue-item .icon-button') as HTMLButtonElement).click();
    assert.deepEqual(harness.posted.pop(), { type: 'cancel', id: 'gen-1' });
    const retry = [...harness.document.querySelectorAll('.queue-actions button')].find((button) => button.textContent === 'Edit & retry') as HTMLButtonElement;
    retry.click();
    assert.equal((harness.document.querySelector('textarea[data-field="prompt"]') as HTMLTextAreaElement).value, 'retry me');
    assert.equal(harness.document.querySelector('.aspect-picker [aria-checked="true"]')?.getAttribute('data-value'), '4:5');
    assert.equal((harness.document.querySelector('[data-field="seed"]') as HTMLInputElement).value, '9');
  });

  it('is keyboard reachable: radio groups move with arrow keys, menus open and close with the keyboard', async () => {
    start();
    harness.answerGallery((query) => ({ ...page(5), query }));
    harness.send({ type: 'galleryChanged' });
    await flush();
    await flush();
    const checked = harness.document.querySelector('.aspect-picker [aria-checked="true"]') as HTMLButtonElement;
    assert.equal(checked.tabIndex, 0);
    checked.dispatchEvent(new harness.dom.window.KeyboardEvent('keydown', { key: 'ArrowRight', bubbles: true }));
    const next = harness.document.querySelector('.aspect-picker [aria-checked="true"]') as HTMLButtonElement;
    assert.equal(next.getAttribute('data-value'), '4:3');
    assert.equal(harness.document.activeElement, next);
    const more = harness.document.querySelector('.tile [aria-haspopup="menu"]') as HTMLButtonElement;
    more.click();
    const menu = harness.document.querySelector('[role="menu"]')!;
    assert.ok(menu);
    assert.equal(harness.document.activeElement?.getAttribute('role'), 'menuitem');
    assert.equal(menu.querySelectorAll('[role="menuitem"]').length, 9);
    menu.dispatchEvent(new harness.dom.window.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    assert.equal(harness.document.querySelector('[role="menu"]'), null);
    assert.equal(harness.document.activeElement, more, 'focus returns to the button');
    for (const button of harness.document.querySelectorAll('button')) {
      const name = button.getAttribute('aria-label') ?? button.textContent?.trim();
      assert.ok(name, `every button has an accessible name: ${button.outerHTML.slice(0, 80)}`);
    }
  });
});
