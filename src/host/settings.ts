import * as vscode from 'vscode';
import { z } from 'zod';
import { DEFAULT_FILE_NAME_TEMPLATE, renderFileName, UnknownTemplateVariableError } from '../assets/fileName';
import { MARKDOWN_DESTINATION_SETTING } from '../assets/destination';
import { apiOriginOf } from '../oxen/urlPolicy';

/**
 * The extension's settings, read with the scope each one is declared with and checked before
 * use, so a bad value fails with a message naming the setting instead of somewhere downstream.
 */

const SECTION = 'oxenImageStudio';
const DEFAULT_API_BASE_URL = 'https://hub.oxen.ai';
const DEFAULT_MODEL = 'krea-v2-large-text-to-image';

/** A setting holds a value the extension cannot use; `setting` is its full id for "Open Settings". */
export class SettingsError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Where requests (and the key) go. Decides the key's destination, so application scope only. */
export interface ConnectionSettings {
  apiBaseUrl: string;
  /** VS Code's `http.proxy`, when set. */
  proxyUrl: string | undefined;
  proxyStrictSSL: boolean;
}

export type AltTextSource = 'prompt' | 'fileName';
export type LinkPathStyle = 'relativeToDocument' | 'relativeToWorkspaceFolder';

/** How images are named, placed and linked: per resource, so a repository can set its conventions. */
export interface AssetSettings {
  /** `oxenImageStudio.assetDestination`; blank defers to `markdown.copyFiles.destination`. */
  assetDestination: string;
  fileNameTemplate: string;
  /** `markdown.copyFiles.destination`: document glob → destination template. */
  markdownCopyFilesDestination: Record<string, string>;
  altText: AltTextSource;
  linkPathStyle: LinkPathStyle;
}

const assetSettingsSchema = z.object({
  assetDestination: z.string().max(1000),
  fileNameTemplate: z.string().trim().min(1).max(200),
  altText: z.enum(['prompt', 'fileName']),
  linkPathStyle: z.enum(['relativeToDocument', 'relativeToWorkspaceFolder']),
});

const ASSET_SETTING_IDS: Record<keyof z.infer<typeof assetSettingsSchema>, string> = {
  assetDestination: `${SECTION}.assetDestination`,
  fileNameTemplate: `${SECTION}.fileNameTemplate`,
  altText: `${SECTION}.link.altText`,
  linkPathStyle: `${SECTION}.link.pathStyle`,
};

const proxySchema = z.url({ protocol: /^https?$/ });

/**
 * The base URL comes from the user (global) settings or the default, never from a workspace:
 * a cloned repository's `.vscode/settings.json` must not be able to send the key to its own
 * server (SEC-03). The manifest also declares the setting application-scoped and restricted;
 * reading `globalValue` keeps that true even where a workspace value would otherwise apply.
 */
export function readConnectionSettings(): ConnectionSettings {
  const apiBaseUrl = (vscode.workspace.getConfiguration(SECTION).inspect<unknown>('apiBaseUrl')?.globalValue ?? DEFAULT_API_BASE_URL);
  if (typeof apiBaseUrl !== 'string') {
    throw new SettingsError(`${SECTION}.apiBaseUrl`, vscode.l10n.t('The setting {0} must be a URL.', `${SECTION}.apiBaseUrl`));
  }
  try {
    apiOriginOf(apiBaseUrl.trim());
  } catch (error) {
    throw new SettingsError(
      `${SECTION}.apiBaseUrl`,
      vscode.l10n.t('The setting {0} is not usable: {1}', `${SECTION}.apiBaseUrl`, (error as Error).message),
    );
  }
  const http = vscode.workspace.getConfiguration('http');
  const proxy = http.inspect<unknown>('proxy')?.globalValue;
  const proxyUrl = typeof proxy === 'string' && proxy.trim() !== '' ? proxy.trim() : undefined;
  if (proxyUrl !== undefined && !proxySchema.safeParse(proxyUrl).success) {
    throw new SettingsError('http.proxy', vscode.l10n.t('The setting {0} must be an http:// or https:// URL.', 'http.proxy'));
  }
  return { apiBaseUrl: apiBaseUrl.trim(), proxyUrl, proxyStrictSSL: http.get<boolean>('proxyStrictSSL', true) !== false };
}

const deliverySchema = z.enum(['auto', 'polling', 'sync']);

/** `oxenImageStudio.delivery`: how results are fetched (REL-15). */
export function readDeliveryMode(): z.infer<typeof deliverySchema> {
  const setting = `${SECTION}.delivery`;
  const parsed = deliverySchema.safeParse(vscode.workspace.getConfiguration(SECTION).get<unknown>('delivery', 'auto'));
  if (!parsed.success) {
    throw new SettingsError(setting, vscode.l10n.t('The setting {0} must be one of {1}.', setting, deliverySchema.options.join(', ')));
  }
  return parsed.data;
}

export function readDefaultModel(): string {
  const model = vscode.workspace.getConfiguration(SECTION).get<unknown>('defaultModel');
  return typeof model === 'string' && model.trim() !== '' ? model.trim() : DEFAULT_MODEL;
}

/** Asset settings for the document (or workspace folder) `scope`, validated. */
export function readAssetSettings(scope: vscode.Uri | undefined): AssetSettings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const raw = {
    assetDestination: config.get<unknown>('assetDestination', ''),
    fileNameTemplate: config.get<unknown>('fileNameTemplate', DEFAULT_FILE_NAME_TEMPLATE),
    altText: config.get<unknown>('link.altText', 'prompt'),
    linkPathStyle: config.get<unknown>('link.pathStyle', 'relativeToDocument'),
  };
  const parsed = assetSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const setting = ASSET_SETTING_IDS[issue.path[0] as keyof typeof ASSET_SETTING_IDS];
    throw new SettingsError(setting, vscode.l10n.t('The setting {0} is not valid: {1}', setting, issue.message));
  }
  checkFileNameTemplate(parsed.data.fileNameTemplate);
  return { ...parsed.data, markdownCopyFilesDestination: markdownDestinations(scope) };
}

/** Fails now, naming the setting, rather than when the first image arrives. */
function checkFileNameTemplate(template: string): void {
  try {
    renderFileName(template, { prompt: 'check', model: 'check', seed: 1, date: new Date(), id: 'check' });
  } catch (error) {
    if (!(error instanceof UnknownTemplateVariableError)) throw error;
    const setting = ASSET_SETTING_IDS.fileNameTemplate;
    throw new SettingsError(setting, vscode.l10n.t('The setting {0} is not valid: {1}', setting, error.message));
  }
}

/** VS Code's own setting is untyped JSON here: only string → string entries count, as in VS Code. */
function markdownDestinations(scope: vscode.Uri | undefined): Record<string, string> {
  const [section, key] = splitSetting(MARKDOWN_DESTINATION_SETTING);
  const value = vscode.workspace.getConfiguration(section, scope).get<unknown>(key);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function splitSetting(id: string): [string, string] {
  const dot = id.indexOf('.');
  return [id.slice(0, dot), id.slice(dot + 1)];
}

/** True when a configuration change may alter the connection (base URL or proxy). */
export function affectsConnection(event: vscode.ConfigurationChangeEvent): boolean {
  return ['oxenImageStudio.apiBaseUrl', 'http.proxy', 'http.proxyStrictSSL'].some((id) => event.affectsConfiguration(id));
}
