import { z } from 'zod';
import type { ParameterSchemaWire } from './schemas';

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

/** One model parameter, as a form or a quick pick needs it. */
export interface ParameterDescriptor {
  name: string;
  type: ParameterType;
  title: string;
  description: string | undefined;
  enumValues: ReadonlyArray<string | number> | undefined;
  defaultValue: unknown;
  minimum: number | undefined;
  maximum: number | undefined;
  maxItems: number | undefined;
  itemType: ParameterType | undefined;
  renderType: string | undefined;
  order: number;
  /** Shown by default (required, or listed in the schema's `basic`); the rest go under "More options". */
  basic: boolean;
  required: boolean;
}

export interface ParameterIssue {
  field: string;
  message: string;
}

export type ParameterValidation =
  | { ok: true; params: Record<string, unknown> }
  | { ok: false; issues: ParameterIssue[] };

/**
 * Limits Oxen documents in prose but not in the schema: the Krea page says "at most 10" style
 * references while its schema has no `maxItems`.
 */
const DOCUMENTED_LIMITS: Record<string, Record<string, { maxItems?: number }>> = {
  'krea-v2-large-text-to-image': { image_style_references: { maxItems: 10 } },
};

const STRENGTH_RANGE = { min: -2, max: 2 };

const TYPES: readonly ParameterType[] = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

function asType(value: unknown): ParameterType | undefined {
  return TYPES.find((type) => type === value);
}

function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function titleFrom(name: string): string {
  const words = name.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Turns a model's `request_schema` / `json_request_schema` into ordered descriptors. */
export function describeParameters(modelId: string, schema: ParameterSchemaWire | undefined): ParameterDescriptor[] {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const basic = new Set(schema?.basic ?? []);
  const limits = DOCUMENTED_LIMITS[modelId] ?? {};
  const descriptors = Object.entries(properties).map(([name, raw], index): ParameterDescriptor => {
    const property = raw as Record<string, unknown>;
    const items = (property.items ?? {}) as Record<string, unknown>;
    const enumValues = Array.isArray(property.enum)
      ? property.enum.filter((value): value is string | number => typeof value === 'string' || typeof value === 'number')
      : undefined;
    return {
      name,
      type: asType(property.type) ?? 'string',
      title: asText(property.title) ?? titleFrom(name),
      description: asText(property.description),
      enumValues: enumValues && enumValues.length > 0 ? enumValues : undefined,
      defaultValue: property.default,
      minimum: asNumber(property.minimum),
      maximum: asNumber(property.maximum),
      maxItems: asNumber(property.maxItems) ?? limits[name]?.maxItems,
      itemType: asType(items.type),
      renderType: asText(property.renderType) ?? asText(items.renderType),
      order: asNumber(property['x-order']) ?? 1000 + index,
      basic: required.has(name) || basic.has(name),
      required: required.has(name),
    };
  });
  return descriptors.sort((a, b) => a.order - b.order);
}

/** A style reference as the user gives it; how it goes on the wire depends on the model's schema. */
export interface StyleReference {
  url: string;
  strength?: number;
}

const styleReferenceSchema = z.union([
  z.string().url(),
  z.strictObject({ url: z.string().url(), strength: z.number().min(STRENGTH_RANGE.min).max(STRENGTH_RANGE.max).optional() }),
  z.strictObject({ image_url: z.string().url(), strength: z.number().min(STRENGTH_RANGE.min).max(STRENGTH_RANGE.max).optional() }),
]);

function styleReferenceFrom(value: z.infer<typeof styleReferenceSchema>): StyleReference {
  if (typeof value === 'string') return { url: value };
  return { url: 'url' in value ? value.url : value.image_url, strength: value.strength };
}

/**
 * Style references on the wire: plain URL strings when the schema's items are strings, otherwise
 * fal's `{image_url, strength}` objects (the most likely shape; oxen-api.md §12).
 */
export function styleReferencesForWire(references: readonly StyleReference[], itemType: ParameterType | undefined): unknown[] {
  if (itemType === 'string') return references.map((reference) => reference.url);
  return references.map((reference) =>
    reference.strength === undefined ? { image_url: reference.url } : { image_url: reference.url, strength: reference.strength },
  );
}

function isStyleReferenceList(descriptor: ParameterDescriptor): boolean {
  return descriptor.type === 'array' && /style_reference/.test(descriptor.name);
}

function fieldSchema(descriptor: ParameterDescriptor): z.ZodType {
  if (descriptor.enumValues) {
    const allowed = descriptor.enumValues;
    return z.union([z.string(), z.number()]).refine((value) => allowed.includes(value), {
      message: `must be one of ${allowed.join(', ')}`,
    });
  }
  switch (descriptor.type) {
    case 'integer':
    case 'number': {
      let schema = descriptor.type === 'integer' ? z.number().int().refine(Number.isSafeInteger, 'is too large') : z.number();
      if (descriptor.minimum !== undefined) schema = schema.refine((n) => n >= descriptor.minimum!, `must be at least ${descriptor.minimum}`);
      if (descriptor.maximum !== undefined) schema = schema.refine((n) => n <= descriptor.maximum!, `must be at most ${descriptor.maximum}`);
      return schema;
    }
    case 'boolean':
      return z.boolean();
    case 'array': {
      const item = isStyleReferenceList(descriptor)
        ? styleReferenceSchema
        : descriptor.itemType === 'string'
          ? z.string()
          : z.unknown();
      const list = z.array(item);
      return descriptor.maxItems === undefined ? list : list.max(descriptor.maxItems, `allows at most ${descriptor.maxItems} items`);
    }
    case 'object':
      return z.record(z.string(), z.unknown());
    case 'string':
      return z.string();
  }
}

/**
 * Checks parameters against the model's schema before anything is enqueued: Oxen itself only
 * validates when the generation runs, which would turn a typo into a failed, possibly billed job.
 * Returns the parameters ready for the wire (style references in the schema's item shape).
 */
export function validateParameters(
  descriptors: readonly ParameterDescriptor[],
  params: Record<string, unknown>,
): ParameterValidation {
  const issues: ParameterIssue[] = [];
  const byName = new Map(descriptors.map((descriptor) => [descriptor.name, descriptor]));
  const output: Record<string, unknown> = {};
  if (descriptors.length > 0) {
    for (const name of Object.keys(params)) {
      if (!byName.has(name)) issues.push({ field: name, message: 'is not a parameter of this model' });
    }
  }
  for (const descriptor of descriptors) {
    const value = params[descriptor.name];
    if (value === undefined || value === null || value === '') {
      if (descriptor.required) issues.push({ field: descriptor.name, message: 'is required' });
      continue;
    }
    const result = fieldSchema(descriptor).safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` (item ${issue.path.join('.')})` : '';
      issues.push({ field: descriptor.name, message: `${issue?.message ?? 'is invalid'}${where}` });
      continue;
    }
    output[descriptor.name] = isStyleReferenceList(descriptor)
      ? styleReferencesForWire((result.data as Array<z.infer<typeof styleReferenceSchema>>).map(styleReferenceFrom), descriptor.itemType)
      : result.data;
  }
  if (descriptors.length === 0) Object.assign(output, params);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, params: output };
}

const NUMBER_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function valueFromText(descriptor: ParameterDescriptor | undefined, text: string): unknown {
  const number = NUMBER_TEXT.test(text) ? Number(text) : undefined;
  if (!descriptor) return text;
  if (descriptor.enumValues) return number !== undefined && descriptor.enumValues.includes(number) ? number : text;
  switch (descriptor.type) {
    case 'integer':
    case 'number':
      return number ?? text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'array':
      return descriptor.itemType === 'string' ? text.split(',') : text;
    default:
      return text;
  }
}

/**
 * Parameters written as text (a prompt link's query) read by the model's schema: numbers,
 * booleans, numeric enum values and comma-separated string lists become what the schema wants.
 * Text that does not fit stays text, so `validateParameters` names the parameter that is wrong.
 */
export function parametersFromText(descriptors: readonly ParameterDescriptor[], textParams: Record<string, string>): Record<string, unknown> {
  const byName = new Map(descriptors.map((descriptor) => [descriptor.name, descriptor]));
  return Object.fromEntries(Object.entries(textParams).map(([name, text]) => [name, valueFromText(byName.get(name), text)]));
}
