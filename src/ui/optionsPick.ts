import * as vscode from 'vscode';
import type { LastChoices } from '../host/paletteMemory';
import type { ModelInfo } from '../oxen/client';
import { validateParameters, type ParameterDescriptor } from '../oxen/modelParameters';
import { MAX_IMAGES_PER_REQUEST as MAX_COUNT } from './requestBuilder';

/** The palette's choices; `values` holds one entry per offered parameter (undefined: model default). */
export type Choices = LastChoices;

/** A line of the options step: "Generate" (no `edit`) or an option that opens its own pick. */
type SummaryItem = vscode.QuickPickItem & { edit?: (choices: Choices) => Promise<Choices> };
type ValueItem<T> = vscode.QuickPickItem & { value: T };

/** Parameters the palette sets itself (prompt, seed) or that the count replaces. */
const HANDLED_ELSEWHERE = new Set(['prompt', 'seed', 'num_generations', 'num_images', 'n']);

function offered(descriptor: ParameterDescriptor): boolean {
  if (HANDLED_ELSEWHERE.has(descriptor.name)) return false;
  return descriptor.enumValues !== undefined || ['boolean', 'integer', 'number', 'string'].includes(descriptor.type);
}

function isValid(descriptor: ParameterDescriptor, value: unknown): boolean {
  return value === undefined || validateParameters([descriptor], { [descriptor.name]: value }).ok;
}

function display(value: unknown): string {
  if (value === undefined) return vscode.l10n.t('model default');
  if (typeof value === 'boolean') return value ? vscode.l10n.t('on') : vscode.l10n.t('off');
  return String(value);
}

function seedText(seed: Choices['seed']): string {
  return seed === 'random' ? vscode.l10n.t('random seed') : vscode.l10n.t('seed {0}', seed);
}

function countText(count: number): string {
  return count === 1 ? vscode.l10n.t('1 image') : vscode.l10n.t('{0} images', count);
}

function costLine(model: ModelInfo, count: number): string | undefined {
  if (model.pricePerImage === undefined) return undefined;
  const money = new Intl.NumberFormat(vscode.env.language, { style: 'currency', currency: 'USD', maximumFractionDigits: 4 });
  return vscode.l10n.t('Estimated cost: {0} ({1} per image)', money.format(model.pricePerImage * count), money.format(model.pricePerImage));
}

/** Last used values that the model still accepts; defaults for the rest. */
export function initialChoices(descriptors: readonly ParameterDescriptor[], last: LastChoices | undefined): Choices {
  const values: Record<string, unknown> = {};
  for (const descriptor of descriptors.filter(offered)) {
    const remembered = last?.values[descriptor.name];
    values[descriptor.name] = remembered !== undefined && isValid(descriptor, remembered) ? remembered : descriptor.defaultValue;
  }
  const hasSeed = descriptors.some((descriptor) => descriptor.name === 'seed');
  const count = last && Number.isInteger(last.count) && last.count >= 1 && last.count <= MAX_COUNT ? last.count : 1;
  return { values, seed: hasSeed && last ? last.seed : 'random', count };
}

/** Current value first, then the rest in the model's order; the default is marked. */
function orderedValues<T>(values: readonly T[], current: T, defaultValue: unknown, label: (value: T) => string): ValueItem<T>[] {
  const ordered = [current, ...values.filter((value) => value !== current)].filter((value) => values.includes(value));
  return ordered.map((value) => ({
    label: label(value),
    value,
    description: [value === current ? vscode.l10n.t('last used') : '', value === defaultValue ? vscode.l10n.t('default') : ''].filter(Boolean).join(' · '),
  }));
}

async function pickValue<T>(title: string, items: ValueItem<T>[]): Promise<T | undefined> {
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  return picked?.value;
}

async function editParameter(descriptor: ParameterDescriptor, choices: Choices): Promise<Choices> {
  const current = choices.values[descriptor.name];
  const set = (value: unknown): Choices => ({ ...choices, values: { ...choices.values, [descriptor.name]: value } });
  if (descriptor.enumValues) {
    const picked = await pickValue(descriptor.title, orderedValues([...descriptor.enumValues], current as string | number, descriptor.defaultValue, String));
    return picked === undefined ? choices : set(picked);
  }
  if (descriptor.type === 'boolean') {
    const picked = await pickValue(descriptor.title, orderedValues([true, false], current === true, descriptor.defaultValue, display));
    return picked === undefined ? choices : set(picked);
  }
  const numeric = descriptor.type === 'integer' || descriptor.type === 'number';
  const parse = (text: string): unknown => (text.trim() === '' ? undefined : numeric ? Number(text) : text);
  const typed = await vscode.window.showInputBox({
    title: descriptor.title,
    prompt: descriptor.description,
    value: current === undefined ? '' : String(current),
    placeHolder: vscode.l10n.t('Leave empty for the model default'),
    ignoreFocusOut: true,
    validateInput: (text) => {
      const result = validateParameters([descriptor], { [descriptor.name]: parse(text) });
      return result.ok ? undefined : `${descriptor.title} ${result.issues[0]?.message ?? ''}`;
    },
  });
  return typed === undefined ? choices : set(parse(typed));
}

async function editSeed(descriptor: ParameterDescriptor, choices: Choices): Promise<Choices> {
  type SeedChoice = number | 'random' | 'enter';
  const random: ValueItem<SeedChoice> = { label: vscode.l10n.t('$(refresh) Random'), description: vscode.l10n.t('a new seed for every image'), value: 'random' };
  const enter: ValueItem<SeedChoice> = {
    label: vscode.l10n.t('$(edit) Enter a seed…'),
    description: vscode.l10n.t('the same seed and prompt give the same image'),
    value: 'enter',
  };
  // The last used choice goes on top, so Enter keeps it.
  const items =
    choices.seed === 'random'
      ? [random, enter]
      : [{ label: vscode.l10n.t('$(lock) Keep seed {0}', choices.seed), description: vscode.l10n.t('last used'), value: choices.seed }, random, enter];
  const picked = await pickValue(vscode.l10n.t('Seed'), items);
  if (picked === undefined) return choices;
  if (picked !== 'enter') return { ...choices, seed: picked };
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Seed'),
    value: choices.seed === 'random' ? '' : String(choices.seed),
    ignoreFocusOut: true,
    validateInput: (text) => {
      const result = validateParameters([{ ...descriptor, required: true }], { seed: Number(text.trim() === '' ? NaN : text) });
      return result.ok ? undefined : vscode.l10n.t('Seed {0}', result.issues[0]?.message ?? '');
    },
  });
  return typed === undefined ? choices : { ...choices, seed: Number(typed) };
}

async function editCount(choices: Choices): Promise<Choices> {
  const counts = Array.from({ length: MAX_COUNT }, (_, index) => index + 1);
  const picked = await pickValue(vscode.l10n.t('Number of images'), orderedValues(counts, choices.count, 1, countText));
  return picked === undefined ? choices : { ...choices, count: picked };
}

function summaryItems(model: ModelInfo, descriptors: readonly ParameterDescriptor[], choices: Choices): SummaryItem[] {
  const seedDescriptor = descriptors.find((descriptor) => descriptor.name === 'seed');
  const parameters = descriptors.filter(offered);
  const summary = [
    ...parameters.map((descriptor) => display(choices.values[descriptor.name])),
    ...(seedDescriptor ? [seedText(choices.seed)] : []),
    countText(choices.count),
  ].join(' · ');
  return [
    { label: vscode.l10n.t('$(sparkle) Generate'), description: summary, detail: costLine(model, choices.count) },
    { label: model.displayName, kind: vscode.QuickPickItemKind.Separator },
    ...parameters.map(
      (descriptor): SummaryItem => ({
        label: descriptor.title,
        description: display(choices.values[descriptor.name]),
        detail: descriptor.description,
        edit: (current) => editParameter(descriptor, current),
      }),
    ),
    ...(seedDescriptor
      ? [{ label: vscode.l10n.t('Seed'), description: seedText(choices.seed), edit: (current: Choices) => editSeed(seedDescriptor, current) }]
      : []),
    { label: vscode.l10n.t('Number of images'), description: countText(choices.count), edit: editCount },
  ];
}

/**
 * The options step: "Generate" is first, so Enter accepts the last used (or default) values at
 * once; any other line opens a quick pick for that parameter and comes back here.
 */
export async function pickOptions(model: ModelInfo, descriptors: readonly ParameterDescriptor[], initial: Choices): Promise<Choices | undefined> {
  let choices = initial;
  for (;;) {
    const picked = await vscode.window.showQuickPick(summaryItems(model, descriptors, choices), {
      title: vscode.l10n.t('Generate Image: Options (Enter to generate)'),
      placeHolder: vscode.l10n.t('Press Enter to generate, or pick an option to change it'),
      ignoreFocusOut: true,
      matchOnDescription: true,
    });
    if (!picked) return undefined;
    if (!picked.edit) return choices;
    choices = await picked.edit(choices);
  }
}
