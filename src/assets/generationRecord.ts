/**
 * What is known about how an image was made, read back from the metadata Oxen Image Studio
 * embeds in its PNGs (resultSaver's `metadataFor`) or from the workspace history. Pure: the
 * caller reads the bytes or the history entry.
 */

export interface GenerationRecord {
  /** The Oxen generation id; absent only in metadata written without one. */
  generationId: string | undefined;
  model: string;
  prompt: string;
  /** Parameters exactly as sent, prompt and seed included. */
  params: Record<string, unknown>;
  /** ISO 8601 time the generation was requested, when known. */
  created: string | undefined;
  /** Where it was read: the file itself, or this workspace's history. */
  source: 'embedded' | 'history';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record in our PNG text chunk, or undefined when the text is not our metadata. */
export function parseEmbeddedRecord(text: string): GenerationRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.model !== 'string' || typeof value.prompt !== 'string' || !isRecord(value.params)) return undefined;
  return {
    generationId: typeof value.generationId === 'string' ? value.generationId : undefined,
    model: value.model,
    prompt: value.prompt,
    params: { ...value.params },
    created: typeof value.created === 'string' ? value.created : undefined,
    source: 'embedded',
  };
}

/** The parameters a form or request takes besides the prompt (the prompt has its own field). */
export function paramsWithoutPrompt(params: Record<string, unknown>): Record<string, unknown> {
  const { prompt: _prompt, ...rest } = params;
  void _prompt;
  return rest;
}

/** `name: value` pairs for display, prompt left out, in a stable order, values as compact JSON. */
export function describeParams(params: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(paramsWithoutPrompt(params))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => [name, typeof value === 'string' ? value : JSON.stringify(value)]);
}
