import { queryGallery } from '../../src/ui/sidebar/gallery';
import type { GalleryQuery } from '../../src/ui/sidebar/protocol';
import { galleryHistory } from '../unit/support/galleryHistory';
import type { Measurement } from './support/results';
import { summarize } from './support/stats';

/** As many entries as the history keeps (HistoryStore's cap): the gallery's worst case (PERF-06). */
const ENTRIES = 1000;
const SAMPLES = 400;
const WARM_UP = 50;

/** The queries a user makes: pages, a filter typed, grouped by document or folder. */
function queryFor(sample: number): GalleryQuery {
  return {
    filter: ['', 'cat', 'lighthouse', 'take 9'][sample % 4]!,
    groupBy: (['none', 'document', 'folder'] as const)[sample % 3]!,
    offset: (sample % 10) * 60,
    limit: 60,
  };
}

export const galleryQuery: Measurement = {
  id: 'galleryQuery',
  title: 'Gallery query over a full history (1,000 entries)',
  async run() {
    const entries = galleryHistory(ENTRIES);
    const decorate = () => ({ thumbnail: 'thumb', missing: false });
    const samples: number[] = [];
    for (let sample = 0; sample < WARM_UP + SAMPLES; sample++) {
      const started = performance.now();
      queryGallery(entries, queryFor(sample), decorate);
      if (sample >= WARM_UP) samples.push(performance.now() - started);
    }
    return {
      id: 'galleryQuery',
      title: this.title,
      figures: [{ key: 'gallery.query', label: 'one gallery page: filter, group, sort, slice', unit: 'ms', ours: summarize(samples) }],
      notes: [`${SAMPLES} queries after ${WARM_UP} warm-up ones, mixing filters, groupings and pages, in the bench process (the extension host answers them the same way).`],
    };
  },
};
