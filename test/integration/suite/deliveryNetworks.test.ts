/**
 * REL-14 in the real extension host: each network that breaks the event stream is an emulator
 * fault, and the extension runs with Oxen's documented intervals (keep-alive 15 s, poll 5 s,
 * safety read 60 s), so each test shows the real figures: the first image within 30 s of Oxen
 * finishing it (60 s where only a status read can reveal the loss), later ones within the poll
 * interval plus the download, and the status bar saying which mode is live and why.
 *
 * Each test starts a fresh core (`simulateReload`, what a window reload does) so its stream is
 * opened behind the network under test; the emulator finishes an image 250 ms after it is sent.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { OxenImageStudioApi } from '../../../src/extension';
import type { LiveUpdates } from '../../../src/generation/liveUpdates';
import { emulator } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, generateLinkedImage, pressEnterUntilDone, waitFor, waitUntilIdle } from './support/extension';

/** Oxen's documented poll interval; later images must come within it plus the download. */
const POLL_MS = 5000;
const DOWNLOAD_SLACK_MS = 2000;

async function freshCore(api: OxenImageStudioApi): Promise<void> {
  await api.simulateReload();
  await api.whenCoreReady();
}

/** One image into a new document; how long until its link stood there. */
function timedImage(name: string, delivery?: string): Promise<number> {
  return generateLinkedImage(`delivery/${name}.md`, `a ${name} lighthouse`, delivery ? { delivery } : {});
}

async function liveUpdates(api: OxenImageStudioApi): Promise<LiveUpdates> {
  return (await api.whenCoreReady()).liveUpdates().updates;
}

async function expectPolling(api: OxenImageStudioApi, reason: string, tooltip: RegExp): Promise<void> {
  const core = await api.whenCoreReady();
  const live = core.liveUpdates();
  assert.equal(live.updates.mode, 'polling');
  assert.equal(live.updates.mode === 'polling' && live.updates.reason, reason);
  // The tooltip is set whenever images are generating; it was set while this one was.
  assert.match(live.tooltip ?? '', tooltip);
}

describe('delivery behind networks that break the event stream (REL-14)', function () {
  this.timeout(180_000);

  beforeEach(async () => {
    await emulator.reset();
  });
  afterEach(async () => {
    await emulator.reset();
    const api = await extensionApi();
    await waitUntilIdle(api);
    await freshCore(api);
  });

  it('a proxy that buffers the stream: silence past the keep-alive interval, then polling', async () => {
    const api = await extensionApi();
    await emulator.faults({ sseNetwork: 'buffering' });
    await freshCore(api);
    const first = await timedImage('buffered');
    assert.ok(first < 30_000, `first image after ${first} ms`);
    await expectPolling(api, 'stream-silent', /polling every 5 s; the event stream went silent/);
    const second = await timedImage('buffered-again');
    assert.ok(second < POLL_MS + DOWNLOAD_SLACK_MS, `second image after ${second} ms`);
  });

  it('a proxy that cuts every stream after 3 s: polling while it reconnects, nothing lost', async () => {
    const api = await extensionApi();
    await emulator.faults({ sseDropAfterMs: 3000 });
    await freshCore(api);
    const times = [await timedImage('cut-1'), await timedImage('cut-2'), await timedImage('cut-3')];
    for (const elapsed of times) assert.ok(elapsed < POLL_MS + DOWNLOAD_SLACK_MS, `images after ${times.join(', ')} ms`);
    const state = await emulator.state();
    assert.ok(state.sse.total >= 2, `the stream was cut and reopened (${state.sse.total} connections)`);
  });

  it('a captive portal answering /api/events with an HTML page: polling at once, and it says so', async () => {
    const api = await extensionApi();
    await emulator.faults({ sseNetwork: 'captive-portal' });
    await freshCore(api);
    const first = await timedImage('portal');
    assert.ok(first < POLL_MS + DOWNLOAD_SLACK_MS, `first image after ${first} ms`);
    await expectPolling(api, 'stream-refused', /a web page answered instead, as a captive portal or proxy login does/);
  });

  it('an event stream without the text/event-stream content type: polling', async () => {
    const api = await extensionApi();
    await emulator.faults({ sseNetwork: 'wrong-content-type' });
    await freshCore(api);
    const first = await timedImage('mislabelled');
    assert.ok(first < POLL_MS + DOWNLOAD_SLACK_MS, `first image after ${first} ms`);
    await expectPolling(api, 'stream-refused', /the event stream is not getting through on this network/);
  });

  it('a proxy that filters out completions: found by the 60 s safety read, then polling, then back to the stream', async () => {
    const api = await extensionApi();
    await emulator.faults({ sseNetwork: 'filter-completions' });
    await freshCore(api);
    const first = await timedImage('filtered');
    assert.ok(first < 60_000 + DOWNLOAD_SLACK_MS, `first image after ${first} ms`);
    await expectPolling(api, 'missed-completion', /the event stream missed a finished image/);
    const second = await timedImage('filtered-again');
    assert.ok(second < POLL_MS + DOWNLOAD_SLACK_MS, `second image after ${second} ms`);

    // The network heals; the stream proves itself by announcing a completion before a poll does.
    await emulator.faults({ sseNetwork: null, sseDropAfterMs: 0 });
    await waitFor('the cut stream', async () => (await emulator.state()).sse.open === 0, 10_000);
    await emulator.faults({ sseDropAfterMs: null });
    await waitFor('the stream to reopen', async () => (await emulator.state()).sse.open === 1, 40_000);
    const healed = await timedImage('healed');
    assert.ok(healed < 2000, `healed image after ${healed} ms`);
    assert.deepEqual(await liveUpdates(api), { mode: 'stream' });
  });
});

describe('every documented delivery mode, end to end (REL-15)', function () {
  this.timeout(60_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  it('the argument contract\'s delivery field: auto, polling and sync each land their link', async () => {
    const api = await extensionApi();
    for (const delivery of ['auto', 'polling', 'sync']) {
      await emulator.reset();
      await freshCore(api); // no stream left open by the previous mode
      await timedImage(`mode-${delivery}`, delivery);
      const paths = (await emulator.requests()).map((request) => `${request.method} ${request.path}`);
      if (delivery === 'sync') {
        assert.equal(paths.filter((p) => p === 'POST /api/ai/images/generate').length, 1, paths.join('\n'));
        assert.equal(paths.filter((p) => p === 'POST /api/ai/queue').length, 0);
      } else {
        assert.equal(paths.filter((p) => p === 'POST /api/ai/queue').length, 1, paths.join('\n'));
      }
      if (delivery === 'polling') assert.ok(paths.some((p) => p.startsWith('GET /api/ai/queue/')), 'polled its status');
      if (delivery !== 'auto') assert.ok(!paths.includes('GET /api/events'), `${delivery} opened no event stream`);
    }
  });

  it('oxenImageStudio.delivery applies to prompt links (and every entry point that builds a request)', async () => {
    const config = vscode.workspace.getConfiguration('oxenImageStudio');
    for (const delivery of ['sync', 'polling']) {
      await config.update('delivery', delivery, vscode.ConfigurationTarget.Global);
      try {
        await emulator.reset();
        const uri = createMarkdown(`delivery/links-${delivery}.md`, `# Links\n\n![a ${delivery} harbour](oxen:generate?aspect_ratio=16:9)\n`);
        await vscode.commands.executeCommand('oxenImageStudio.generateAllImages', { uri: uri.toString(), wait: true });
        assert.match(await documentText(uri), new RegExp(`!\\[a ${delivery} harbour\\]\\(.+\\.png\\)`));
        const paths = (await emulator.requests()).map((request) => `${request.method} ${request.path}`);
        const expected = delivery === 'sync' ? 'POST /api/ai/images/generate' : 'POST /api/ai/queue';
        assert.ok(paths.includes(expected), paths.join('\n'));
        assert.ok(!paths.includes('GET /api/events'), 'no event stream is opened');
      } finally {
        await config.update('delivery', undefined, vscode.ConfigurationTarget.Global);
      }
    }
  });

  it('oxenImageStudio.delivery applies to the palette: sync, Enter twice, the link lands', async () => {
    const config = vscode.workspace.getConfiguration('oxenImageStudio');
    await config.update('delivery', 'sync', vscode.ConfigurationTarget.Global);
    try {
      const uri = createMarkdown('delivery/palette-sync.md', 'a sync lighthouse\n');
      const editor = await vscode.window.showTextDocument(uri);
      editor.selection = new vscode.Selection(0, 17, 0, 0);
      await pressEnterUntilDone(vscode.commands.executeCommand('oxenImageStudio.generateImageHere'));
      await waitFor('the link', () => /!\[a sync lighthouse\]\(.+\.png\)/.test(editor.document.getText()), 20_000);
      const paths = (await emulator.requests()).map((request) => `${request.method} ${request.path}`);
      assert.ok(paths.includes('POST /api/ai/images/generate'), paths.join('\n'));
      assert.ok(!paths.includes('POST /api/ai/queue'), paths.join('\n'));
    } finally {
      await config.update('delivery', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a bad delivery value is refused before anything is sent', async () => {
    await assert.rejects(Promise.resolve(generate({ prompt: 'x', delivery: 'carrier-pigeon' })), /delivery/);
    assert.equal((await emulator.requests()).length, 0);
  });
});
