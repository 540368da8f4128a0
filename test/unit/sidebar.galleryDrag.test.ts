/**
 * A gallery thumbnail as a drag source (issue 5): the drag carries the history id under the
 * extension's own type and the workspace-relative path as plain text, nothing else (no file URL,
 * no webview resource URL); a missing file's tile is not draggable. SEC-09: the host only looks
 * the id up in the history (test/integration/suite/dropPaste.test.ts).
 */
import * as assert from 'node:assert/strict';
import type { HistoryEntry } from '../../src/host/historyStore';
import { queryGallery } from '../../src/ui/sidebar/gallery';
import { GALLERY_IMAGE_MIME } from '../../src/ui/sidebar/ids';
import type { GalleryQuery } from '../../src/ui/sidebar/protocol';
import { baseSnapshot, flush, mountStudio } from './support/sidebarDom';

function entry(id: string, file: string): HistoryEntry {
  return { generationId: id, model: 'krea-v2-large-text-to-image', prompt: `prompt ${id}`, params: { seed: 1 }, file, workspaceFolder: 'site', created: new Date(Date.UTC(2026, 0, 1)).toISOString() };
}

/** What a browser's DataTransfer records in `dragstart`. */
class RecordingDataTransfer {
  readonly data = new Map<string, string>();
  effectAllowed = 'uninitialized';
  setData(type: string, value: string): void {
    this.data.set(type, value);
  }
}

describe('gallery thumbnails as drag sources (issue 5)', () => {
  it('drag the history id and the relative path only; missing files do not drag', async () => {
    const entries = [entry('gen-ok', 'docs/img/a fox (v2).png'), entry('gen-missing', 'assets/generated/gone.png')];
    const harness = mountStudio();
    harness.answerGallery((query) => queryGallery(entries, query as unknown as GalleryQuery, (item) => ({ thumbnail: `https://res/thumbs/${item.generationId}.png`, missing: item.generationId === 'gen-missing' })));
    harness.send({ type: 'snapshot', snapshot: baseSnapshot() });
    await flush();
    await flush();

    const open = (id: string) => harness.document.querySelector(`.tile[data-id="${id}"] .tile-open`) as HTMLElement;
    assert.equal(open('gen-ok').draggable, true);
    assert.equal(open('gen-missing').draggable, false);
    assert.equal(harness.document.querySelector('.tile[data-id="gen-ok"] img')?.getAttribute('draggable'), 'false', 'the image itself would drag its resource URL');

    const dataTransfer = new RecordingDataTransfer();
    const event = new harness.dom.window.Event('dragstart', { bubbles: true });
    Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
    open('gen-ok').dispatchEvent(event);
    assert.deepEqual(Object.fromEntries(dataTransfer.data), { [GALLERY_IMAGE_MIME]: 'gen-ok', 'text/plain': 'docs/img/a fox (v2).png' });
    assert.equal(dataTransfer.effectAllowed, 'copy');
    harness.close();
  });
});
