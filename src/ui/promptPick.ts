import * as vscode from 'vscode';

interface PromptItem extends vscode.QuickPickItem {
  prompt: string;
}

/**
 * Asks for the prompt: typed text (prefilled from the selection) or one of the recent prompts,
 * which typing also filters. Enter takes the highlighted line; Escape cancels.
 */
export function pickPrompt(initial: string, recent: readonly string[]): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<PromptItem>();
  pick.title = vscode.l10n.t('Generate Image: Prompt');
  pick.placeholder = vscode.l10n.t('Describe the image, or pick a recent prompt');
  pick.ignoreFocusOut = true;
  pick.matchOnDetail = true;
  const recentItems: PromptItem[] = recent.map((prompt) => ({
    label: prompt,
    prompt,
    iconPath: new vscode.ThemeIcon('history'),
    description: vscode.l10n.t('recent'),
  }));
  const refresh = () => {
    const typed = pick.value.trim();
    const typedItem: PromptItem[] = typed
      ? [{ label: typed, prompt: typed, iconPath: new vscode.ThemeIcon('edit'), description: vscode.l10n.t('new prompt'), alwaysShow: true }]
      : [];
    pick.items = [...typedItem, ...recentItems.filter((item) => item.prompt !== typed)];
  };
  pick.value = initial;
  refresh();
  return new Promise<string | undefined>((resolve) => {
    pick.onDidChangeValue(refresh);
    pick.onDidAccept(() => {
      const prompt = pick.selectedItems[0]?.prompt ?? pick.value.trim();
      if (!prompt) return; // nothing to generate from yet: keep the input open
      resolve(prompt);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}
