import type { HistoryEntry } from '../../host/historyStore';
import type { GalleryGroup, GalleryItem, GalleryPage, GalleryQuery } from './protocol';

export interface ItemDecoration {
  thumbnail: string | undefined;
  missing: boolean;
}

interface Indexed {
  entry: HistoryEntry;
  time: number;
  haystack: string;
  group: string;
}

function timeOf(created: string): number {
  const time = Date.parse(created);
  return Number.isFinite(time) ? time : 0;
}

function dirname(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash < 0 ? '' : file.slice(0, slash);
}

function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

function groupKey(entry: HistoryEntry, groupBy: GalleryQuery['groupBy'], multiRoot: boolean): string {
  const prefix = multiRoot ? `${entry.workspaceFolder}: ` : '';
  switch (groupBy) {
    case 'none':
      return '';
    case 'document':
      return entry.document ? prefix + entry.document : '';
    case 'folder':
      return prefix + dirname(entry.file);
  }
}

/**
 * Filters, groups and pages the history for the gallery (PERF-06: the webview only ever holds
 * the pages it has shown). Newest first; groups ordered by their newest image. An empty group key
 * means "no document" / the workspace root; the webview labels it.
 */
export function queryGallery(
  entries: readonly HistoryEntry[],
  query: GalleryQuery,
  decorate: (entry: HistoryEntry) => ItemDecoration,
): GalleryPage {
  const multiRoot = new Set(entries.map((entry) => entry.workspaceFolder)).size > 1;
  const terms = query.filter.toLowerCase().split(/\s+/).filter((term) => term !== '');
  const matching: Indexed[] = [];
  for (const entry of entries) {
    const seed = typeof entry.params.seed === 'number' ? String(entry.params.seed) : '';
    const haystack = `${entry.prompt}\n${entry.file}\n${entry.model}\n${seed}\n${entry.document ?? ''}`.toLowerCase();
    if (terms.every((term) => haystack.includes(term))) {
      matching.push({ entry, time: timeOf(entry.created), haystack, group: groupKey(entry, query.groupBy, multiRoot) });
    }
  }
  matching.sort((a, b) => b.time - a.time);
  const groups = new Map<string, { newest: number; items: Indexed[] }>();
  for (const item of matching) {
    const group = groups.get(item.group);
    if (group) group.items.push(item);
    else groups.set(item.group, { newest: item.time, items: [item] });
  }
  const ordered = [...groups.entries()].sort((a, b) => b[1].newest - a[1].newest);
  const flat = ordered.flatMap(([, group]) => group.items);
  const pageItems = flat.slice(query.offset, query.offset + query.limit).map(
    ({ entry, group }): GalleryItem => ({
      id: entry.generationId,
      model: entry.model,
      prompt: entry.prompt,
      file: entry.file,
      fileName: baseName(entry.file),
      created: entry.created,
      seed: typeof entry.params.seed === 'number' ? entry.params.seed : undefined,
      group,
      ...decorate(entry),
    }),
  );
  const groupList: GalleryGroup[] =
    query.groupBy === 'none' ? [] : ordered.map(([key, group]) => ({ key, label: key, count: group.items.length }));
  return { query, total: flat.length, all: entries.length, groups: groupList, items: pageItems };
}
