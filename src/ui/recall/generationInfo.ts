import * as vscode from 'vscode';
import { describeParams, type GenerationRecord } from '../../assets/generationRecord';
import { parseRecallArgument } from './recallArgument';
import { imageName, lookupRecord, notMadeByUs, type HistoryReader } from './recordLookup';
import { GENERATION_INFO_SCHEME } from './generationInfoScheme';

/**
 * "Show Generation Info" (Explorer): a read-only markdown document, served by a content
 * provider, listing what an image was made from, or saying plainly that we did not make it.
 */


/** Keeps a value on one table row and out of the table's syntax. */
function cell(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function generationInfoMarkdown(image: vscode.Uri, record: GenerationRecord | undefined): string {
  const name = imageName(image);
  if (!record) {
    return `# ${name}\n\n${notMadeByUs()}\n`;
  }
  const source = record.source === 'embedded' ? vscode.l10n.t('metadata embedded in the PNG') : vscode.l10n.t('this workspace’s history');
  const rows: Array<[string, string]> = [
    [vscode.l10n.t('Prompt'), record.prompt],
    [vscode.l10n.t('Model'), record.model],
    ...describeParams(record.params),
    ...(record.created ? [[vscode.l10n.t('Created'), record.created] as [string, string]] : []),
    ...(record.generationId ? [[vscode.l10n.t('Generation id'), record.generationId] as [string, string]] : []),
  ];
  return [
    `# ${vscode.l10n.t('Generation info: {0}', name)}`,
    '',
    vscode.l10n.t('Made by Oxen Image Studio; read from {0}.', source),
    '',
    `| ${vscode.l10n.t('Field')} | ${vscode.l10n.t('Value')} |`,
    '| --- | --- |',
    ...rows.map(([field, value]) => `| ${cell(field)} | ${cell(value)} |`),
    '',
  ].join('\n');
}

/** The info document's URI: named after the image, which it carries in the query. */
export function generationInfoUri(image: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: GENERATION_INFO_SCHEME, path: `/${imageName(image)}.md`, query: image.toString() });
}

export class GenerationInfoProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  /** Open info documents follow the history (a Regenerate in Place changes what the file holds). */
  constructor(private readonly history: HistoryReader & { readonly onDidChange: vscode.Event<void> }) {
    this.subscription = history.onDidChange(() => {
      for (const document of vscode.workspace.textDocuments) {
        if (document.uri.scheme === GENERATION_INFO_SCHEME) this.changed.fire(document.uri);
      }
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const image = vscode.Uri.parse(uri.query, true);
    try {
      return generationInfoMarkdown(image, await lookupRecord(image, this.history));
    } catch (error) {
      return `# ${imageName(image)}\n\n${vscode.l10n.t('The image cannot be read: {0}', (error as Error).message)}\n`;
    }
  }
}

/** Opens the info document of the image the Explorer (or a caller) names; resolves to its URI. */
export function showGenerationInfoCommand(commandId: string) {
  return async (argument?: unknown): Promise<string> => {
    const { image } = parseRecallArgument(commandId, argument);
    const uri = generationInfoUri(image);
    await vscode.window.showTextDocument(uri, { preview: true });
    return uri.toString();
  };
}
