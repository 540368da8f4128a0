import * as vscode from 'vscode';
import { z } from 'zod';
import { readDefaultModel } from '../host/settings';
import type { Placement, RunRequest } from './generationRunner';
import { MAX_IMAGES_PER_REQUEST } from './requestBuilder';
import { InvalidRequestError } from './userErrors';

const MAX_PROMPT_LENGTH = 10_000;
/** Parameters with a field of their own in the argument: giving them twice would be ambiguous. */
const RESERVED_PARAMS = ['prompt', 'model', 'num_generations'];

/**
 * The argument of `oxenImageStudio.generateImage` / `generateImageHere` (a public contract):
 * `{ prompt, model?, params?, count?, insert?: false | { uri, line, character }, wait?, delivery? }`.
 * Unknown keys are refused rather than ignored, so a typo never silently changes the request.
 */
const generateArgumentSchema = z.strictObject({
  prompt: z.string().trim().min(1, vscode.l10n.t('must not be empty')).max(MAX_PROMPT_LENGTH),
  model: z.string().trim().min(1, vscode.l10n.t('must not be empty')).max(200).optional(),
  params: z
    .record(z.string(), z.unknown())
    .refine((params) => RESERVED_PARAMS.every((name) => !(name in params)), {
      message: vscode.l10n.t('must not contain {0}; use the prompt, model and count fields', RESERVED_PARAMS.join(', ')),
    })
    .optional(),
  count: z.number().int().min(1).max(MAX_IMAGES_PER_REQUEST).optional(),
  insert: z
    .union([
      z.literal(false),
      z.strictObject({ uri: z.string().min(1), line: z.number().int().min(0), character: z.number().int().min(0) }),
    ])
    .optional(),
  wait: z.boolean().optional(),
  /** Overrides `oxenImageStudio.delivery` for this request (REL-15). */
  delivery: z.enum(['auto', 'polling', 'sync']).optional(),
});

export type GenerateArgument = z.infer<typeof generateArgumentSchema>;

function invalid(commandId: string, detail: string): InvalidRequestError {
  return new InvalidRequestError(vscode.l10n.t('Invalid argument for {0}: {1}', commandId, detail));
}

/** A command's argument object checked by `schema`; what is wrong is said field by field. */
export function parseCommandArgument<T extends z.ZodType>(schema: T, commandId: string, argument: unknown): z.infer<T> {
  const parsed = schema.safeParse(argument);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
  throw invalid(commandId, detail);
}

export function parseGenerateArgument(commandId: string, argument: unknown): GenerateArgument {
  return parseCommandArgument(generateArgumentSchema, commandId, argument);
}

export function parseUri(commandId: string, field: string, text: string): vscode.Uri {
  try {
    return vscode.Uri.parse(text, true);
  } catch {
    throw invalid(commandId, vscode.l10n.t('{0} must be a URI such as file:///path/to/doc.md', field));
  }
}

/** The run request for an argument; `insert` omitted means `defaultPlacement`. */
export function runRequestFor(commandId: string, argument: GenerateArgument, defaultPlacement: Placement): RunRequest {
  const placement: Placement =
    argument.insert === undefined
      ? defaultPlacement
      : argument.insert === false
        ? { kind: 'none', forDocument: undefined }
        : {
            kind: 'link',
            uri: parseUri(commandId, 'insert.uri', argument.insert.uri),
            position: new vscode.Position(argument.insert.line, argument.insert.character),
          };
  return {
    prompt: argument.prompt,
    model: argument.model ?? readDefaultModel(),
    params: argument.params ?? {},
    count: argument.count ?? 1,
    ...(argument.delivery ? { delivery: argument.delivery } : {}),
    placement,
    interactive: false,
    wait: argument.wait ?? false,
  };
}
