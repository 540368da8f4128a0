import { z } from 'zod';

/**
 * zod schemas for every answer of the Oxen API: tolerant of the documented variants
 * (`model` vs `model_name`, `queued` vs `processing` at enqueue, both error envelopes, both
 * schema keys) and strict about what the extension acts on (ids, statuses, URLs). Unknown extra
 * fields are kept (`loose`) because queue rows merge the request parameters in at the top level.
 */

/** Generation ids end up in URL paths and file metadata: accept only a safe alphabet. */
export const generationIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'not a generation id');

export const generationStatusSchema = z.enum(['queued', 'processing', 'succeeded', 'failed', 'cancelled']);
export type GenerationStatus = z.infer<typeof generationStatusSchema>;

export const TERMINAL_STATUSES: ReadonlySet<GenerationStatus> = new Set(['succeeded', 'failed', 'cancelled']);

const unixSeconds = z.number().nullish();

export const enqueueResponseSchema = z.object({
  generations: z
    .array(
      z.looseObject({
        generation_id: generationIdSchema,
        status: generationStatusSchema,
      }),
    )
    .min(1),
});

export const generationRowSchema = z.looseObject({
  generation_id: generationIdSchema,
  status: generationStatusSchema,
  model_name: z.string().optional(),
  model: z.string().optional(),
  media_type: z.string().optional(),
  enqueued_at: unixSeconds,
  started_at: unixSeconds,
  completed_at: unixSeconds,
  result_url: z.string().nullish(),
  error_message: z.string().nullish(),
  prompt: z.string().nullish(),
  seed: z.number().nullish(),
});
export type GenerationRowWire = z.infer<typeof generationRowSchema>;

export const queueListSchema = z.looseObject({
  count: z.number().optional(),
  generations: z.array(generationRowSchema),
});

export const cancelResponseSchema = z.looseObject({
  status: z.string().optional(),
  generation_id: z.string().optional(),
});

const decimal = z.union([z.string(), z.number()]).nullish();

export const generationsPageSchema = z.looseObject({
  count: z.number(),
  page_number: z.number(),
  page_size: z.number(),
  total_pages: z.number(),
  total_entries: z.number(),
  total_cost: decimal,
  generations: z.array(generationRowSchema.extend({ cost: decimal, username: z.string().nullish() })),
});

export const generationDetailsSchema = z.looseObject({
  generation: generationRowSchema.extend({ cost: decimal }),
});

const parameterSchemaSchema = z.looseObject({
  properties: z.record(z.string(), z.looseObject({})).optional(),
  required: z.array(z.string()).optional(),
  basic: z.array(z.string()).optional(),
});
export type ParameterSchemaWire = z.infer<typeof parameterSchemaSchema>;

const nullableNumber = z.number().nullish();

export const modelSchema = z.looseObject({
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  display_name: z.string().nullish(),
  description: z.string().nullish(),
  summary: z.string().nullish(),
  endpoint: z.string().nullish(),
  capabilities: z
    .looseObject({ input: z.array(z.string()).optional(), output: z.array(z.string()).optional() })
    .nullish(),
  pricing: z
    .looseObject({
      method: z.string().nullish(),
      cost_per_image: nullableNumber,
    })
    .nullish(),
  request_schema: parameterSchemaSchema.nullish(),
  json_request_schema: parameterSchemaSchema.nullish(),
  deprecated: z.boolean().nullish(),
});
export type ModelWire = z.infer<typeof modelSchema>;

/** `/api/ai/models` answers `{data: [...]}`; the evaluations registry answers a list or `{models: [...]}`. */
export const modelListSchema = z.union([
  z.looseObject({ data: z.array(modelSchema) }).transform((list) => list.data),
  z.looseObject({ models: z.array(modelSchema) }).transform((list) => list.models),
  z.array(modelSchema),
]);

export const syncImagesSchema = z.looseObject({
  model: z.string().optional(),
  created: z.number().optional(),
  images: z
    .array(
      z.looseObject({ url: z.string().nullish(), b64_json: z.string().nullish(), revised_prompt: z.string().nullish() }),
    )
    .optional(),
  image_url: z.string().nullish(),
});

export const completionEventSchema = z.looseObject({
  generation_id: generationIdSchema,
  status: z.enum(['succeeded', 'failed']),
  media_type: z.string().optional(),
  model: z.string().optional(),
  url: z.string().optional(),
  error: z.string().optional(),
});
export type CompletionEventWire = z.infer<typeof completionEventSchema>;

/** Both documented error envelopes, plus the bare shapes a proxy or framework may answer. */
export const errorBodySchema = z.looseObject({
  error: z
    .union([
      z.string(),
      z.looseObject({
        type: z.string().optional(),
        title: z.string().optional(),
        detail: z.unknown().optional(),
        message: z.string().optional(),
      }),
    ])
    .optional(),
  message: z.string().optional(),
  detail: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
