/**
 * A reload mid-generation (REL-06) and a prompt shutdown (REL-10). The reload is simulated
 * through the test API: `simulateReload()` runs exactly what `deactivate()` runs (dispose the
 * core: streams, polls, downloads aborted; the journal stays in workspace state), then what
 * activation runs (journal has work → load the core at once and resume). The document stays open,
 * as a real reload restores it (hot exit), so the link must land where the placeholder is.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, PENDING_MARKER, waitFor, waitForState, waitUntilIdle } from './support/extension';

describe('reload and shutdown', function () {
  this.timeout(90_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('REL-06: resumes after a reload and the link lands where it was asked for', async () => {
    const api = await extensionApi();
    await emulator.hold(true);
    const uri = createMarkdown('reload/page.md', 'Before\n\nAfter\n');
    const { generationIds } = await generate(
      { prompt: 'a clock tower', insert: { uri: uri.toString(), line: 1, character: 0 } },
      'oxenImageStudio.generateImageHere',
    );
    const id = generationIds[0]!;
    await waitForState(api, id, ['queued', 'processing']);
    assert.ok((await documentText(uri)).includes(PENDING_MARKER));

    await api.simulateReload();
    assert.equal(api.isCoreLoaded(), true, 'pending work loads the core at activation');
    const core = await api.whenCoreReady();
    assert.ok(core.views().some((view) => view.generationId === id), 'the new core found the generation in the journal');

    await emulator.settle(id, 'succeeded');
    const entry = await waitFor('the saved image', () => core.history().find((item) => item.generationId === id));
    const link = `![a clock tower](${path.posix.relative('reload', entry.file)})`;
    await waitFor('the link', async () => (await documentText(uri)).includes(link));
    assert.equal(await documentText(uri), `Before\n${link}\nAfter\n`);
  });

  it('REL-10: shutting down mid-download takes under 2 s; the download restarts on resume', async () => {
    const api = await extensionApi();
    await emulator.faults({ slowBodyBytesPerSec: 4096, imagePadBytes: 2_000_000 });
    const { generationIds } = await generate({ prompt: 'a very slow river' });
    const id = generationIds[0]!;
    await waitForState(api, id, ['downloading']);
    await emulator.faults({ slowBodyBytesPerSec: null, imagePadBytes: 0 }); // for the restarted download only

    const started = Date.now();
    await api.simulateReload();
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `shutdown took ${elapsed} ms`);

    const core = await api.whenCoreReady();
    await waitFor('the restarted download', () => core.history().some((item) => item.generationId === id), 30_000);
  });
});
