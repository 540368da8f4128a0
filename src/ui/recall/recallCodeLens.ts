import * as vscode from 'vscode';
import { findImageLinks } from '../../assets/imageLinkAt';
import { linkArgument, RECALL_ACTIONS, recallActionTitle } from './recallArgument';
import { linkTarget, lookupRecord, type HistoryReader } from './recordLookup';

export const RECALL_CODE_LENS_SETTING = 'oxenImageStudio.recall.codeLens';
/** Each link costs a file read; a long page of images must not stall the editor. */
const MAX_LINKS = 100;

/**
 * The hover's actions as CodeLens above links to images we made, when
 * `oxenImageStudio.recall.codeLens` is on. Off by default: lenses take a line each.
 */
export class RecallCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly history: HistoryReader & { readonly onDidChange: vscode.Event<void> }) {
    this.subscriptions = [
      this.changed,
      history.onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(RECALL_CODE_LENS_SETTING)) this.changed.fire();
      }),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration(undefined, document.uri).get<boolean>(RECALL_CODE_LENS_SETTING, false)) return [];
    const links = findImageLinks(document.getText()).slice(0, MAX_LINKS);
    const lenses = await Promise.all(
      links.map(async (link) => {
        const image = linkTarget(document.uri, link.path);
        const record = image && (await lookupRecord(image, this.history).catch(() => undefined));
        if (!image || !record) return [];
        const range = new vscode.Range(document.positionAt(link.start), document.positionAt(link.end));
        const argument = linkArgument(image, document.uri, range);
        return RECALL_ACTIONS.map(
          (action) => new vscode.CodeLens(range, { title: `$(${action.icon}) ${recallActionTitle(action.command)}`, command: action.command, arguments: [argument] }),
        );
      }),
    );
    return lenses.flat();
  }

  dispose(): void {
    vscode.Disposable.from(...this.subscriptions).dispose();
  }
}
