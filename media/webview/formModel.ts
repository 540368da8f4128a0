import type { Draft, DraftValue, FieldDescriptor, ImageRefDraft, ModelSummary } from '../../src/ui/sidebar/protocol';
import { t } from './strings';

/**
 * Model schema → form: which control each parameter gets, which are shown at first and which go
 * under "More options", and how the raw text the user typed becomes a parameter value (or an
 * error message, as they type). Pure: no DOM, so it is unit-tested directly. The host validates
 * again with the model's schema (validateParameters) before anything is sent.
 */

export type FieldKind =
  | 'prompt'
  | 'textarea'
  | 'text'
  | 'url'
  | 'select'
  | 'segmented'
  | 'aspect'
  | 'creativity'
  | 'seed'
  | 'range'
  | 'number'
  | 'checkbox'
  | 'styleRefs'
  | 'list'
  | 'json';

export interface FieldSpec {
  field: FieldDescriptor;
  kind: FieldKind;
  /** Shown without opening "More options". */
  basic: boolean;
  /** Accepts images: offers "pick / drop a workspace image" (uploaded for a URL). */
  acceptsImages: boolean;
}

export interface FormLayout {
  basic: FieldSpec[];
  more: FieldSpec[];
}

const MAX_SEED = 2 ** 31 - 1;
export const STYLE_REFERENCE_LIMIT = 10;
export const DEFAULT_STRENGTH = 1;
/** Controls with a dedicated, compact widget: shown up front even when the schema's `basic` omits them. */
const PROMOTED_KINDS = new Set<FieldKind>(['prompt', 'aspect', 'creativity', 'seed', 'styleRefs']);

export function parseRatio(value: string | number): { width: number; height: number } | undefined {
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(String(value));
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

function isImageName(name: string): boolean {
  return /image|mask|reference/i.test(name);
}

export function kindOf(field: FieldDescriptor): FieldKind {
  const { name, type } = field;
  if (name === 'prompt' && type === 'string') return 'prompt';
  if (type === 'array') {
    if (/style_reference/.test(name)) return 'styleRefs';
    return field.itemType === undefined || field.itemType === 'string' ? 'list' : 'json';
  }
  if (field.enumValues) {
    if (name === 'aspect_ratio' && field.enumValues.filter((value) => parseRatio(value)).length >= 2) return 'aspect';
    if (name === 'creativity' && field.enumValues.length <= 6) return 'creativity';
    const short = field.enumValues.every((value) => String(value).length <= 10);
    return field.enumValues.length <= 4 && short ? 'segmented' : 'select';
  }
  switch (type) {
    case 'boolean':
      return 'checkbox';
    case 'integer':
      if (name === 'seed') return 'seed';
      return field.minimum !== undefined && field.maximum !== undefined ? 'range' : 'number';
    case 'number':
      return field.minimum !== undefined && field.maximum !== undefined ? 'range' : 'number';
    case 'object':
      return 'json';
    case 'string':
      if (field.format === 'uri' || /_url$|^url$/.test(name) || (isImageName(name) && /input/.test(name))) return 'url';
      return /prompt/.test(name) ? 'textarea' : 'text';
  }
}

/** The form of a model: schema order, "basic" fields (plus the dedicated controls) first. */
export function layoutForm(fields: readonly FieldDescriptor[]): FormLayout {
  const specs = [...fields]
    .sort((a, b) => a.order - b.order)
    .map((field): FieldSpec => {
      const kind = kindOf(field);
      return {
        field,
        kind,
        basic: field.basic || field.required || PROMOTED_KINDS.has(kind),
        acceptsImages: kind === 'styleRefs' || ((kind === 'list' || kind === 'url') && isImageName(field.name)),
      };
    });
  return { basic: specs.filter((spec) => spec.basic), more: specs.filter((spec) => !spec.basic) };
}

export function maxItemsOf(spec: FieldSpec): number {
  if (spec.kind === 'styleRefs') return Math.min(spec.field.maxItems ?? STYLE_REFERENCE_LIMIT, STYLE_REFERENCE_LIMIT);
  return spec.field.maxItems ?? 20;
}

/** The value a fresh form starts with: the schema default, else empty (the model's own default applies). */
export function initialValue(spec: FieldSpec): DraftValue {
  const fallback = spec.field.defaultValue;
  switch (spec.kind) {
    case 'checkbox':
      return fallback === true;
    case 'styleRefs':
      return [] as ImageRefDraft[];
    case 'list':
      return [] as string[];
    case 'json':
      return fallback === undefined ? '' : JSON.stringify(fallback);
    case 'aspect':
      return fallback !== undefined ? String(fallback) : String(spec.field.enumValues?.[0] ?? '');
    default:
      return fallback === undefined || fallback === null ? '' : String(fallback);
  }
}

export type FieldResult = { ok: true; value: unknown } | { ok: false; error: string };

const UNSET: FieldResult = { ok: true, value: undefined };

function urlError(text: string, allowData: boolean): string | undefined {
  if (allowData && /^data:image\/(png|jpeg|webp);base64,/i.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return t('Enter a full URL (https://…)');
  }
  return url.protocol === 'https:' || url.protocol === 'http:' ? undefined : t('Only http(s) URLs can be fetched by the model');
}

function numberResult(spec: FieldSpec, raw: string): FieldResult {
  const text = raw.trim();
  if (text === '') return spec.field.required ? { ok: false, error: t('Required') } : UNSET;
  const value = Number(text);
  if (!Number.isFinite(value) || !/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) return { ok: false, error: t('Enter a number') };
  if (spec.field.type === 'integer' && !Number.isSafeInteger(value)) return { ok: false, error: t('Enter a whole number') };
  if (spec.field.minimum !== undefined && value < spec.field.minimum) return { ok: false, error: t('Must be at least {0}', spec.field.minimum) };
  if (spec.field.maximum !== undefined && value > spec.field.maximum) return { ok: false, error: t('Must be at most {0}', spec.field.maximum) };
  return { ok: true, value };
}

/**
 * Checks one field as typed and gives its wire value (undefined: leave it out, the model's
 * default applies). The seed has its own control and is read with `seedParam`.
 */
export function fieldResult(spec: FieldSpec, raw: DraftValue | undefined, options: { allowDataUris: boolean }): FieldResult {
  const { field } = spec;
  const value = raw ?? initialValue(spec);
  switch (spec.kind) {
    case 'prompt':
    case 'textarea':
    case 'text': {
      const text = typeof value === 'string' ? value : '';
      if (text.trim() === '') return field.required ? { ok: false, error: spec.kind === 'prompt' ? t('Describe the image to generate') : t('Required') } : UNSET;
      return { ok: true, value: text };
    }
    case 'url': {
      const text = typeof value === 'string' ? value.trim() : '';
      if (text === '') return field.required ? { ok: false, error: t('Required') } : UNSET;
      const error = urlError(text, options.allowDataUris);
      return error ? { ok: false, error } : { ok: true, value: text };
    }
    case 'select':
    case 'segmented':
    case 'aspect':
    case 'creativity': {
      const text = typeof value === 'string' ? value : '';
      if (text === '') return field.required ? { ok: false, error: t('Required') } : UNSET;
      const match = field.enumValues?.find((option) => String(option) === text);
      return match === undefined ? { ok: false, error: t('Choose one of the listed values') } : { ok: true, value: match };
    }
    case 'checkbox':
      return { ok: true, value: value === true };
    case 'range':
    case 'number':
    case 'seed':
      return numberResult(spec, typeof value === 'string' ? value : '');
    case 'styleRefs': {
      const refs = Array.isArray(value) ? (value as ImageRefDraft[]).filter((ref) => typeof ref === 'object') : [];
      if (refs.length > maxItemsOf(spec)) return { ok: false, error: t('At most {0} style references', maxItemsOf(spec)) };
      for (const [index, ref] of refs.entries()) {
        const error = urlError(ref.url.trim(), options.allowDataUris);
        if (error) return { ok: false, error: t('Reference {0}: {1}', index + 1, error) };
        if (ref.strength !== undefined && (!Number.isFinite(ref.strength) || ref.strength < -2 || ref.strength > 2)) {
          return { ok: false, error: t('Reference {0}: strength must be between -2 and 2', index + 1) };
        }
      }
      if (refs.length === 0) return field.required ? { ok: false, error: t('Required') } : UNSET;
      return { ok: true, value: refs.map((ref) => ({ url: ref.url.trim(), strength: ref.strength ?? DEFAULT_STRENGTH })) };
    }
    case 'list': {
      const items = (Array.isArray(value) ? (value as unknown[]) : []).filter((item): item is string => typeof item === 'string');
      const filled = items.map((item) => item.trim()).filter((item) => item !== '');
      if (filled.length > maxItemsOf(spec)) return { ok: false, error: t('At most {0} items', maxItemsOf(spec)) };
      if (spec.acceptsImages) {
        for (const [index, item] of filled.entries()) {
          const error = urlError(item, options.allowDataUris);
          if (error) return { ok: false, error: t('Item {0}: {1}', index + 1, error) };
        }
      }
      if (filled.length === 0) return field.required ? { ok: false, error: t('Required') } : UNSET;
      return { ok: true, value: filled };
    }
    case 'json': {
      const text = typeof value === 'string' ? value.trim() : '';
      if (text === '') return field.required ? { ok: false, error: t('Required') } : UNSET;
      try {
        const parsed: unknown = JSON.parse(text);
        const wanted = field.type === 'array' ? Array.isArray(parsed) : typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
        return wanted ? { ok: true, value: parsed } : { ok: false, error: field.type === 'array' ? t('Enter a JSON array') : t('Enter a JSON object') };
      } catch {
        return { ok: false, error: t('Enter valid JSON') };
      }
    }
  }
}

export function randomSeed(field: FieldDescriptor | undefined, random: () => number = secureRandom): number {
  const min = Math.max(0, Math.ceil(field?.minimum ?? 0));
  const max = Math.min(MAX_SEED, Math.floor(field?.maximum ?? MAX_SEED));
  return min + Math.floor(random() * (max - min + 1));
}

function secureRandom(): number {
  const values = new Uint32Array(1);
  globalThis.crypto.getRandomValues(values);
  return values[0]! / 2 ** 32;
}

export interface BuiltParams {
  ok: boolean;
  prompt: string;
  params: Record<string, unknown>;
  errors: Record<string, string>;
  /** The seed these parameters use (a fresh one unless the seed is locked). */
  seed: number | undefined;
}

/** The whole form → the generate request, with every field's error (empty when it can be sent). */
export function buildParams(model: ModelSummary, draft: Draft, options: { allowDataUris: boolean; random?: () => number }): BuiltParams {
  const layout = layoutForm(model.fields);
  const errors: Record<string, string> = {};
  const params: Record<string, unknown> = {};
  let prompt = '';
  let seed: number | undefined;
  for (const spec of [...layout.basic, ...layout.more]) {
    const name = spec.field.name;
    if (spec.kind === 'seed') {
      if (draft.seed.locked) {
        const result = fieldResult(spec, draft.seed.value, options);
        if (!result.ok) errors[name] = result.error;
        else if (result.value === undefined) errors[name] = t('Enter a seed or unlock it');
        else seed = result.value as number;
      } else {
        seed = randomSeed(spec.field, options.random);
      }
      if (seed !== undefined) params[name] = seed;
      continue;
    }
    const result = fieldResult(spec, draft.values[name], options);
    if (!result.ok) errors[name] = result.error;
    else if (result.value !== undefined) {
      if (spec.kind === 'prompt') prompt = result.value as string;
      else params[name] = result.value;
    }
  }
  if (!layout.basic.some((spec) => spec.kind === 'prompt')) {
    const text = typeof draft.values.prompt === 'string' ? draft.values.prompt : '';
    if (text.trim() === '') errors.prompt = t('Describe the image to generate');
    prompt = text;
  }
  return { ok: Object.keys(errors).length === 0, prompt, params, errors, seed };
}

function refFrom(item: unknown): ImageRefDraft | undefined {
  if (typeof item === 'string') return { url: item, strength: DEFAULT_STRENGTH };
  if (typeof item !== 'object' || item === null) return undefined;
  const record = item as Record<string, unknown>;
  const url = typeof record.url === 'string' ? record.url : typeof record.image_url === 'string' ? record.image_url : undefined;
  if (!url) return undefined;
  const strength = typeof record.strength === 'number' && Number.isFinite(record.strength) ? record.strength : DEFAULT_STRENGTH;
  return { url, strength };
}

/**
 * Parameters as sent (history, a failed generation) → form values: "load into form", "Edit &
 * retry". A seed comes back locked, so re-running gives the same image.
 */
export function draftFromParams(model: ModelSummary, prompt: string, params: Record<string, unknown>, base: Draft): Draft {
  const layout = layoutForm(model.fields);
  const values: Record<string, DraftValue> = { prompt };
  let seed = { locked: false, value: '' };
  for (const spec of [...layout.basic, ...layout.more]) {
    const name = spec.field.name;
    const value = params[name];
    if (value === undefined || value === null || spec.kind === 'prompt') continue;
    switch (spec.kind) {
      case 'seed':
        if (typeof value === 'number') seed = { locked: true, value: String(value) };
        break;
      case 'checkbox':
        values[name] = value === true;
        break;
      case 'styleRefs':
        values[name] = Array.isArray(value) ? value.map(refFrom).filter((ref): ref is ImageRefDraft => ref !== undefined) : [];
        break;
      case 'list':
        values[name] = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
        break;
      case 'json':
        values[name] = JSON.stringify(value);
        break;
      default:
        values[name] = String(value);
    }
  }
  return { ...base, model: model.id, values, seed, updatedAt: Date.now() };
}

export function emptyDraft(model: string): Draft {
  return { model, values: {}, count: 1, seed: { locked: false, value: '' }, moreOpen: false, updatedAt: 0 };
}

/** "$0.12 (2 × $0.06)", or undefined when the model publishes no price. */
export function priceLine(model: ModelSummary | undefined, count: number): string | undefined {
  if (!model || model.pricePerImage === undefined) return undefined;
  const format = (amount: number) => `$${amount.toFixed(amount < 0.1 ? 3 : 2).replace(/(\.\d\d)0$/, '$1')}`;
  return count === 1 ? format(model.pricePerImage) : t('{0} ({1} × {2})', format(model.pricePerImage * count), count, format(model.pricePerImage));
}

/** One line on what each creativity step does (Krea 2 Large's four steps). */
export function creativityHint(value: string): string {
  switch (value) {
    case 'raw':
      return t('Raw: follows the prompt literally, with no added styling.');
    case 'low':
      return t('Low: stays close to the prompt with light polish.');
    case 'medium':
      return t('Medium: balanced; some creative freedom.');
    case 'high':
      return t('High: takes liberties; expect surprises.');
    default:
      return '';
  }
}

/** Image-output models, Krea 2 Large first, then by display name. */
export function orderModels<T extends { id: string; displayName: string }>(models: readonly T[], preferred: string): T[] {
  return [...models].sort((a, b) => {
    const rank = (model: T) => (model.id === 'krea-v2-large-text-to-image' ? 0 : model.id === preferred ? 1 : 2);
    return rank(a) - rank(b) || a.displayName.localeCompare(b.displayName);
  });
}
