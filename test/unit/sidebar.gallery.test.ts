import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderArtwork } from '../emulator/artwork';
import { queryGallery } from '../../src/ui/sidebar/gallery';
import type { GalleryItem, GalleryPage, GalleryQuery } from '../../src/ui/sidebar/protocol';
import { decodePng, pngThumbnail, ThumbnailCache, THUMBNAIL_SIZE } from '../../src/ui/sidebar/thumbnails';
import { UI_STRINGS } from '../../src/ui/sidebar/strings';
import { PAGE_SIZE } from '../../media/webview/galleryView';
import { galleryHistory } from './support/galleryHistory';
import { baseSnapshot, flush, mountStudio } from './support/sidebarDom';

const plain = () => ({ thumbnail: 'thumb', missing: false });
const q = (overrides: Partial<GalleryQuery> = {}): GalleryQuery => ({ filter: '', groupBy: 'none', offset: 0, limit: 60, ...overrides });

describe('sidebar gallery with 1,000 entries (PERF-06)', () => {
  const entries = galleryHistory(1000);

  it('pages through all of them newest first, each exactly once', () => {
    const seen: GalleryItem[] = [];
    for (let offset = 0; ; offset += 60) {
      const page = queryGallery(entries, q({ offset }), plain);
      assert.equal(page.total, 1000);
      if (page.items.length === 0) break;
      assert.ok(page.items.length <= 60);
      seen.push(...page.items);
    }
    assert.equal(seen.length, 1000);
    assert.equal(new Set(seen.map((item) => item.id)).size, 1000);
    const times = seen.map((item) => Date.parse(item.created));
    assert.ok(times.every((time, i) => i === 0 || times[i - 1]! >= time), 'newest first');
  });

  it('filters by text (all words, case-insensitive) and groups by document or folder', () => {
    const lighthouses = queryGallery(entries, q({ filter: 'LIGHTHOUSE number', limit: 200 }), plain);
    assert.equal(lighthouses.total, 100);
    assert.ok(lighthouses.items.every((item) => item.prompt.startsWith('lighthouse')));
    assert.equal(queryGallery(entries, q({ filter: 'image-999.png' }), plain).total, 1);
    assert.equal(queryGallery(entries, q({ filter: '1999' }), plain).total, 1, 'by seed');
    const byDocument = queryGallery(entries, q({ groupBy: 'document', limit: 200 }), plain);
    assert.deepEqual(byDocument.groups.map((group) => group.key).sort(), ['', 'README.md', 'docs/guide.md']);
    assert.equal(byDocument.groups.reduce((sum, group) => sum + group.count, 0), 1000);
    const keys = byDocument.items.map((item) => item.group);
    const runs = keys.filter((key, i) => i === 0 || keys[i - 1] !== key);
    assert.equal(new Set(runs).size, runs.length, 'a group is contiguous across the pages');
    const byFolder = queryGallery(entries, q({ groupBy: 'folder' }), plain);
    assert.deepEqual(byFolder.groups.map((group) => group.key).sort(), ['assets/generated', 'docs/img']);
  });

  it('the webview shows one page at a time, lazily loaded thumbnails, and asks for the next page on "Show more"', async () => {
    const harness = mountStudio();
    const queries: GalleryQuery[] = [];
    harness.answerGallery((query) => {
      queries.push(query as unknown as GalleryQuery);
      return queryGallery(entries, query as unknown as GalleryQuery, (entry) => ({ thumbnail: `https://res/thumbs/${entry.generationId}.png`, missing: entry.generationId === 'gen-3' }));
    });
    harness.send({ type: 'snapshot', snapshot: baseSnapshot() });
    await flush();
    await flush();
    const tiles = () => harness.document.querySelectorAll('.tile');
    assert.equal(tiles().length, PAGE_SIZE, 'only the first page is in the DOM');
    const images = [...harness.document.querySelectorAll('.tile img')] as HTMLImageElement[];
    assert.ok(images.every((image) => image.getAttribute('loading') === 'lazy' && /\/thumbs\//.test(image.getAttribute('src')!)), 'thumbnails, lazily');
    assert.equal(harness.document.querySelectorAll('.tile.is-missing').length, 1, 'a deleted file is shown as missing, not as a broken image');
    assert.equal(harness.document.querySelector('.tile.is-missing img'), null);
    assert.equal(harness.document.querySelector('.badge:not([hidden])')?.textContent !== undefined, true);
    (harness.document.querySelector('.show-more') as HTMLButtonElement).click();
    await flush();
    await flush();
    assert.equal(tiles().length, PAGE_SIZE * 2);
    assert.deepEqual(queries.map((query) => query.offset), [0, PAGE_SIZE]);
    // The history changed (a new image): the shown range is reloaded, not the whole history.
    harness.send({ type: 'galleryChanged' });
    await flush();
    await flush();
    assert.equal(queries.at(-1)!.offset, 0);
    assert.equal(queries.at(-1)!.limit, PAGE_SIZE * 2);
    harness.close();
  });

  it('"Show in Gallery" (recall, issue 5): the webview filters down to the file and outlines its tile, also when the gallery was collapsed', async () => {
    const harness = mountStudio({ version: 1, collapsed: { form: false, queue: false, gallery: true } });
    const queries: GalleryQuery[] = [];
    harness.answerGallery((query) => {
      queries.push(query as unknown as GalleryQuery);
      return queryGallery(entries, query as unknown as GalleryQuery, plain);
    });
    harness.send({ type: 'snapshot', snapshot: baseSnapshot() });
    await flush();
    assert.equal((harness.document.querySelector('#section-gallery') as HTMLElement).hidden, true);
    harness.send({ type: 'showInGallery', generationId: 'gen-42', filter: 'assets/generated/image-42.png' });
    await flush();
    await flush();
    assert.equal((harness.document.querySelector('#section-gallery') as HTMLElement).hidden, false, 'the gallery section is opened');
    assert.equal((harness.document.querySelector('.filter-input') as HTMLInputElement).value, 'assets/generated/image-42.png');
    assert.equal(queries.at(-1)!.filter, 'assets/generated/image-42.png');
    const outlined = [...harness.document.querySelectorAll('.tile.is-highlighted')].map((tile) => tile.getAttribute('data-id'));
    assert.deepEqual(outlined, ['gen-42']);
    assert.equal(harness.document.activeElement, harness.document.querySelector('.tile.is-highlighted .tile-open'), 'focus on the image');
    harness.close();
  });

  it('the view is registered without retainContextWhenHidden', () => {
    const provider = readFileSync(path.join(__dirname, '../../src/ui/sidebar/index.ts'), 'utf8') + readFileSync(path.join(__dirname, '../../src/ui/sidebar/provider.ts'), 'utf8');
    assert.match(provider, /registerWebviewViewProvider\(STUDIO_VIEW_ID, shell\);/, 'registered with no options');
    assert.doesNotMatch(provider.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''), /retainContextWhenHidden/);
  });
});

describe('sidebar thumbnails (PERF-06: thumbnails, not full images)', () => {
  let folder: string;
  beforeEach(async () => {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-thumbs-'));
  });
  afterEach(async () => {
    await fs.rm(folder, { recursive: true, force: true });
  });

  it('downscales a PNG to at most 192 px, keeping its proportions and colours', () => {
    const png = renderArtwork({ prompt: 'lighthouse', seed: 3, aspectRatio: '16:9' });
    const source = decodePng(png)!;
    assert.equal(source.width, 455);
    const thumbnail = decodePng(pngThumbnail(png)!)!;
    assert.equal(Math.max(thumbnail.width, thumbnail.height), THUMBNAIL_SIZE);
    assert.equal(thumbnail.width, 192);
    assert.equal(thumbnail.height, Math.round(256 / (455 / 192)));
    const mean = (data: Uint8Array) => data.reduce((sum, value, index) => (index % 4 === 0 ? sum + value : sum), 0) / (data.length / 4);
    assert.ok(Math.abs(mean(source.data) - mean(thumbnail.data)) < 3, 'same average red');
  });

  it('caches on disk; JPEG gets the original, a missing file is reported missing', async () => {
    const cache = new ThumbnailCache(path.join(folder, 'cache'));
    const image = path.join(folder, 'a.png');
    await fs.writeFile(image, renderArtwork({ prompt: 'x', seed: 1, aspectRatio: '1:1' }));
    assert.equal(await cache.cached(image), undefined, 'not made yet');
    const made = await cache.get(image);
    assert.equal(made.kind, 'thumbnail');
    assert.deepEqual(await cache.cached(image), made);
    const stat = await fs.stat((made as { file: string }).file);
    assert.ok(stat.size < (await fs.stat(image)).size);
    const jpeg = path.join(folder, 'b.jpg');
    await fs.writeFile(jpeg, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
    assert.deepEqual(await cache.get(jpeg), { kind: 'original' });
    assert.deepEqual(await cache.cached(path.join(folder, 'gone.png')), { kind: 'missing' });
    assert.equal(decodePng(Buffer.from('not a png')), undefined);
  });

  it('every string the webview shows is in the host-localised list', () => {
    const folderPath = path.join(__dirname, '../../media/webview');
    const used = new Set<string>();
    for (const file of ['app.ts', 'formModel.ts', 'formView.ts', 'galleryView.ts', 'queueView.ts', 'controls.ts', 'menu.ts', 'dom.ts']) {
      for (const match of readFileSync(path.join(folderPath, file), 'utf8').matchAll(/\bt\('((?:[^'\\]|\\.)*)'/g)) used.add(match[1]!);
    }
    assert.deepEqual([...used].filter((text) => !UI_STRINGS.includes(text)), [], 'missing from UI_STRINGS');
    assert.deepEqual(UI_STRINGS.filter((text) => !used.has(text)), [], 'unused in UI_STRINGS');
  });
});

export type { GalleryPage };
