import { randomInt } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MARKDOWN_DESTINATION_SETTING, OWN_DESTINATION_SETTING, resolveDestination } from '../assets/destination';
import { renderFileName } from '../assets/fileName';
import { verifyInsideWorkspace } from '../assets/pathContainment';
import type { DeliveryMode, SubmitRequest } from '../generation/service';
import type { Destination } from '../generation/journal';
import { readAssetSettings, readDeliveryMode, SettingsError, type AssetSettings } from '../host/settings';
import type { ModelInfo } from '../oxen/client';
import { describeParameters, validateParameters } from '../oxen/modelParameters';
import type { ModelCatalog } from './modelCatalog';
import { InvalidRequestError } from './userErrors';

/** What the user asked for, from the palette or a command argument. */
export interface GenerationInput {
  prompt: string;
  model: string;
  /** Model parameters besides the prompt; a missing seed is chosen at random. */
  params: Record<string, unknown>;
  count: number;
  /** How the result is fetched; `oxenImageStudio.delivery` when omitted. */
  delivery?: DeliveryMode;
}

/** The folder the image is saved in, and the markdown document it is for, if any. */
export interface SaveContext {
  workspaceFolder: vscode.WorkspaceFolder;
  /** A markdown file: its path picks the destination (markdown.copyFiles.destination rules). */
  markdownDocument: vscode.Uri | undefined;
}

export interface BuiltRequest {
  submit: Omit<SubmitRequest, 'target'>;
  assets: AssetSettings;
}

/** Oxen makes at most this many images per request. */
export const MAX_IMAGES_PER_REQUEST = 4;
/** Largest seed offered: fits every model's integer seed we know of. */
const MAX_RANDOM_SEED = 2 ** 31 - 1;
const PREVIEW_EXTENSION = '.png';

/**
 * Turns a request into what the generation service needs: parameters validated against the
 * model's own schema (Oxen only checks them when the paid job runs), a seed so every image can
 * be reproduced, and a destination checked to stay inside the workspace (SEC-11).
 */
export async function buildRequest(input: GenerationInput, context: SaveContext, catalog: ModelCatalog, requestId: string): Promise<BuiltRequest> {
  if (context.workspaceFolder.uri.scheme !== 'file') {
    throw new InvalidRequestError(vscode.l10n.t('Images can only be saved into a folder on disk; {0} is not one.', context.workspaceFolder.name));
  }
  const { model, params } = await checkedModelAndParams(input, catalog);
  const assets = readAssetSettings(context.markdownDocument ?? context.workspaceFolder.uri);
  const now = new Date();
  const fileNameFor = (imageParams: Record<string, unknown>) =>
    renderFileName(assets.fileNameTemplate, {
      prompt: input.prompt,
      model: model.id,
      seed: typeof imageParams.seed === 'number' ? imageParams.seed : undefined,
      date: now,
      id: requestId,
    });
  // Checked once up front so a bad setting fails before anything is sent; then per image, whose seed names it.
  await checkedDestination(fileNameFor(params), context, assets, now);
  const destination = (imageParams: Record<string, unknown>) => checkedDestination(fileNameFor(imageParams), context, assets, now);
  const delivery = input.delivery ?? readDeliveryMode();
  return { submit: { model: model.id, params, count: input.count, destination, delivery }, assets };
}

/** The model and the parameters to send (a missing seed chosen), checked against the model's schema. */
async function checkedModelAndParams(input: GenerationInput, catalog: ModelCatalog): Promise<{ model: ModelInfo; params: Record<string, unknown> }> {
  const model = await catalog.get(input.model);
  if (model.outputs.length > 0 && !model.outputs.includes('image')) {
    throw new InvalidRequestError(vscode.l10n.t('The model {0} does not make images.', model.id));
  }
  return { model, params: validParams(model, { ...input.params, prompt: input.prompt }) };
}

/** Throws what `buildRequest` would throw about the model and its parameters; for checking many requests before sending any. */
export async function validateInput(input: GenerationInput, catalog: ModelCatalog): Promise<void> {
  await checkedModelAndParams(input, catalog);
}

function validParams(model: ModelInfo, params: Record<string, unknown>): Record<string, unknown> {
  const descriptors = describeParameters(model.id, model.parameterSchema);
  const seed = descriptors.find((descriptor) => descriptor.name === 'seed' && descriptor.type === 'integer');
  if (seed && params.seed === undefined) params.seed = randomInt(seed.minimum ?? 0, (seed.maximum ?? MAX_RANDOM_SEED) + 1);
  const validation = validateParameters(descriptors, params);
  if (!validation.ok) {
    const issues = validation.issues.map((issue) => `${issue.field} ${issue.message}`).join('; ');
    throw new InvalidRequestError(vscode.l10n.t('The parameters do not fit the model {0}: {1}.', model.id, issues));
  }
  return validation.params;
}

async function checkedDestination(baseName: string, context: SaveContext, assets: AssetSettings, now: Date): Promise<Destination> {
  const workspaceFolder = context.workspaceFolder.uri.fsPath;
  const resolved = resolveDestination({
    workspaceFolder,
    documentPath: context.markdownDocument?.fsPath,
    fileName: baseName + PREVIEW_EXTENSION,
    ownTemplate: assets.assetDestination,
    markdownCopyFilesDestination: assets.markdownCopyFilesDestination,
    now,
  });
  if (!resolved.ok) throw destinationError(resolved.reason, assets);
  const contained = await verifyInsideWorkspace(resolved.absolutePath, workspaceFolder, (candidate) => fs.realpath(candidate));
  if (!contained.ok) throw destinationError(contained.reason, assets);
  // The extension comes from the downloaded bytes (SEC-12): the core adds .png, .jpg or .webp.
  return { folder: path.dirname(resolved.absolutePath), baseName: path.basename(resolved.absolutePath, PREVIEW_EXTENSION) };
}

/** Points "Open Settings" at the setting that chose the destination (ours when none did). */
function destinationError(reason: string, assets: AssetSettings): Error {
  const fromMarkdown = !assets.assetDestination.trim() && Object.keys(assets.markdownCopyFilesDestination).length > 0;
  const setting = fromMarkdown ? MARKDOWN_DESTINATION_SETTING : OWN_DESTINATION_SETTING;
  return new SettingsError(setting, vscode.l10n.t('The image cannot be saved there: {0} Set {1} to a folder inside the workspace folder.', reason, setting));
}
