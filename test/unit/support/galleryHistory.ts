import type { HistoryEntry } from '../../../src/host/historyStore';

const DOCS = ['docs/guide.md', 'README.md', undefined];

/**
 * A workspace history of `count` entries as HistoryStore keeps it (newest first, shuffled a
 * little to prove the sort), mixing models, prompts ("lighthouse …" every tenth, "a cat, take …"
 * otherwise), folders and documents: the gallery tests and the gallery benchmark query it.
 */
export function galleryHistory(count: number): HistoryEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    generationId: `gen-${i}`,
    model: i % 4 === 0 ? 'flux-2-pro' : 'krea-v2-large-text-to-image',
    prompt: i % 10 === 0 ? `lighthouse number ${i}` : `a cat, take ${i}`,
    params: { seed: 1000 + i },
    file: `${i % 3 === 0 ? 'assets/generated' : 'docs/img'}/image-${i}.png`,
    workspaceFolder: 'site',
    created: new Date(Date.UTC(2026, 0, 1) + (count - i) * 60_000 + (i % 7 === 0 ? 30_000 : 0)).toISOString(),
    document: DOCS[i % 3],
  }));
}
