import { z } from 'zod';
// Type only: the webview bundle and dist/extension.js never load modelParameters (nor its zod).
import type { ParameterDescriptor } from '../../oxen/modelParameters';

/**
 * The one place the sidebar's messages are defined (SEC-09).
 *
 * The host is trusted, the webview is not: every webview → host message is parsed by
 * `parseWebviewMessage` (a strict zod discriminated union; unknown types, extra keys, wrong types,
 * oversized strings and non-finite numbers are refused). Host → webview messages are typed unions
 * the webview switches on. Requests that need an answer carry a `requestId`, answered by one
 * `response` message. The webview says `ready`; the host answers with a full `snapshot`, then
 * sends deltas (`models`, `queue`, `galleryChanged`, `thumbnail`, `settings`).
 *
 * No vscode import and no zod in the webview: the webview imports types only.
 */

export const MAX_PROMPT_LENGTH = 10_000;
export const MAX_STYLE_REFERENCES = 10;
export const MAX_COUNT = 4;
const MAX_ID_LENGTH = 128;
const MAX_URL_LENGTH = 4096;
/** A data: URI style reference (only behind its setting); larger ones are refused by the host too. */
export const MAX_DATA_URI_LENGTH = 3 * 1024 * 1024;
const MAX_FIELDS = 64;
const MAX_LIST_ITEMS = 20;
const MAX_FILTER_LENGTH = 200;
export const MAX_GALLERY_PAGE = 200;

// ---------------------------------------------------------------------------------------------
// Shared value shapes

/** A model parameter as the webview gets it: the host's descriptor, plus the schema's `format`. */
export interface FieldDescriptor extends ParameterDescriptor {
  /** JSON Schema `format` (e.g. `uri`), when the schema gives one. */
  format?: string;
}

export interface ModelSummary {
  id: string;
  displayName: string;
  summary: string | undefined;
  description: string | undefined;
  /** Per image, in the account's currency (USD on hub.oxen.ai), when the model publishes it. */
  pricePerImage: number | undefined;
  fields: FieldDescriptor[];
}

/** One image reference in a draft: a URL the model can fetch, with a strength for style references. */
export interface ImageRefDraft {
  url: string;
  strength?: number;
  /** What the user sees instead of a long URL (a file name for uploaded workspace images). */
  label?: string;
}

export type DraftValue = string | boolean | string[] | ImageRefDraft[];

/** Everything the user typed in the form; survives hide/show (getState) and restarts (host memento). */
export interface Draft {
  model: string;
  /** Raw field values by parameter name (numbers as typed, so a half-typed value is not lost). */
  values: Record<string, DraftValue>;
  count: number;
  seed: { locked: boolean; value: string };
  lastSeed?: number;
  moreOpen: boolean;
  updatedAt: number;
}

export type QueueState = 'submitting' | 'unresolved' | 'queued' | 'processing' | 'downloading' | 'finalizing' | 'saved' | 'failed' | 'cancelled';

export interface QueueItem {
  /** The id `cancel` takes (the generation id, or the submission id before Oxen answered). */
  id: string;
  generationId: string | undefined;
  model: string;
  prompt: string;
  state: QueueState;
  createdAt: number;
  failure?: { message: string; retryable: boolean };
}

/** A generation that failed, kept until dismissed so it can be edited and retried. */
export interface FailedItem {
  id: string;
  model: string;
  prompt: string;
  params: Record<string, unknown>;
  message: string;
  at: number;
}

export type GroupBy = 'none' | 'document' | 'folder';

export interface GalleryQuery {
  filter: string;
  groupBy: GroupBy;
  offset: number;
  limit: number;
}

export interface GalleryItem {
  id: string;
  model: string;
  prompt: string;
  /** Workspace-relative path, `/`-separated, shown to the user. */
  file: string;
  fileName: string;
  created: string;
  seed: number | undefined;
  group: string;
  /** A webview URI of a small thumbnail; undefined while it is being made (a `thumbnail` message follows). */
  thumbnail: string | undefined;
  /** The file was deleted or moved: shown as such, never as a broken image. */
  missing: boolean;
}

export interface GalleryGroup {
  key: string;
  label: string;
  count: number;
}

export interface GalleryPage {
  query: GalleryQuery;
  total: number;
  /** Entries in the history before filtering. */
  all: number;
  groups: GalleryGroup[];
  items: GalleryItem[];
}

export interface StudioSettings {
  /** `oxenImageStudio.styleReferenceRepository` as parsed (`namespace/repo@branch` for display), if set and valid. */
  styleReferenceRepository: string | undefined;
  allowDataUriStyleReferences: boolean;
  workspaceTrusted: boolean;
  hasWorkspace: boolean;
}

export interface StudioSnapshot {
  models: ModelSummary[];
  modelsError: string | undefined;
  modelsLoading: boolean;
  defaultModel: string;
  draft: Draft | undefined;
  queue: QueueItem[];
  failures: FailedItem[];
  settings: StudioSettings;
  /** Localised UI strings (English keys → text); missing keys fall back to English. */
  strings: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Host → webview

export type HostMessage =
  | { type: 'snapshot'; snapshot: StudioSnapshot }
  | { type: 'models'; models: ModelSummary[]; error: string | undefined; loading: boolean }
  | { type: 'queue'; queue: QueueItem[]; failures: FailedItem[] }
  | { type: 'settings'; settings: StudioSettings }
  | { type: 'galleryChanged' }
  | { type: 'thumbnail'; id: string; uri: string | undefined; missing: boolean }
  | { type: 'loadDraft'; model: string; params: Record<string, unknown> }
  | { type: 'showInGallery'; generationId: string; filter: string }
  | { type: 'response'; requestId: number; ok: true; value: unknown }
  | { type: 'response'; requestId: number; ok: false; error: string };

/** What each request is answered with. */
export interface ResponseValues {
  generate: { generationIds: string[] };
  galleryQuery: GalleryPage;
  pickImage: ImageRefDraft | null;
  dropImage: ImageRefDraft;
}

// ---------------------------------------------------------------------------------------------
// Webview → host (SEC-09)

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const idSchema = z.string().min(1).max(MAX_ID_LENGTH).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/);
const modelIdSchema = z.string().min(1).max(MAX_ID_LENGTH).regex(/^[A-Za-z0-9][A-Za-z0-9._/:-]*$/);
const fieldNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
  .refine((key) => !FORBIDDEN_KEYS.has(key), 'reserved name');
const requestIdSchema = z.int().min(1).max(Number.MAX_SAFE_INTEGER);
const finite = z.number().refine(Number.isFinite);

/** A data: URI image (style references behind their setting); every other string stays short. */
const dataUriSchema = z.string().max(MAX_DATA_URI_LENGTH).regex(/^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/]+=*$/);
const urlTextSchema = z.union([z.string().max(MAX_URL_LENGTH), dataUriSchema]);
const imageRefSchema = z.strictObject({
  url: urlTextSchema,
  strength: finite.min(-2).max(2).optional(),
  label: z.string().max(260).optional(),
});

const draftValueSchema = z.union([
  z.string().max(MAX_PROMPT_LENGTH),
  z.boolean(),
  z.array(urlTextSchema).max(MAX_LIST_ITEMS),
  z.array(imageRefSchema).max(MAX_LIST_ITEMS),
]);

function boundedRecord<T extends z.ZodType>(value: T) {
  return z
    .record(fieldNameSchema, value)
    .refine((record) => Object.keys(record).length <= MAX_FIELDS, `at most ${MAX_FIELDS} fields`);
}

export const draftSchema = z.strictObject({
  model: modelIdSchema,
  values: boundedRecord(draftValueSchema),
  count: z.int().min(1).max(MAX_COUNT),
  seed: z.strictObject({ locked: z.boolean(), value: z.string().max(24) }),
  lastSeed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  moreOpen: z.boolean(),
  updatedAt: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
});

/** A wire parameter value: what a form can produce (validated against the model's schema on the host). */
const paramValueSchema = z.union([
  z.string().max(MAX_PROMPT_LENGTH),
  dataUriSchema,
  finite,
  z.boolean(),
  z.array(urlTextSchema).max(MAX_LIST_ITEMS),
  z.array(z.strictObject({ url: urlTextSchema, strength: finite.min(-2).max(2).optional() })).max(MAX_STYLE_REFERENCES),
]);

const galleryQuerySchema = z.strictObject({
  filter: z.string().max(MAX_FILTER_LENGTH),
  groupBy: z.enum(['none', 'document', 'folder']),
  offset: z.int().min(0).max(1_000_000),
  limit: z.int().min(1).max(MAX_GALLERY_PAGE),
});

export const GALLERY_ACTIONS = ['open', 'reveal', 'insert', 'copyLink', 'copyPrompt', 'rerun', 'vary', 'load', 'delete', 'forget'] as const;
export type GalleryAction = (typeof GALLERY_ACTIONS)[number];

/** Settings the webview may ask to open: names only, mapped to full ids on the host. */
export const SETTING_KEYS = ['styleReferenceRepository', 'allowDataUriStyleReferences', 'assetDestination'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Commands the webview may ask for: names only, mapped to fixed command ids on the host. */
export const COMMAND_KEYS = ['setApiKey', 'showLog', 'manageTrust'] as const;
export type CommandKey = (typeof COMMAND_KEYS)[number];

export const webviewMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('draftChanged'), draft: draftSchema }),
  z.strictObject({
    type: z.literal('generate'),
    requestId: requestIdSchema,
    model: modelIdSchema,
    prompt: z.string().max(MAX_PROMPT_LENGTH),
    params: boundedRecord(paramValueSchema),
    count: z.int().min(1).max(MAX_COUNT),
  }),
  z.strictObject({ type: z.literal('cancel'), id: idSchema }),
  z.strictObject({ type: z.literal('retryDownload'), id: idSchema }),
  z.strictObject({ type: z.literal('dismiss'), id: idSchema }),
  z.strictObject({ type: z.literal('galleryQuery'), requestId: requestIdSchema, query: galleryQuerySchema }),
  z.strictObject({ type: z.literal('galleryAction'), action: z.enum(GALLERY_ACTIONS), id: idSchema }),
  z.strictObject({ type: z.literal('pickImage'), requestId: requestIdSchema }),
  z.strictObject({ type: z.literal('dropImage'), requestId: requestIdSchema, uri: z.string().min(1).max(MAX_URL_LENGTH) }),
  z.strictObject({ type: z.literal('openSetting'), setting: z.enum(SETTING_KEYS) }),
  z.strictObject({ type: z.literal('command'), command: z.enum(COMMAND_KEYS) }),
  z.strictObject({ type: z.literal('refreshModels') }),
]);

export type WebviewMessage = z.infer<typeof webviewMessageSchema>;
export type WebviewMessageOf<T extends WebviewMessage['type']> = Extract<WebviewMessage, { type: T }>;

/** `__proto__` & co. anywhere in the message (zod would silently drop them; refuse instead). */
function hasForbiddenKey(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  return Object.keys(value).some((key) => FORBIDDEN_KEYS.has(key) || hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1));
}

export type ParseResult = { ok: true; message: WebviewMessage } | { ok: false; reason: string };

/** Parses one inbound message; never throws, never returns a partially trusted value. */
export function parseWebviewMessage(raw: unknown): ParseResult {
  if (hasForbiddenKey(raw, 0)) return { ok: false, reason: 'message refused: reserved property name' };
  const result = webviewMessageSchema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const type = typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? (raw as { type: string }).type : '?';
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
  return { ok: false, reason: `message "${type.slice(0, 40)}" refused${where}: ${issue?.message ?? 'invalid'}` };
}
