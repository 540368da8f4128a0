import * as vscode from 'vscode';
import { findPromptLinks } from './promptLinks';
import { COMMANDS } from '../commandIds';

/**
 * "Generate" above every prompt link of a markdown document, "Generating…" above one being filled,
 * and "Generate All" above the first when there are several. Registered at activation, so it is a
 * regex over the text and nothing more: the core loads only when a lens is clicked.
 */
export class PromptLinkCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const links = findPromptLinks(document.getText());
    const waiting = links.filter((link) => link.inFlightToken === undefined);
    return links.flatMap((link) => {
      const start = document.positionAt(link.start);
      const range = new vscode.Range(start, document.positionAt(link.end));
      const lenses = [
        new vscode.CodeLens(range, {
          title: link.inFlightToken === undefined ? vscode.l10n.t('$(sparkle) Generate') : vscode.l10n.t('$(loading~spin) Generating…'),
          tooltip: link.prompt,
          command: COMMANDS.generatePromptLink,
          arguments: [new vscode.Location(document.uri, start)],
        }),
      ];
      if (waiting.length > 1 && link === waiting[0]) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: vscode.l10n.t('Generate All ({0})', waiting.length),
            command: COMMANDS.generateAllImages,
            arguments: [document.uri],
          }),
        );
      }
      return lenses;
    });
  }
}
