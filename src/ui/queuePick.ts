import * as vscode from 'vscode';
import type { GenerationView } from '../generation/generationEvents';

type QueueItem = vscode.QuickPickItem & { views: GenerationView[] };

function stateText(state: GenerationView['state']): string {
  switch (state) {
    case 'submitting':
      return vscode.l10n.t('sending');
    case 'unresolved':
      return vscode.l10n.t('confirming with Oxen');
    case 'queued':
      return vscode.l10n.t('queued');
    case 'processing':
      return vscode.l10n.t('generating');
    case 'downloading':
      return vscode.l10n.t('downloading');
    default:
      return vscode.l10n.t('saving');
  }
}

/**
 * The queue as a quick pick: one line per image on its way, newest first, and "Cancel All" on
 * top when there is more than one. Resolves with the generations to cancel, or none.
 */
export async function pickFromQueue(views: readonly GenerationView[]): Promise<GenerationView[]> {
  const lines: QueueItem[] = [...views]
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((view) => ({
      label: view.prompt || vscode.l10n.t('(no prompt)'),
      description: stateText(view.state),
      detail: `${view.model} · ${new Date(view.createdAt).toLocaleTimeString(vscode.env.language)}`,
      iconPath: new vscode.ThemeIcon('loading~spin'),
      views: [view],
    }));
  const all: QueueItem[] =
    lines.length > 1
      ? [{ label: vscode.l10n.t('Cancel All ({0})', lines.length), iconPath: new vscode.ThemeIcon('close-all'), views: [...views] }]
      : [];
  const picked = await vscode.window.showQuickPick([...all, ...lines], {
    title: vscode.l10n.t('Oxen Image Studio: Images in Progress'),
    placeHolder: vscode.l10n.t('Pick an image to cancel it'),
    matchOnDetail: true,
  });
  return picked?.views ?? [];
}
