import type { z } from 'zod';
import { OxenProtocolError } from './errors';
import type { ErrorContext } from './errorMapping';
import {
  cancelResponseSchema,
  enqueueResponseSchema,
  generationDetailsSchema,
  generationIdSchema,
  generationRowSchema,
  generationsPageSchema,
  modelListSchema,
  modelSchema,
  queueListSchema,
  syncImagesSchema,
  type GenerationRowWire,
  type GenerationStatus,
  type ModelWire,
  type ParameterSchemaWire,
} from './schemas';
import type { OxenTransport, StreamedResponse } from './transport';

export interface GenerationRow {
  id: string;
  status: GenerationStatus;
  model: string | undefined;
  mediaType: string | undefined;
  resultUrl: string | undefined;
  error: string | undefined;
  enqueuedAt: number | undefined;
  completedAt: number | undefined;
  /** Everything else on the row: the request parameters the server merged in. */
  params: Record<string, unknown>;
}

export interface EnqueueRequest {
  model: string;
  params: Record<string, unknown>;
  numGenerations: number;
  targetNamespace?: string;
}

export interface QueueFilters {
  status?: GenerationStatus;
  model?: string;
  namespace?: string;
  mediaType?: 'image' | 'video';
  repo?: string;
  folder?: string;
}

export interface ModelInfo {
  id: string;
  displayName: string;
  summary: string | undefined;
  description: string | undefined;
  inputs: readonly string[];
  outputs: readonly string[];
  pricePerImage: number | undefined;
  /** `request_schema`, or `json_request_schema` where only that key is filled. */
  parameterSchema: ParameterSchemaWire | undefined;
}

export interface GenerationsPage {
  page: number;
  pageSize: number;
  totalPages: number;
  totalEntries: number;
  totalCost: string | undefined;
  generations: Array<GenerationRow & { cost: string | undefined }>;
}

export type SyncImage = { kind: 'url'; url: string } | { kind: 'bytes'; bytes: Buffer };

const ROW_FIELDS = new Set([
  'generation_id', 'status', 'model_name', 'model', 'media_type', 'enqueued_at', 'started_at', 'completed_at',
  'result_url', 'error_message', 'target_namespace', 'target_repo', 'target_directory', 'cost', 'user_id',
  'username', 'user_image',
]);

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? ` at "${issue.path.join('.')}"` : '';
    throw new OxenProtocolError(`Oxen sent ${what} in an unexpected shape${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return result.data;
}

function decimalText(value: string | number | null | undefined): string | undefined {
  return value === null || value === undefined ? undefined : String(value);
}

export function normalizeRow(row: GenerationRowWire): GenerationRow {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (!ROW_FIELDS.has(key)) params[key] = value;
  }
  return {
    id: row.generation_id,
    status: row.status,
    model: row.model_name ?? row.model,
    mediaType: row.media_type,
    resultUrl: row.result_url ?? undefined,
    error: row.error_message ?? undefined,
    enqueuedAt: row.enqueued_at ?? undefined,
    completedAt: row.completed_at ?? undefined,
    params,
  };
}

export function normalizeModel(model: ModelWire): ModelInfo {
  const id = model.id ?? model.name;
  if (!id) throw new OxenProtocolError('Oxen sent a model without an id.');
  const schema = model.request_schema?.properties ? model.request_schema : (model.json_request_schema ?? undefined);
  return {
    id,
    displayName: model.display_name || id,
    summary: model.summary ?? undefined,
    description: model.description ?? undefined,
    inputs: model.capabilities?.input ?? [],
    outputs: model.capabilities?.output ?? [],
    pricePerImage: model.pricing?.cost_per_image ?? undefined,
    parameterSchema: schema ?? undefined,
  };
}

function pathSegment(id: string): string {
  return encodeURIComponent(parse(generationIdSchema, id, 'a generation id'));
}

/**
 * The sync endpoint answers when the image exists: typically 5-30 s (oxen-api.md §9), longer for
 * slow models or a busy queue, so it gets far more than the usual 30 s wait for headers.
 */
const SYNC_ANSWER_MS = 5 * 60_000;

/** Typed access to every Oxen endpoint the extension uses (contract: oxen-api.md). */
export class OxenClient {
  constructor(readonly transport: OxenTransport) {}

  /** `POST /api/ai/queue`. Not idempotent: callers must reconcile, never blindly retry (REL-07). */
  async enqueue(request: EnqueueRequest, signal?: AbortSignal): Promise<Array<{ id: string; status: GenerationStatus }>> {
    const body = {
      ...request.params,
      model: request.model,
      num_generations: request.numGenerations,
      ...(request.targetNamespace ? { target_namespace: request.targetNamespace } : {}),
    };
    const context: ErrorContext = { model: request.model, parameterNames: Object.keys(body) };
    const answer = await this.transport.requestJson('POST', '/api/ai/queue', { body, signal, context });
    const parsed = parse(enqueueResponseSchema, answer, 'the enqueue answer');
    return parsed.generations.map((generation) => ({ id: generation.generation_id, status: generation.status }));
  }

  async listQueue(filters: QueueFilters = {}, signal?: AbortSignal): Promise<GenerationRow[]> {
    const query = {
      status: filters.status,
      model: filters.model,
      namespace: filters.namespace,
      media_type: filters.mediaType,
      repo: filters.repo,
      folder: filters.folder,
    };
    const answer = await this.transport.requestJson('GET', '/api/ai/queue', { query, signal });
    return parse(queueListSchema, answer, 'the queue list').generations.map(normalizeRow);
  }

  async getGeneration(id: string, signal?: AbortSignal): Promise<GenerationRow> {
    const answer = await this.transport.requestJson('GET', `/api/ai/queue/${pathSegment(id)}`, { signal });
    return normalizeRow(parse(generationRowSchema, answer, 'a generation'));
  }

  async cancel(id: string, signal?: AbortSignal): Promise<void> {
    const answer = await this.transport.requestJson('DELETE', `/api/ai/queue/${pathSegment(id)}`, { signal });
    parse(cancelResponseSchema, answer, 'the cancel answer');
  }

  async listGenerations(
    options: QueueFilters & { page?: number; pageSize?: number } = {},
    signal?: AbortSignal,
  ): Promise<GenerationsPage> {
    const query = {
      page: options.page,
      page_size: options.pageSize,
      status: options.status,
      model: options.model,
      namespace: options.namespace,
      media_type: options.mediaType,
      repo: options.repo,
      folder: options.folder,
    };
    const answer = await this.transport.requestJson('GET', '/api/ai/generations', { query, signal });
    const page = parse(generationsPageSchema, answer, 'the generation history');
    return {
      page: page.page_number,
      pageSize: page.page_size,
      totalPages: page.total_pages,
      totalEntries: page.total_entries,
      totalCost: decimalText(page.total_cost),
      generations: page.generations.map((row) => ({ ...normalizeRow(row), cost: decimalText(row.cost) })),
    };
  }

  async getGenerationDetails(id: string, signal?: AbortSignal): Promise<GenerationRow & { cost: string | undefined }> {
    const answer = await this.transport.requestJson('GET', `/api/ai/generations/${pathSegment(id)}`, { signal });
    const { generation } = parse(generationDetailsSchema, answer, 'a generation');
    return { ...normalizeRow(generation), cost: decimalText(generation.cost) };
  }

  async listModels(signal?: AbortSignal): Promise<ModelInfo[]> {
    const answer = await this.transport.requestJson('GET', '/api/ai/models', { signal });
    return parse(modelListSchema, answer, 'the model list').map(normalizeModel);
  }

  async getModel(id: string, signal?: AbortSignal): Promise<ModelInfo> {
    const answer = await this.transport.requestJson('GET', `/api/ai/models/${encodeURIComponent(id)}`, {
      signal,
      context: { model: id },
    });
    return normalizeModel(parse(modelSchema, answer, 'a model'));
  }

  /** `POST /api/ai/images/generate`: blocks until the images exist; answers URLs or inline bytes. */
  async generateSync(
    request: { model: string; params: Record<string, unknown>; responseFormat?: 'url' | 'b64_json' },
    signal?: AbortSignal,
  ): Promise<SyncImage[]> {
    const body = { ...request.params, model: request.model, response_format: request.responseFormat ?? 'url' };
    const context: ErrorContext = { model: request.model, parameterNames: Object.keys(body) };
    const answer = await this.transport.requestJson('POST', '/api/ai/images/generate', { body, signal, context, blockingMs: SYNC_ANSWER_MS });
    const parsed = parse(syncImagesSchema, answer, 'the image answer');
    const images: SyncImage[] = (parsed.images ?? []).flatMap((image): SyncImage[] => {
      if (image.b64_json) return [{ kind: 'bytes', bytes: Buffer.from(image.b64_json, 'base64') }];
      if (image.url) return [{ kind: 'url', url: image.url }];
      return [];
    });
    if (images.length === 0 && parsed.image_url) images.push({ kind: 'url', url: parsed.image_url });
    if (images.length === 0) throw new OxenProtocolError('Oxen answered the image request without an image.');
    return images;
  }

  /** `GET /api/events`: the raw stream; `ResilientEventStream` owns reconnects. */
  openEvents(signal: AbortSignal): Promise<StreamedResponse> {
    return this.transport.openStream('/api/events', signal);
  }
}
