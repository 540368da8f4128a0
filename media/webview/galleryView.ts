import { GALLERY_IMAGE_MIME } from '../../src/ui/sidebar/ids';
import type { GalleryItem, GalleryPage, GroupBy } from '../../src/ui/sidebar/protocol';
import type { StudioApp } from './app';
import { button, h, icon, iconButton, replaceChildren, uniqueId } from './dom';
import { showMenu, type MenuItem } from './menu';
import { t } from './strings';

export const PAGE_SIZE = 60;
const MAX_REFRESH = 200;

/**
 * A thumbnail dragged into a markdown editor becomes a link there (the host's drop provider). The
 * drag carries the history id under our own type, and the workspace-relative path as plain text
 * for editors of other languages; the image element itself is not draggable, so no file or URL of
 * the webview's resource goes along.
 */
function makeDraggable(element: HTMLElement, item: GalleryItem): void {
  element.draggable = true;
  element.addEventListener('dragstart', (event) => {
    if (!event.dataTransfer) return;
    event.dataTransfer.effectAllowed = 'copy';
    event.dataTransfer.setData(GALLERY_IMAGE_MIME, item.id);
    event.dataTransfer.setData('text/plain', item.file);
  });
}

type Action = 'open' | 'reveal' | 'insert' | 'copyLink' | 'copyPrompt' | 'rerun' | 'vary' | 'load' | 'delete' | 'forget';

/**
 * Past generations, newest first, filtered and grouped on the host and fetched a page at a time
 * (PERF-06): the webview holds only the pages shown, images are small thumbnails loaded lazily,
 * and off-screen tiles skip layout (`content-visibility`). Missing files show as such.
 */
export class GalleryView {
  readonly element: HTMLElement;
  readonly badge: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly summary: HTMLElement;
  private readonly filterInput: HTMLInputElement;
  private readonly groupSelect: HTMLSelectElement;
  private items: GalleryItem[] = [];
  private total = 0;
  private generation = 0;
  private loading = false;
  private filterTimer: ReturnType<typeof setTimeout> | undefined;
  private observer: IntersectionObserver | undefined;
  private readonly tiles = new Map<string, HTMLElement>();
  /** The image "Show in Gallery" asked for: outlined until the next reveal. */
  private highlighted: string | undefined;

  constructor(private readonly app: StudioApp) {
    this.badge = h('span', { class: 'badge', hidden: true });
    const filterId = uniqueId('filter');
    this.filterInput = h('input', {
      id: filterId,
      class: 'filter-input',
      attrs: { type: 'search', placeholder: t('Filter by prompt, file or model'), 'aria-label': t('Filter images') },
      on: {
        input: () => {
          if (this.filterTimer !== undefined) clearTimeout(this.filterTimer);
          this.filterTimer = setTimeout(() => {
            this.app.state.gallery.filter = this.filterInput.value;
            this.app.persist();
            this.refresh(true);
          }, 150);
        },
      },
    });
    this.filterInput.value = app.state.gallery.filter;
    this.groupSelect = h(
      'select',
      {
        class: 'group-select',
        attrs: { 'aria-label': t('Group images') },
        on: {
          change: () => {
            this.app.state.gallery.groupBy = this.groupSelect.value as GroupBy;
            this.app.persist();
            this.refresh(true);
          },
        },
      },
      h('option', { attrs: { value: 'none' } }, t('No grouping')),
      h('option', { attrs: { value: 'document' } }, t('By document')),
      h('option', { attrs: { value: 'folder' } }, t('By folder')),
    );
    this.groupSelect.value = app.state.gallery.groupBy;
    this.grid = h('div', { class: 'gallery-grid', role: 'list', attrs: { 'aria-label': t('Generated images') } });
    this.summary = h('div', { class: 'gallery-summary muted', attrs: { 'aria-live': 'polite' } });
    this.more = button(t('Show more'), () => void this.loadMore(), { secondary: true, props: { class: 'show-more', hidden: true } });
    this.element = h(
      'div',
      { class: 'gallery' },
      h('div', { class: 'gallery-toolbar' }, h('div', { class: 'search-box' }, icon('search'), this.filterInput), this.groupSelect),
      this.summary,
      this.grid,
      this.more,
    );
    const View = app.root.ownerDocument.defaultView as (Window & { IntersectionObserver?: typeof IntersectionObserver }) | null;
    if (View?.IntersectionObserver) {
      this.observer = new View.IntersectionObserver((entries) => {
        if (entries.some((entry) => entry.isIntersecting)) void this.loadMore();
      }, { rootMargin: '400px' });
      this.observer.observe(this.more);
    }
  }

  /** Loaded count; what the tests and the "Show more" logic look at. */
  get loadedCount(): number {
    return this.items.length;
  }

  private query(offset: number, limit: number) {
    return { filter: this.app.state.gallery.filter.slice(0, 200), groupBy: this.app.state.gallery.groupBy, offset, limit };
  }

  /** Reloads what is shown (history changed, or the filter / grouping changed: then from the top). */
  refresh(reset = false): void {
    const generation = ++this.generation;
    const limit = reset ? PAGE_SIZE : Math.min(MAX_REFRESH, Math.max(PAGE_SIZE, this.items.length));
    this.loading = true;
    this.app.request('galleryQuery', { query: this.query(0, limit) }).then(
      (page) => {
        if (generation !== this.generation) return;
        this.loading = false;
        this.items = page.items;
        this.show(page, true);
      },
      (error: Error) => {
        if (generation !== this.generation) return;
        this.loading = false;
        this.summary.textContent = error.message;
      },
    );
  }

  /** "Show in Gallery" from an editor or the Explorer: filter down to the image and point it out. */
  reveal(id: string, filter: string): void {
    this.filterInput.value = filter;
    this.app.state.gallery.filter = filter;
    this.app.persist();
    this.highlighted = id;
    this.refresh(true);
  }

  async loadMore(): Promise<void> {
    if (this.loading || this.items.length >= this.total) return;
    const generation = this.generation;
    this.loading = true;
    try {
      const page = await this.app.request('galleryQuery', { query: this.query(this.items.length, PAGE_SIZE) });
      if (generation !== this.generation) return;
      this.items = [...this.items, ...page.items];
      this.show(page, false);
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  thumbnailReady(id: string, uri: string | undefined, missing: boolean): void {
    const item = this.items.find((candidate) => candidate.id === id);
    const tile = this.tiles.get(id);
    if (!item || !tile) return;
    item.thumbnail = uri;
    item.missing = missing;
    tile.replaceWith(this.tile(item));
  }

  private show(page: GalleryPage, replace: boolean): void {
    this.total = page.total;
    this.badge.hidden = page.all === 0;
    this.badge.textContent = String(page.all);
    this.badge.setAttribute('aria-label', t('{0} images', page.all));
    if (page.all === 0) this.summary.textContent = t('No images yet. Generate one above; it is saved into your workspace and listed here.');
    else if (page.total === 0) this.summary.textContent = t('No image matches “{0}”.', page.query.filter);
    else this.summary.textContent = page.total === page.all ? '' : t('{0} of {1} images match.', page.total, page.all);
    this.summary.hidden = this.summary.textContent === '';
    const labels = new Map(page.groups.map((group) => [group.key, group]));
    if (replace) {
      this.tiles.clear();
      replaceChildren(this.grid);
    }
    let previousGroup = replace ? undefined : this.items[this.items.length - page.items.length - 1]?.group;
    for (const item of page.items) {
      if (page.query.groupBy !== 'none' && item.group !== previousGroup) {
        const group = labels.get(item.group);
        const label = item.group === '' ? (page.query.groupBy === 'document' ? t('No document') : t('Workspace root')) : item.group;
        this.grid.appendChild(
          h('div', { class: 'group-header', role: 'listitem' }, icon(page.query.groupBy === 'document' ? 'markdown' : 'folder'), h('span', { class: 'group-label', title: label }, label), group ? h('span', { class: 'group-count' }, String(group.count)) : null),
        );
      }
      previousGroup = item.group;
      this.grid.appendChild(this.tile(item));
    }
    this.more.hidden = this.items.length >= this.total;
    const highlighted = replace && this.highlighted !== undefined ? this.tiles.get(this.highlighted) : undefined;
    highlighted?.scrollIntoView?.({ block: 'nearest' });
    highlighted?.querySelector<HTMLButtonElement>('.tile-open')?.focus();
    (this.more.lastChild as HTMLElement).textContent = t('Show more ({0} left)', this.total - this.items.length);
  }

  private act(action: Action, item: GalleryItem): void {
    this.app.post({ type: 'galleryAction', action, id: item.id });
  }

  private tile(item: GalleryItem): HTMLElement {
    const promptLabel = item.prompt || item.fileName;
    const media = item.missing
      ? h('div', { class: 'thumb missing' }, icon('warning'), h('span', {}, t('File moved or deleted')))
      : item.thumbnail
        ? h('img', { class: 'thumb', attrs: { src: item.thumbnail, alt: promptLabel, loading: 'lazy', decoding: 'async', draggable: 'false' } })
        : h('div', { class: 'thumb pending', attrs: { 'aria-hidden': 'true' } }, icon('file-media'));
    const open = h(
      'button',
      {
        class: 'tile-open',
        title: `${item.prompt}\n${item.file}`,
        attrs: { type: 'button', 'aria-label': item.missing ? t('{0} (file moved or deleted)', item.file) : t('Open {0}', item.file) },
        on: { click: () => (item.missing ? undefined : this.act('open', item)) },
      },
      media,
    );
    if (!item.missing) makeDraggable(open, item);
    if (item.missing) open.setAttribute('aria-disabled', 'true');
    const moreButton = iconButton('ellipsis', t('More actions for {0}', item.fileName), () => showMenu(moreButton, t('Actions for {0}', item.fileName), this.menuItems(item)), {
      attrs: { 'aria-haspopup': 'menu', 'aria-expanded': 'false' },
    });
    const actions = h(
      'div',
      { class: 'tile-actions', role: 'toolbar', attrs: { 'aria-label': t('Actions for {0}', item.fileName) } },
      item.missing ? null : iconButton('insert', t('Insert into the active document'), () => this.act('insert', item)),
      item.missing ? null : iconButton('link', t('Copy markdown link'), () => this.act('copyLink', item)),
      moreButton,
    );
    const tile = h(
      'div',
      { class: `tile${item.missing ? ' is-missing' : ''}${item.id === this.highlighted ? ' is-highlighted' : ''}`, role: 'listitem', attrs: { 'data-id': item.id } },
      open,
      actions,
      h('div', { class: 'tile-caption', title: item.prompt }, promptLabel),
    );
    tile.addEventListener('contextmenu', (event) => {
      event.preventDefault();
      showMenu(moreButton, t('Actions for {0}', item.fileName), this.menuItems(item));
    });
    this.tiles.set(item.id, tile);
    return tile;
  }

  private menuItems(item: GalleryItem): MenuItem[] {
    const run = (action: Action) => () => this.act(action, item);
    const load = () => this.act('load', item);
    if (item.missing) {
      return [
        { label: t('Load parameters into the form'), icon: 'arrow-up', run: load },
        { label: t('Copy prompt'), icon: 'copy', run: run('copyPrompt') },
        { label: t('Re-run'), icon: 'debug-rerun', run: run('rerun') },
        { label: t('Remove from history'), icon: 'trash', run: run('forget'), danger: true, separated: true },
      ];
    }
    return [
      { label: t('Open'), icon: 'go-to-file', run: run('open') },
      { label: t('Reveal in Explorer'), icon: 'folder-opened', run: run('reveal') },
      { label: t('Insert into the active document'), icon: 'insert', run: run('insert'), separated: true },
      { label: t('Copy markdown link'), icon: 'link', run: run('copyLink') },
      { label: t('Copy prompt'), icon: 'copy', run: run('copyPrompt') },
      { label: t('Re-run'), icon: 'debug-rerun', run: run('rerun'), separated: true },
      { label: t('Vary (new seed)'), icon: 'refresh', run: run('vary') },
      { label: t('Load parameters into the form'), icon: 'arrow-up', run: load },
      { label: t('Delete…'), icon: 'trash', run: run('delete'), danger: true, separated: true },
    ];
  }
}
