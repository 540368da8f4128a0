import type { ParameterSchema, RequestSchema } from './models';

/**
 * Checks request parameters against a model's schema the way the provider behind Oxen would, and
 * describes the first problem found in words a user can act on. Keys the schema does not name pass
 * through untouched: the queue forwards every extra field to the model (oxen-api.md §3).
 */
export function findParameterProblem(schema: RequestSchema | null, params: Record<string, unknown>): string | null {
  if (schema === null) return null;
  for (const name of schema.required ?? []) {
    const problem = missingRequired(name, params[name]);
    if (problem) return problem;
  }
  for (const [name, value] of Object.entries(params)) {
    const rule = schema.properties[name];
    // null means "not set" for optional fields (the SPEC types e.g. seed as integer | null)
    if (rule === undefined || value === null || value === undefined) continue;
    const problem = name === 'image_style_references' ? styleReferencesProblem(value) : valueProblem(name, rule, value);
    if (problem) return problem;
  }
  return null;
}

function missingRequired(name: string, value: unknown): string | null {
  if (name === 'prompt') {
    return typeof value === 'string' && value.trim() !== '' ? null : 'Prompt cannot be empty';
  }
  return value === undefined || value === null ? `${name} is required` : null;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function valueProblem(name: string, rule: ParameterSchema, value: unknown): string | null {
  const typeProblem = wrongType(rule.type, value);
  if (typeProblem) return `${name} must be ${typeProblem} (got ${describe(value)})`;
  if (rule.enum && !rule.enum.includes(value)) {
    return `${name} must be one of ${rule.enum.join(', ')} (got ${describe(value)})`;
  }
  if (typeof value === 'number') {
    if (rule.minimum !== undefined && value < rule.minimum) return `${name} must be at least ${rule.minimum} (got ${value})`;
    if (rule.maximum !== undefined && value > rule.maximum) return `${name} must be at most ${rule.maximum} (got ${value})`;
  }
  if (rule.format === 'uri' && !isFetchableUrl(value)) return `${name} must be an http(s) URL (got ${describe(value)})`;
  if (Array.isArray(value) && rule.items?.type) {
    const index = value.findIndex((item) => wrongType(rule.items?.type, item) !== null);
    if (index >= 0) return `${name}[${index}] must be ${wrongType(rule.items.type, value[index])} (got ${describe(value[index])})`;
  }
  return null;
}

/** The expected type in words when `value` does not have JSON-Schema type `type`, else null. */
function wrongType(type: string | undefined, value: unknown): string | null {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? null : 'a string';
    case 'integer':
      return Number.isInteger(value) ? null : 'an integer';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'a number';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'true or false';
    case 'array':
      return Array.isArray(value) ? null : 'an array';
    case 'object':
      return isPlainObject(value) ? null : 'an object';
    default:
      return null;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFetchableUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const MAX_STYLE_REFERENCES = 10;
/** Krea's docs give strength as 0..1 in one place and -2..2 in another; accept the wider range. */
const STRENGTH_RANGE = { min: -2, max: 2 };

/**
 * Krea 2 Large's style references. The schema only says `array<object>`; the contract (§12) has
 * the emulator accept every plausible item shape: a URL string, {image_url, strength?} (fal) or
 * {url, strength?} (Krea native), at most 10 of them.
 */
function styleReferencesProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return `image_style_references must be an array (got ${describe(value)})`;
  if (value.length > MAX_STYLE_REFERENCES) {
    return `image_style_references accepts at most ${MAX_STYLE_REFERENCES} items (got ${value.length})`;
  }
  for (const [index, item] of value.entries()) {
    const problem = styleReferenceProblem(item);
    if (problem) return `image_style_references[${index}] ${problem}`;
  }
  return null;
}

function styleReferenceProblem(item: unknown): string | null {
  if (typeof item === 'string') return isFetchableUrl(item) ? null : `must be an http(s) URL (got ${describe(item)})`;
  const shapes = 'a URL string, {"image_url": URL, "strength"?: number} or {"url": URL, "strength"?: number}';
  if (!isPlainObject(item)) return `must be ${shapes} (got ${describe(item)})`;
  const { image_url: imageUrl, url, strength, ...unknown } = item;
  const extra = Object.keys(unknown);
  if (extra.length > 0) return `has unknown field(s) ${extra.join(', ')}; expected ${shapes}`;
  if ((imageUrl === undefined) === (url === undefined)) return `needs exactly one of "image_url" or "url"`;
  if (!isFetchableUrl(imageUrl ?? url)) return `must point to an http(s) URL (got ${describe(imageUrl ?? url)})`;
  if (strength === undefined) return null;
  const inRange = typeof strength === 'number' && strength >= STRENGTH_RANGE.min && strength <= STRENGTH_RANGE.max;
  return inRange ? null : `strength must be a number from ${STRENGTH_RANGE.min} to ${STRENGTH_RANGE.max} (got ${describe(strength)})`;
}
