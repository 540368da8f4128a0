import type { DraftValue, ImageRefDraft, ModelSummary } from '../../src/ui/sidebar/protocol';
import type { StudioApp } from './app';
import { fieldFrame, radioGroup, type FieldFrame } from './controls';
import { button, h, icon, iconButton, replaceChildren, uniqueId } from './dom';
import {
  buildParams,
  creativityHint,
  DEFAULT_STRENGTH,
  initialValue,
  layoutForm,
  maxItemsOf,
  parseRatio,
  priceLine,
  randomSeed,
  type BuiltParams,
  type FieldSpec,
} from './formModel';
import { t } from './strings';

const COUNTS = ['1', '2', '3', '4'];
const SHAPE_BOX = 18;

function isMac(view: Window | null): boolean {
  return /Mac|iPhone|iPad/.test(view?.navigator.platform ?? '');
}

function shortUrl(url: string): string {
  if (url.startsWith('data:')) return t('Embedded image');
  try {
    const parsed = new URL(url);
    const last = parsed.pathname.split('/').filter(Boolean).pop() ?? '';
    return `${parsed.host}${last ? ` … ${decodeURIComponent(last)}` : ''}`;
  } catch {
    return url;
  }
}

/** Drops from the Explorer (Shift+drag into a webview) carry file URIs; from a browser, URLs. */
function droppedUris(event: DragEvent): string[] {
  const data = event.dataTransfer;
  if (!data) return [];
  const list = data.getData('text/uri-list') || data.getData('application/vnd.code.uri-list') || data.getData('text/plain');
  return list
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .slice(0, 10);
}

/**
 * The form: model picker, the model's fields (dedicated controls for Krea's aspect ratio,
 * creativity, seed and style references), count, price and Generate. Re-rendered when the model,
 * the models or the settings change; otherwise updated in place as the user types.
 */
export class FormView {
  readonly element: HTMLElement;
  private readonly frames = new Map<string, FieldFrame>();
  private readonly touched = new Set<string>();
  private attempted = false;
  private submitting = false;
  private readonly status: HTMLElement;
  private readonly formError: HTMLElement;
  private readonly price: HTMLElement;
  private readonly generateButton: HTMLButtonElement;
  private readonly body: HTMLElement;

  constructor(private readonly app: StudioApp) {
    this.body = h('div', { class: 'form-body' });
    this.price = h('div', { class: 'price', attrs: { 'aria-live': 'polite' } });
    this.formError = h('div', { class: 'form-error', role: 'alert', hidden: true });
    this.status = h('div', { class: 'form-status', attrs: { 'aria-live': 'polite' } });
    this.generateButton = button(t('Generate'), () => void this.generate(), { icon: 'sparkle', props: { class: 'generate' } });
    this.element = h(
      'form',
      {
        class: 'studio-form',
        attrs: { 'aria-label': t('Image request'), novalidate: true },
        on: {
          submit: (event) => {
            event.preventDefault();
            void this.generate();
          },
          keydown: (event) => {
            if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
              event.preventDefault();
              void this.generate();
            }
          },
        },
      },
      this.body,
      h('div', { class: 'form-footer' }, this.price, this.generateButton, this.formError, this.status),
    );
  }

  focusPrompt(): void {
    this.element.querySelector<HTMLElement>('[data-field="prompt"]')?.focus();
  }

  render(): void {
    const focused = this.element.ownerDocument.activeElement as HTMLElement | null;
    const focusKey = focused && this.element.contains(focused) ? focused.getAttribute('data-field') : null;
    const selection = focused && 'selectionStart' in focused ? (focused as HTMLInputElement).selectionStart : null;
    this.frames.clear();
    const model = this.app.model();
    replaceChildren(this.body, this.modelPicker(model), ...(model ? this.fields(model) : this.app.modelsError ? [] : [this.modelPlaceholder()]));
    if (focusKey) {
      const again = Array.from(this.body.querySelectorAll<HTMLElement>('[data-field]')).find((element) => element.getAttribute('data-field') === focusKey);
      again?.focus();
      if (again && selection !== null && 'setSelectionRange' in again) (again as HTMLInputElement).setSelectionRange(selection, selection);
    }
    this.validate();
  }

  private modelPlaceholder(): HTMLElement {
    if (this.app.modelsLoading) return h('p', { class: 'muted' }, icon('loading', 'codicon-modifier-spin'), ' ', t('Loading models…'));
    return h('p', { class: 'muted' }, t('Choose a model to see its options.'));
  }

  private modelPicker(model: ModelSummary | undefined): HTMLElement {
    const id = uniqueId('model');
    const select = h('select', {
      id,
      attrs: { 'data-field': '__model' },
      on: {
        change: () => {
          this.touched.clear();
          this.attempted = false;
          this.app.updateDraft((draft) => ({ ...draft, model: select.value }), { rerender: true });
        },
      },
    });
    const models = this.app.models;
    if (models.length === 0) select.appendChild(h('option', { attrs: { value: this.app.draft.model } }, this.app.draft.model));
    for (const option of models) {
      select.appendChild(h('option', { attrs: { value: option.id, selected: option.id === this.app.draft.model } }, option.displayName));
    }
    select.value = this.app.draft.model;
    select.disabled = models.length === 0;
    const extra = h('div', {});
    if (this.app.modelsError) {
      extra.appendChild(
        h(
          'div',
          { class: 'notice error', role: 'alert' },
          icon('warning'),
          h('span', {}, this.app.modelsError),
          h(
            'span',
            { class: 'notice-actions' },
            button(t('Retry'), () => this.app.post({ type: 'refreshModels' }), { secondary: true }),
            button(t('Set API Key'), () => this.app.post({ type: 'command', command: 'setApiKey' }), { secondary: true }),
          ),
        ),
      );
    } else if (model?.summary || model?.description) {
      extra.appendChild(h('div', { class: 'field-description model-description', title: model.description ?? '' }, model.summary ?? model.description ?? ''));
    }
    const refresh = iconButton('refresh', t('Reload models'), () => this.app.post({ type: 'refreshModels' }));
    return fieldFrame(t('Model'), select, { forId: id, extra, labelExtra: refresh }).element;
  }

  private fields(model: ModelSummary): HTMLElement[] {
    const layout = layoutForm(model.fields);
    const nodes: HTMLElement[] = layout.basic.map((spec) => this.field(spec));
    nodes.push(this.countField());
    if (layout.more.length > 0) {
      const details = h(
        'details',
        { class: 'more-options', attrs: { open: this.app.draft.moreOpen } },
        h('summary', {}, icon('chevron-right', 'more-chevron'), h('span', {}, t('More options ({0})', layout.more.length))),
        ...layout.more.map((spec) => this.field(spec)),
      );
      details.addEventListener('toggle', () => {
        if (details.open !== this.app.draft.moreOpen) this.app.updateDraft((draft) => ({ ...draft, moreOpen: details.open }));
      });
      nodes.push(details);
    }
    return nodes;
  }

  private value(spec: FieldSpec): DraftValue {
    return this.app.draft.values[spec.field.name] ?? initialValue(spec);
  }

  private setValue(name: string, value: DraftValue, rerender = false): void {
    this.touched.add(name);
    this.app.updateDraft((draft) => ({ ...draft, values: { ...draft.values, [name]: value } }), { rerender });
    if (!rerender) this.validate();
  }

  private field(spec: FieldSpec): HTMLElement {
    const { field } = spec;
    const label = field.title;
    const description = field.description;
    const id = uniqueId(`field-${field.name}`);
    let frame: FieldFrame;
    switch (spec.kind) {
      case 'prompt':
      case 'textarea': {
        const area = h('textarea', {
          id,
          attrs: {
            'data-field': field.name,
            rows: spec.kind === 'prompt' ? 4 : 2,
            placeholder: spec.kind === 'prompt' ? t('A lighthouse on a cliff at dusk, watercolor') : undefined,
            maxlength: 10000,
          },
          on: { input: () => this.setValue(field.name, area.value) },
        });
        area.value = String(this.value(spec));
        const hint =
          spec.kind === 'prompt'
            ? h('div', { class: 'field-hint' }, t('{0} to generate', isMac(this.element.ownerDocument.defaultView) ? '⌘+Enter' : 'Ctrl+Enter'))
            : null;
        frame = fieldFrame(label, area, { forId: id, description: spec.kind === 'prompt' ? undefined : description, extra: hint });
        break;
      }
      case 'text':
      case 'url': {
        const input = h('input', {
          id,
          attrs: { type: spec.kind === 'url' ? 'url' : 'text', 'data-field': field.name, placeholder: spec.kind === 'url' ? 'https://…' : undefined },
          on: { input: () => this.setValue(field.name, input.value) },
        });
        input.value = String(this.value(spec));
        const row = h('div', { class: 'input-row' }, input);
        if (spec.acceptsImages) {
          row.appendChild(
            iconButton('folder-opened', t('Pick a workspace image'), () =>
              void this.pickImage(field.name, (ref) => {
                input.value = ref.url;
                this.setValue(field.name, ref.url);
              }),
            ),
          );
        }
        frame = fieldFrame(label, row, { forId: id, description });
        break;
      }
      case 'aspect':
        frame = this.aspectField(spec);
        break;
      case 'creativity': {
        const hint = h('div', { class: 'field-hint', attrs: { 'aria-live': 'polite' } }, creativityHint(String(this.value(spec))));
        const group = radioGroup(
          label,
          (field.enumValues ?? []).map((value) => ({ value: String(value), label: capitalize(String(value)) })),
          String(this.value(spec)),
          (value) => {
            hint.textContent = creativityHint(value);
            this.setValue(field.name, value);
          },
          'segmented steps',
        );
        frame = fieldFrame(label, group.element, { extra: hint });
        break;
      }
      case 'segmented': {
        const group = radioGroup(
          label,
          (field.enumValues ?? []).map((value) => ({ value: String(value), label: String(value) })),
          String(this.value(spec)),
          (value) => this.setValue(field.name, value),
        );
        frame = fieldFrame(label, group.element, { description });
        break;
      }
      case 'select': {
        const select = h('select', { id, attrs: { 'data-field': field.name }, on: { change: () => this.setValue(field.name, select.value) } });
        if (field.defaultValue === undefined && !field.required) select.appendChild(h('option', { attrs: { value: '' } }, t('Model default')));
        for (const option of field.enumValues ?? []) select.appendChild(h('option', { attrs: { value: String(option) } }, String(option)));
        select.value = String(this.value(spec));
        frame = fieldFrame(label, select, { forId: id, description });
        break;
      }
      case 'checkbox': {
        const box = h('input', {
          id,
          attrs: { type: 'checkbox', 'data-field': field.name },
          on: { change: () => this.setValue(field.name, box.checked) },
        });
        box.checked = this.value(spec) === true;
        const row = h('label', { class: 'checkbox-row', attrs: { for: id } }, box, h('span', {}, label));
        frame = fieldFrame('', row, { description });
        frame.element.classList.add('checkbox-field');
        break;
      }
      case 'range':
      case 'number':
        frame = this.numberField(spec, id);
        break;
      case 'seed':
        frame = this.seedField(spec, id);
        break;
      case 'styleRefs':
        frame = this.styleRefsField(spec);
        break;
      case 'list':
        frame = this.listField(spec);
        break;
      case 'json': {
        const area = h('textarea', {
          id,
          class: 'mono',
          attrs: { 'data-field': field.name, rows: 3, spellcheck: 'false' },
          on: { input: () => this.setValue(field.name, area.value) },
        });
        area.value = String(this.value(spec));
        frame = fieldFrame(label, area, { forId: id, description });
        break;
      }
    }
    frame.element.setAttribute('data-field-frame', field.name);
    if (field.required) frame.element.classList.add('required');
    this.frames.set(field.name, frame);
    return frame.element;
  }

  private aspectField(spec: FieldSpec): FieldFrame {
    const { field } = spec;
    const options = (field.enumValues ?? []).map((value) => {
      const text = String(value);
      const ratio = parseRatio(text);
      const shape = h('span', { class: 'shape', attrs: { 'aria-hidden': 'true' } });
      if (ratio) {
        const scale = SHAPE_BOX / Math.max(ratio.width, ratio.height);
        shape.style.width = `${Math.max(4, Math.round(ratio.width * scale))}px`;
        shape.style.height = `${Math.max(4, Math.round(ratio.height * scale))}px`;
      } else {
        shape.classList.add('shape-free');
      }
      const visual = h('span', { class: 'aspect-option' }, h('span', { class: 'shape-box' }, shape), h('span', { class: 'aspect-label' }, text.replace(/_/g, ' ')));
      return { value: text, label: t('Aspect ratio {0}', text), visual, title: text };
    });
    const group = radioGroup(field.title, options, String(this.value(spec)), (value) => this.setValue(field.name, value), 'aspect-picker');
    // Rows of equal length (8 shapes: 2 × 4 when narrow, one row when wide), never an orphan.
    const count = Math.max(1, options.length);
    group.element.style.setProperty('--columns', String(Math.ceil(count / Math.ceil(count / 4))));
    group.element.style.setProperty('--columns-wide', String(count <= 8 ? count : Math.ceil(count / Math.ceil(count / 8))));
    return fieldFrame(field.title, group.element);
  }

  private numberField(spec: FieldSpec, id: string): FieldFrame {
    const { field } = spec;
    const input = h('input', {
      id,
      class: 'number-input',
      attrs: {
        type: 'text',
        inputmode: field.type === 'integer' ? 'numeric' : 'decimal',
        'data-field': field.name,
        placeholder: field.defaultValue === undefined ? t('Model default') : String(field.defaultValue),
      },
    });
    input.value = String(this.value(spec));
    if (spec.kind !== 'range') {
      input.addEventListener('input', () => this.setValue(field.name, input.value));
      const range = field.minimum !== undefined ? t('Minimum {0}', field.minimum) : field.maximum !== undefined ? t('Maximum {0}', field.maximum) : undefined;
      return fieldFrame(field.title, input, { forId: id, description: [field.description, range].filter(Boolean).join(' · ') || undefined });
    }
    const step = field.type === 'integer' ? 1 : (field.maximum! - field.minimum!) / 100;
    const slider = h('input', {
      class: 'slider',
      attrs: { type: 'range', min: field.minimum, max: field.maximum, step, 'aria-label': field.title, tabindex: -1 },
    });
    const sync = () => {
      const numeric = Number(input.value);
      slider.value = input.value.trim() !== '' && Number.isFinite(numeric) ? String(numeric) : String(field.defaultValue ?? field.minimum);
    };
    sync();
    slider.addEventListener('input', () => {
      input.value = slider.value;
      this.setValue(field.name, slider.value);
    });
    input.addEventListener('input', () => {
      sync();
      this.setValue(field.name, input.value);
    });
    return fieldFrame(field.title, h('div', { class: 'range-row' }, slider, input), {
      forId: id,
      description: [field.description, t('{0} to {1}', field.minimum!, field.maximum!)].filter(Boolean).join(' · '),
    });
  }

  private seedField(spec: FieldSpec, id: string): FieldFrame {
    const { field } = spec;
    const seed = this.app.draft.seed;
    const input = h('input', {
      id,
      class: 'number-input seed-input',
      attrs: { type: 'text', inputmode: 'numeric', 'data-field': field.name, placeholder: seed.locked ? '' : t('Random each time') },
      on: {
        input: () => {
          this.touched.add(field.name);
          const value = input.value;
          this.app.updateDraft((draft) => ({ ...draft, seed: { locked: value.trim() !== '' || draft.seed.locked, value } }));
          lock.setAttribute('aria-pressed', String(this.app.draft.seed.locked));
          lock.firstElementChild!.className = `codicon codicon-${this.app.draft.seed.locked ? 'lock' : 'unlock'}`;
          this.validate();
        },
      },
    });
    input.value = seed.locked ? seed.value : '';
    const setSeed = (locked: boolean, value: string) => {
      this.touched.add(field.name);
      this.app.updateDraft((draft) => ({ ...draft, seed: { locked, value } }), { rerender: true });
    };
    const lock = iconButton(seed.locked ? 'lock' : 'unlock', seed.locked ? t('Unlock seed (random each time)') : t('Lock seed'), () => {
      const current = this.app.draft.seed;
      if (current.locked) setSeed(false, current.value);
      else setSeed(true, current.value.trim() || String(this.app.draft.lastSeed ?? randomSeed(field)));
    });
    lock.setAttribute('aria-pressed', String(seed.locked));
    const dice = iconButton('refresh', t('New random seed'), () => setSeed(true, String(randomSeed(field))));
    const last = this.app.draft.lastSeed;
    const reuse = iconButton('history', last === undefined ? t('Reuse last seed (none yet)') : t('Reuse last seed ({0})', last), () => {
      if (last !== undefined) setSeed(true, String(last));
    });
    reuse.disabled = last === undefined;
    const hint = h(
      'div',
      { class: 'field-hint' },
      seed.locked ? t('Locked: every image of a request uses this seed, then +1, +2…') : last === undefined ? t('A new seed for every request.') : t('Last seed: {0}', last),
    );
    return fieldFrame(field.title, h('div', { class: 'input-row' }, input, lock, dice, reuse), { forId: id, extra: hint });
  }

  private countField(): HTMLElement {
    const group = radioGroup(t('Number of images'), COUNTS.map((value) => ({ value, label: value })), String(this.app.draft.count), (value) => {
      this.app.updateDraft((draft) => ({ ...draft, count: Number(value) }));
      this.validate();
    });
    return fieldFrame(t('Images'), group.element).element;
  }

  private styleRefsField(spec: FieldSpec): FieldFrame {
    const { field } = spec;
    const refs = (this.value(spec) as ImageRefDraft[]).filter((ref) => typeof ref === 'object');
    const max = maxItemsOf(spec);
    const list = h('ul', { class: 'ref-list', attrs: { 'aria-label': field.title } });
    const update = (next: ImageRefDraft[], rerender: boolean) => this.setValue(field.name, next, rerender);
    refs.forEach((ref, index) => {
      const strengthId = uniqueId('strength');
      const output = h('output', { class: 'strength-value', attrs: { for: strengthId } }, formatStrength(ref.strength ?? DEFAULT_STRENGTH));
      const slider = h('input', {
        id: strengthId,
        class: 'slider',
        attrs: { type: 'range', min: -2, max: 2, step: 0.1, 'aria-label': t('Strength of reference {0}', index + 1) },
        on: {
          input: () => {
            output.textContent = formatStrength(Number(slider.value));
            update(refs.map((item, i) => (i === index ? { ...item, strength: Number(slider.value) } : item)), false);
          },
        },
      });
      slider.value = String(ref.strength ?? DEFAULT_STRENGTH);
      const name = ref.label ?? shortUrl(ref.url);
      list.appendChild(
        h(
          'li',
          { class: 'ref-item' },
          h('div', { class: 'ref-head' }, icon(ref.label ? 'file-media' : 'link'), h('span', { class: 'ref-name', title: ref.url.startsWith('data:') ? name : ref.url }, name), iconButton('close', t('Remove reference {0}', index + 1), () => update(refs.filter((_, i) => i !== index), true))),
          h('div', { class: 'ref-strength' }, h('label', { class: 'strength-label', attrs: { for: strengthId } }, t('Strength')), slider, output),
        ),
      );
    });
    const urlInput = h('input', {
      class: 'ref-url',
      attrs: { type: 'url', placeholder: t('Paste an image URL'), 'aria-label': t('Style reference URL'), 'data-field': `${field.name}__url` },
    });
    const add = () => {
      const url = urlInput.value.trim();
      if (url === '') return;
      update([...refs, { url, strength: DEFAULT_STRENGTH }], true);
    };
    urlInput.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        add();
      }
    });
    const full = refs.length >= max;
    urlInput.disabled = full;
    const addButton = iconButton('add', t('Add reference'), add);
    addButton.disabled = full;
    const pick = button(t('Workspace image…'), () => void this.pickImage(field.name), { secondary: true, icon: 'folder-opened' });
    pick.disabled = full;
    const zone = h(
      'div',
      { class: 'drop-zone' },
      h('div', { class: 'input-row' }, urlInput, addButton),
      h('div', { class: 'drop-row' }, pick, h('span', { class: 'drop-hint' }, t('or Shift+drop images here'))),
    );
    this.dropTarget(zone, field.name);
    const counter = h('span', { class: 'counter', attrs: { 'aria-label': t('{0} of {1} references', refs.length, max) } }, `${refs.length}/${max}`);
    const consent = this.app.settings.styleReferenceRepository
      ? t('Workspace images are uploaded to {0} so the model can fetch them.', this.app.settings.styleReferenceRepository)
      : undefined;
    return fieldFrame(field.title, h('div', { class: 'refs' }, list, zone), {
      description: field.description,
      labelExtra: counter,
      extra: consent ? h('div', { class: 'field-hint' }, icon('cloud-upload'), ' ', consent) : null,
    });
  }

  private listField(spec: FieldSpec): FieldFrame {
    const { field } = spec;
    const items = (this.value(spec) as string[]).filter((item) => typeof item === 'string');
    const max = maxItemsOf(spec);
    const rows = h('div', { class: 'list-items' });
    items.forEach((item, index) => {
      const input = h('input', {
        attrs: { type: spec.acceptsImages ? 'url' : 'text', 'aria-label': t('{0}, item {1}', field.title, index + 1), 'data-field': `${field.name}__${index}` },
        on: { input: () => this.setValue(field.name, items.map((value, i) => (i === index ? input.value : value))) },
      });
      input.value = item;
      rows.appendChild(h('div', { class: 'input-row' }, input, iconButton('close', t('Remove item {0}', index + 1), () => this.setValue(field.name, items.filter((_, i) => i !== index), true))));
    });
    const actions = h(
      'div',
      { class: 'drop-row' },
      button(t('Add'), () => this.setValue(field.name, [...items, ''], true), { secondary: true, icon: 'add', props: { attrs: { disabled: items.length >= max } } }),
      spec.acceptsImages ? button(t('Workspace image…'), () => void this.pickImage(field.name), { secondary: true, icon: 'folder-opened', props: { attrs: { disabled: items.length >= max } } }) : null,
    );
    const wrapper = h('div', { class: 'list-field' }, rows, actions);
    if (spec.acceptsImages) this.dropTarget(wrapper, field.name);
    return fieldFrame(field.title, wrapper, { description: field.description });
  }

  private dropTarget(zone: HTMLElement, fieldName: string): void {
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('dragging');
      for (const uri of droppedUris(event)) void this.addDropped(fieldName, uri);
    });
  }

  private async addDropped(fieldName: string, uri: string): Promise<void> {
    if (/^https?:\/\//i.test(uri)) {
      this.addRef(fieldName, { url: uri, strength: DEFAULT_STRENGTH });
      return;
    }
    this.setStatus(t('Preparing the image…'));
    try {
      this.addRef(fieldName, await this.app.request('dropImage', { uri }));
      this.setStatus('');
    } catch (error) {
      this.showFieldError(fieldName, (error as Error).message);
    }
  }

  private async pickImage(fieldName: string, onPicked?: (ref: ImageRefDraft) => void): Promise<void> {
    this.setStatus(t('Preparing the image…'));
    try {
      const ref = await this.app.request('pickImage', {});
      this.setStatus('');
      if (!ref) return;
      if (onPicked) onPicked(ref);
      else this.addRef(fieldName, ref);
    } catch (error) {
      this.setStatus('');
      this.showFieldError(fieldName, (error as Error).message);
    }
  }

  private addRef(fieldName: string, ref: ImageRefDraft): void {
    const model = this.app.model();
    const spec = model && layoutForm(model.fields).basic.concat(layoutForm(model.fields).more).find((candidate) => candidate.field.name === fieldName);
    if (!spec) return;
    const current = this.app.draft.values[fieldName];
    if (spec.kind === 'styleRefs') {
      const refs = Array.isArray(current) ? (current as ImageRefDraft[]) : [];
      if (refs.length >= maxItemsOf(spec)) return this.showFieldError(fieldName, t('At most {0} style references', maxItemsOf(spec)));
      this.setValue(fieldName, [...refs, { ...ref, strength: ref.strength ?? DEFAULT_STRENGTH }], true);
    } else if (spec.kind === 'list') {
      const items = (Array.isArray(current) ? (current as string[]) : []).filter((item) => typeof item === 'string' && item.trim() !== '');
      this.setValue(fieldName, [...items, ref.url], true);
    } else {
      this.setValue(fieldName, ref.url, true);
    }
  }

  private showFieldError(fieldName: string, message: string): void {
    this.frames.get(fieldName)?.setError(message);
  }

  private setStatus(text: string): void {
    this.status.textContent = text;
  }

  /** Errors of touched fields (all of them after a Generate attempt), the price and the button. */
  validate(): BuiltParams | undefined {
    const model = this.app.model();
    const draft = this.app.draft;
    const priceText = priceLine(model, draft.count);
    this.price.textContent = priceText ? t('Estimated cost: {0}', priceText) : '';
    this.price.hidden = !priceText;
    this.generateButton.disabled = !model || this.submitting || !this.app.settings.hasWorkspace;
    const label = this.submitting ? t('Submitting…') : draft.count > 1 ? t('Generate {0} images', draft.count) : t('Generate');
    (this.generateButton.lastChild as HTMLElement).textContent = label;
    if (!model) return undefined;
    const built = buildParams(model, draft, { allowDataUris: this.app.settings.allowDataUriStyleReferences });
    for (const [name, frame] of this.frames) {
      frame.setError(this.attempted || this.touched.has(name) ? built.errors[name] : undefined);
    }
    if (!this.app.settings.hasWorkspace) this.showFormError(t('Open a folder to generate images: they are saved into the workspace.'));
    return built;
  }

  private showFormError(message: string | undefined): void {
    this.formError.hidden = !message;
    replaceChildren(this.formError, message ? icon('error') : null, message ? h('span', {}, message) : null);
  }

  async generate(): Promise<void> {
    if (this.submitting) return;
    this.attempted = true;
    this.showFormError(undefined);
    const model = this.app.model();
    if (!model) return;
    const built = this.validate();
    if (!built) return;
    if (!built.ok) {
      const first = Object.keys(built.errors)[0]!;
      this.frames.get(first)?.element.querySelector<HTMLElement>('input, textarea, select, [role="radio"][tabindex="0"]')?.focus();
      this.setStatus(t('Check the highlighted fields.'));
      return;
    }
    this.submitting = true;
    this.validate();
    const count = this.app.draft.count;
    if (built.seed !== undefined) this.app.updateDraft((draft) => ({ ...draft, lastSeed: built.seed }));
    try {
      const result = await this.app.request('generate', { model: model.id, prompt: built.prompt, params: built.params, count });
      this.attempted = false;
      const queued = result.generationIds.length || count;
      this.setStatus(queued === 1 ? t('1 image queued.') : t('{0} images queued.', queued));
    } catch (error) {
      this.showFormError((error as Error).message);
      this.setStatus('');
    } finally {
      this.submitting = false;
      if (!this.app.draft.seed.locked) this.render();
      else this.validate();
    }
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function formatStrength(value: number): string {
  return (Math.round(value * 10) / 10).toFixed(1);
}
