import type * as vscode from 'vscode';

/** What the palette flow remembers for a model: the choices to offer first next time. */
export interface LastChoices {
  /** Parameter values by name (aspect ratio, creativity, …); the seed is not among them. */
  values: Record<string, unknown>;
  /** A fixed seed, or 'random'. */
  seed: number | 'random';
  count: number;
}

const RECENT_PROMPTS_KEY = 'oxenImageStudio.recentPrompts';
const LAST_CHOICES_KEY = 'oxenImageStudio.lastChoices';
const MAX_RECENT_PROMPTS = 20;

/** Recent prompts and last used parameters, kept across workspaces in global state. */
export class PaletteMemory {
  constructor(private readonly memento: vscode.Memento) {}

  recentPrompts(): string[] {
    const stored = this.memento.get<unknown>(RECENT_PROMPTS_KEY);
    return Array.isArray(stored) ? stored.filter((prompt): prompt is string => typeof prompt === 'string') : [];
  }

  async rememberPrompt(prompt: string): Promise<void> {
    const others = this.recentPrompts().filter((existing) => existing !== prompt);
    await this.memento.update(RECENT_PROMPTS_KEY, [prompt, ...others].slice(0, MAX_RECENT_PROMPTS));
  }

  lastChoices(model: string): LastChoices | undefined {
    return this.allChoices()[model];
  }

  async rememberChoices(model: string, choices: LastChoices): Promise<void> {
    await this.memento.update(LAST_CHOICES_KEY, { ...this.allChoices(), [model]: choices });
  }

  private allChoices(): Record<string, LastChoices> {
    const stored = this.memento.get<unknown>(LAST_CHOICES_KEY);
    return typeof stored === 'object' && stored !== null ? (stored as Record<string, LastChoices>) : {};
  }
}
