import type { FailedItem, QueueItem } from '../../src/ui/sidebar/protocol';
import type { StudioApp } from './app';
import { button, h, icon, iconButton, replaceChildren } from './dom';
import { t } from './strings';

const ACTIVE = new Set<QueueItem['state']>(['submitting', 'unresolved', 'queued', 'processing', 'downloading', 'finalizing']);

function stateLabel(state: QueueItem['state']): string {
  switch (state) {
    case 'submitting':
      return t('Submitting');
    case 'unresolved':
      return t('Confirming with Oxen');
    case 'queued':
      return t('Queued');
    case 'processing':
      return t('Generating');
    case 'downloading':
      return t('Downloading');
    case 'finalizing':
      return t('Saving');
    case 'saved':
      return t('Saved');
    case 'failed':
      return t('Failed');
    case 'cancelled':
      return t('Cancelled');
  }
}

export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const rest = String(seconds % 60).padStart(2, '0');
  return minutes >= 60 ? `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
}

/**
 * In-flight generations (prompt, model, status, elapsed time, cancel) and failed ones with their
 * reason and "Edit & retry". One timer refreshes the elapsed times, only while something runs.
 */
export class QueueView {
  readonly element: HTMLElement;
  readonly badge: HTMLElement;
  items: QueueItem[] = [];
  failures: FailedItem[] = [];
  private readonly list: HTMLElement;
  private timer: unknown;
  private readonly clocks: Array<{ node: HTMLElement; since: number }> = [];

  constructor(private readonly app: StudioApp) {
    this.badge = h('span', { class: 'badge', hidden: true });
    this.list = h('ul', { class: 'queue-list', attrs: { 'aria-label': t('Generations in progress') } });
    this.element = h('div', { class: 'queue' }, this.list);
  }

  update(items: QueueItem[], failures: FailedItem[]): void {
    this.items = items;
    this.failures = failures;
    this.render();
  }

  render(): void {
    const active = this.items.filter((item) => ACTIVE.has(item.state));
    const retryable = this.items.filter((item) => item.state === 'failed' && item.failure?.retryable);
    const failed = this.failures.filter((failure) => !retryable.some((item) => item.generationId === failure.id));
    const count = active.length + retryable.length + failed.length;
    this.badge.hidden = count === 0;
    this.badge.textContent = String(count);
    this.badge.setAttribute('aria-label', t('{0} in queue', count));
    this.clocks.length = 0;
    const rows: HTMLElement[] = [...active.map((item) => this.activeRow(item)), ...retryable.map((item) => this.retryRow(item)), ...failed.map((item) => this.failedRow(item))];
    if (rows.length === 0) rows.push(h('li', { class: 'empty muted' }, t('Nothing in progress. Generated images appear in the gallery below.')));
    replaceChildren(this.list, ...rows);
    this.tick();
    const running = this.clocks.length > 0;
    const set = this.app.options.setInterval ?? ((callback: () => void, ms: number) => setInterval(callback, ms));
    const clear = this.app.options.clearInterval ?? ((handle: unknown) => clearInterval(handle as ReturnType<typeof setInterval>));
    if (running && this.timer === undefined) this.timer = set(() => this.tick(), 1000);
    if (!running && this.timer !== undefined) {
      clear(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = this.app.now();
    for (const clock of this.clocks) clock.node.textContent = formatElapsed(now - clock.since);
  }

  private promptLine(prompt: string): HTMLElement {
    return h('div', { class: 'queue-prompt', title: prompt }, prompt || t('(no prompt)'));
  }

  private activeRow(item: QueueItem): HTMLElement {
    const elapsed = h('span', { class: 'elapsed', attrs: { 'aria-label': t('Elapsed time') } });
    this.clocks.push({ node: elapsed, since: item.createdAt });
    const cancel = iconButton('close', t('Cancel generation: {0}', item.prompt.slice(0, 80)), () => {
      cancel.disabled = true;
      this.app.post({ type: 'cancel', id: item.id });
    });
    cancel.disabled = item.state === 'downloading' || item.state === 'finalizing';
    return h(
      'li',
      { class: `queue-item state-${item.state}` },
      icon(item.state === 'queued' ? 'clock' : 'loading', item.state === 'queued' ? 'status' : 'status codicon-modifier-spin'),
      h(
        'div',
        { class: 'queue-main' },
        this.promptLine(item.prompt),
        h('div', { class: 'queue-meta' }, h('span', {}, this.app.modelName(item.model)), ' · ', h('span', { class: 'queue-state' }, stateLabel(item.state)), ' · ', elapsed),
      ),
      cancel,
    );
  }

  private retryRow(item: QueueItem): HTMLElement {
    return h(
      'li',
      { class: 'queue-item state-failed' },
      icon('warning', 'status'),
      h(
        'div',
        { class: 'queue-main' },
        this.promptLine(item.prompt),
        h('div', { class: 'queue-reason' }, item.failure?.message ?? t('The download failed.')),
        h(
          'div',
          { class: 'queue-actions' },
          button(t('Retry download'), () => this.app.post({ type: 'retryDownload', id: item.id }), { secondary: true, icon: 'refresh' }),
          button(t('Dismiss'), () => this.app.post({ type: 'dismiss', id: item.id }), { secondary: true }),
        ),
      ),
    );
  }

  private failedRow(item: FailedItem): HTMLElement {
    return h(
      'li',
      { class: 'queue-item state-failed' },
      icon('error', 'status'),
      h(
        'div',
        { class: 'queue-main' },
        this.promptLine(item.prompt),
        h('div', { class: 'queue-meta' }, this.app.modelName(item.model), ' · ', t('Failed')),
        h('div', { class: 'queue-reason' }, item.message),
        h(
          'div',
          { class: 'queue-actions' },
          button(t('Edit & retry'), () => this.app.editAndRetry(item), { icon: 'edit' }),
          button(t('Dismiss'), () => this.app.post({ type: 'dismiss', id: item.id }), { secondary: true }),
        ),
      ),
    );
  }
}
