import * as vscode from 'vscode';
import { describeParams, type GenerationRecord } from '../../assets/generationRecord';
import { imageLinkAt } from '../../assets/imageLinkAt';
import { commandLink, linkArgument, RECALL_ACTIONS, recallActionTitle } from './recallArgument';
import { linkTarget, lookupRecord, notMadeByUs, type HistoryReader } from './recordLookup';

/** Wide enough to recognise the image, small enough that the text and actions fit without scrolling. */
const THUMBNAIL_WIDTH = 128;

/** Plain text as markdown that shows exactly that text, on one line (SEC-08: no markup, no HTML). */
function text(value: string): string {
  return value.replace(/\s+/g, ' ').replace(/[\\`*_{}[\]()#+\-.!~<>|&$:]/g, '\\$&');
}

/** Inline code, or plain text when the value itself holds a backtick. */
function code(value: string): string {
  return value.includes('`') || value.includes('\n') ? text(value) : `\`${value}\``;
}

/**
 * The hover of an image link: thumbnail, then what the image was made from and the recall
 * actions, or a plain statement that we did not make it. Command links are trusted for the
 * recall commands only.
 */
function recallHoverMarkdown(image: vscode.Uri, record: GenerationRecord | undefined, document: vscode.Uri, range: vscode.Range): vscode.MarkdownString {
  const markdown = new vscode.MarkdownString('', true);
  markdown.isTrusted = { enabledCommands: RECALL_ACTIONS.map((action) => action.command) };
  markdown.appendMarkdown(`![${text(vscode.l10n.t('Thumbnail'))}](${image.toString()}|width=${THUMBNAIL_WIDTH})\n\n`);
  if (!record) {
    markdown.appendMarkdown(text(notMadeByUs()));
    return markdown;
  }
  markdown.appendMarkdown(`**${text(vscode.l10n.t('Prompt'))}:** ${text(record.prompt)}\n\n`);
  markdown.appendMarkdown(`**${text(vscode.l10n.t('Model'))}:** ${code(record.model)}\n\n`);
  const params = describeParams(record.params);
  if (params.length > 0) {
    markdown.appendMarkdown(`**${text(vscode.l10n.t('Parameters'))}:** ${params.map(([name, value]) => `${text(name)} ${code(value)}`).join(' · ')}\n\n`);
  }
  const argument = linkArgument(image, document, range);
  markdown.appendMarkdown(
    RECALL_ACTIONS.map((action) => `[$(${action.icon}) ${text(recallActionTitle(action.command))}](${commandLink(action.command, argument)})`).join(' · '),
  );
  return markdown;
}

/** Hovers on markdown image links to workspace images. Reads the file and the history only: no core, no network. */
export class RecallHoverProvider implements vscode.HoverProvider {
  constructor(private readonly history: HistoryReader) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const link = imageLinkAt(document.lineAt(position.line).text, position.character);
    const image = link && linkTarget(document.uri, link.path);
    if (!link || !image) return undefined;
    let record: GenerationRecord | undefined;
    try {
      record = await lookupRecord(image, this.history);
    } catch {
      return undefined; // a link to a file that is not there: nothing to recall
    }
    const range = new vscode.Range(position.line, link.start, position.line, link.end);
    return new vscode.Hover(recallHoverMarkdown(image, record, document.uri, range), range);
  }
}
