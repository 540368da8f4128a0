import fixture from './fixtures/oxen-models.json';
import type { Variants } from './server';

/** One parameter of a model's JSON-Schema-like request schema (oxen-api.md §11). */
export interface ParameterSchema {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  format?: string;
  default?: unknown;
  items?: { type?: string };
}

export interface RequestSchema {
  properties: Record<string, ParameterSchema>;
  required?: readonly string[];
}

export interface Model {
  id: string;
  capabilities: { input: readonly string[]; output: readonly string[] };
  json_request_schema: RequestSchema | null;
  pricing?: { method: string; cost_per_image: number };
  [field: string]: unknown;
}

const KREA_2_LARGE = 'krea-v2-large-text-to-image';

/**
 * Not in the fixture, which holds image models only. The real list also carries chat models, and
 * one is needed so the queue's ":unsupported_media_type" rejection of text-only models is reachable.
 */
const TEXT_ONLY_MODEL: Model = {
  id: 'emulator-chat-text-only',
  object: 'model',
  owned_by: 'oxen',
  display_name: 'Emulator Chat (text only)',
  summary: 'A text-only chat model; image endpoints must reject it',
  description: 'Synthetic chat model added by the emulator.',
  model_type: 'base',
  endpoint: '/chat/completions',
  capabilities: { input: ['text'], output: ['text'] },
  deployments: [],
  json_request_schema: null,
};

function loadModels(): Model[] {
  const fixtureModels = fixture.data as unknown as Model[];
  const models = fixtureModels.map((model): Model => {
    // `_notes` documents how the fixture was reconstructed; the real API has no such field.
    const { _notes, ...served } = model;
    if (served.id !== KREA_2_LARGE) return served;
    // The emulator's assumption: the fixture has no price (the docs give none), but the extension
    // shows one, so Krea 2 Large gets fal's per-image price to make price display testable.
    return { ...served, pricing: { method: 'per_image', cost_per_image: 0.06 } };
  });
  return [...models, TEXT_ONLY_MODEL];
}

/** The aspect ratio a generation gets when the request names none: the schema default, else square. */
export function defaultAspectRatio(model: Model): string {
  const fallback = model.json_request_schema?.properties.aspect_ratio?.default;
  return typeof fallback === 'string' ? fallback : '1:1';
}

/** The model registry behind /api/ai/models and every model lookup of the generation endpoints. */
export class ModelCatalog {
  private readonly models = loadModels();

  constructor(private readonly schemaKey: Variants['schemaKey']) {}

  find(id: unknown): Model | undefined {
    return this.models.find((model) => model.id === id);
  }

  outputsImage(model: Model): boolean {
    return model.capabilities.output.includes('image');
  }

  /** The model as the API shows it, with the parameter schema under the key(s) the variant names. */
  present(model: Model): Record<string, unknown> {
    const { json_request_schema: schema, ...rest } = model;
    switch (this.schemaKey) {
      case 'both':
        return { ...rest, request_schema: schema, json_request_schema: schema };
      case 'request_schema':
        return { ...rest, request_schema: schema };
      case 'json_request_schema':
        return { ...rest, json_request_schema: schema };
    }
  }

  presentAll(): Array<Record<string, unknown>> {
    return this.models.map((model) => this.present(model));
  }
}
