import * as vscode from 'vscode';

/**
 * Says where an image went when no link was inserted (no markdown document, an untitled or
 * non-markdown one, or a placeholder the user deleted), with ways to use it.
 */
export function announceSaved(file: vscode.Uri, markdownLink: string): void {
  const open = vscode.l10n.t('Open');
  const copy = vscode.l10n.t('Copy Markdown Link');
  const reveal = vscode.l10n.t('Reveal');
  const where = vscode.workspace.asRelativePath(file);
  void vscode.window.showInformationMessage(vscode.l10n.t('Image saved to {0}', where), open, copy, reveal).then(async (picked) => {
    if (picked === open) await vscode.commands.executeCommand('vscode.open', file);
    if (picked === copy) await vscode.env.clipboard.writeText(markdownLink);
    if (picked === reveal) await vscode.commands.executeCommand('revealInExplorer', file);
  });
}
