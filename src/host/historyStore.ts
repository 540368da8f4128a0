import * as vscode from 'vscode';

/** One saved image, as the sidebar's gallery lists it. */
export interface HistoryEntry {
  generationId: string;
  model: string;
  prompt: string;
  /** Parameters exactly as sent, seed included, so the image can be made again. */
  params: Record<string, unknown>;
  /** Path relative to its workspace folder, `/`-separated. */
  file: string;
  /** Name of the workspace folder `file` is in (multi-root workspaces). */
  workspaceFolder: string;
  /** ISO 8601 time the generation was requested. */
  created: string;
  /** Workspace-relative path of the markdown document the image was made for, when there was one. */
  document?: string;
}

const HISTORY_STATE_KEY = 'oxenImageStudio.history';
/** Enough for a long-lived docs repository; the gallery is built to stay fast at this size (PERF-06). */
const MAX_ENTRIES = 1000;

/**
 * Every image saved in this workspace, newest first, kept in workspace state. Built by the
 * composition root (the gallery works without the core) and shared with the core, which records.
 */
export class HistoryStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after `record` or `remove` changed the list. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {}

  list(): HistoryEntry[] {
    const stored = this.memento.get<unknown>(HISTORY_STATE_KEY);
    return Array.isArray(stored) ? (stored as HistoryEntry[]) : [];
  }

  /** Adds an entry; a generation delivered again after a reload replaces its earlier entry. */
  async record(entry: HistoryEntry): Promise<void> {
    const others = this.list().filter((existing) => existing.generationId !== entry.generationId);
    await this.memento.update(HISTORY_STATE_KEY, [entry, ...others].slice(0, MAX_ENTRIES));
    this.changed.fire();
  }

  /** Forgets one entry (the file itself is the caller's business). */
  async remove(generationId: string): Promise<void> {
    const entries = this.list();
    const kept = entries.filter((entry) => entry.generationId !== generationId);
    if (kept.length === entries.length) return;
    await this.memento.update(HISTORY_STATE_KEY, kept);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
