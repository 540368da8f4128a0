import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sniffImageType } from '../../src/assets/imageType';
import { PNG_TEXT_KEYWORD, readPngText } from '../../src/assets/pngText';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { GenerationService } from '../../src/generation/service';
import { startEmulator } from '../emulator/server';
import { clientFor, TEST_KEY, waitFor } from './support/oxen';

const KREA = 'krea-v2-large-text-to-image';
const GENERATIONS = 200;
const SEED = 20261123;

// REL-12 (core part): hundreds of generations through the tracker with random faults on every
// path: SSE drops and stalls, 5xx, 429, slow bodies, expired URLs, resets after enqueue.
describe('chaos: 200 generations with random faults (REL-05, REL-07, REL-09, REL-12)', function () {
  this.timeout(120_000);

  it('saves every succeeded generation exactly once as a valid image; nothing lost, duplicated or partial', async () => {
    const emulator = await startEmulator({ apiKey: TEST_KEY, keepAliveMs: 100, timing: { queuedMs: 20, processingMs: 150 } });
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-chaos-'));
    const events: TerminalEvent[] = [];
    const service = new GenerationService({
      client: clientFor(emulator.apiUrl, { timeouts: { requestMs: 5000, bodyIdleMs: 2000 } }),
      store: new MemoryJournalStore(),
      downloadAttempts: 8,
      downloadConcurrency: 8,
      unresolvedRetryMs: 200,
      tracker: { keepAliveMs: 100, pollIntervalMs: 250, reconcileIntervalMs: 1000, openWaitMs: 500, backoff: { initialMs: 50, maxMs: 300, healthyAfterMs: 500 } },
    });
    service.onTerminal((event) => {
      events.push(event);
    });
    try {
      emulator.faults.set({
        // Drop every stream after a while on top of the random faults, so completions keep
        // landing while disconnected and must be found by reconcile reads (REL-04).
        sseDropAfterMs: 700,
        chaos: {
          seed: SEED,
          sseDropRate: 0.05,
          stallRate: 0.02,
          http5xxRate: 0.05,
          http429Rate: 0.03,
          slowBodyRate: 0.05,
          expiredUrlRate: 0.1,
          resetAfterEnqueueRate: 0.03,
        },
      });
      const submitted = new Set<string>();
      let refusedSubmissions = 0;
      for (let batch = 0; batch < GENERATIONS / 20; batch++) {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            service.submit({
              model: KREA,
              params: { prompt: `chaos picture ${batch}-${i}`, seed: batch * 100 + i, aspect_ratio: '1:1' },
              count: 1,
              destination: { folder, baseName: `chaos-${batch}-${i}` },
            }),
          ),
        );
        for (const result of results) {
          if (result.status === 'fulfilled') result.value.generationIds.forEach((id) => submitted.add(id));
          else refusedSubmissions++;
        }
      }
      await waitFor(() => !service.hasPendingWork() || events.length >= submitted.size, 100_000, 'every generation settled');
      emulator.faults.reset();
      await waitFor(() => !service.hasPendingWork(), 20_000, 'journal drained').catch((error: Error) => {
        const pending = service.views().map((view) => `${view.generationId ?? view.submissionId}: ${view.state} ${view.failure?.message ?? ''}`);
        throw new Error(`${error.message}; still pending: ${pending.slice(0, 10).join('; ')} (${pending.length})`);
      });

      const ours = emulator.generations().filter((row) => String(row.prompt ?? '').startsWith('chaos picture'));
      const succeeded = ours.filter((row) => row.status === 'succeeded').map((row) => row.generation_id as string);
      const saved = events.filter((event): event is Extract<TerminalEvent, { type: 'saved' }> => event.type === 'saved');
      const failed = events.filter((event) => event.type === 'failed');

      const perPrompt = new Map<string, number>();
      for (const row of ours) perPrompt.set(String(row.prompt), (perPrompt.get(String(row.prompt)) ?? 0) + 1);
      const duplicated = [...perPrompt].filter(([, count]) => count > 1).map(([prompt]) => prompt);
      assert.deepEqual(duplicated, [], 'no duplicate generation at Oxen (no blind re-send)');
      assert.equal(ours.length, GENERATIONS - refusedSubmissions, 'every accepted submission exists at Oxen once');
      assert.equal(new Set(saved.map((event) => event.generationId)).size, saved.length, 'one saved event per generation');
      assert.deepEqual(new Set(saved.map((event) => event.generationId)), new Set(succeeded), 'every succeeded generation saved');
      assert.equal(failed.length, 0, `no failure: ${JSON.stringify(failed.slice(0, 3))}`);
      assert.ok(emulator.sse.total() > 3, 'the stream was dropped and reopened several times');
      assert.ok(service.statusReads > 0, 'completions missed while disconnected were reconciled');

      const names = await fs.readdir(folder);
      assert.deepEqual(names.filter((name) => name.endsWith('.part')), [], 'no temp file left');
      const images = names.filter((name) => name.endsWith('.png'));
      assert.equal(images.length, succeeded.length, 'one file per succeeded generation');
      const idsInFiles = new Set<string>();
      for (const name of images) {
        const bytes = await fs.readFile(path.join(folder, name));
        assert.equal(sniffImageType(bytes), 'png', `${name} is a valid image`);
        idsInFiles.add(JSON.parse(readPngText(bytes).get(PNG_TEXT_KEYWORD) ?? '{}').generationId);
      }
      assert.deepEqual(idsInFiles, new Set(succeeded), 'each file is a different generation');
      console.log(
        `      chaos: ${GENERATIONS} submissions (${GENERATIONS - refusedSubmissions - submitted.size} confirmed only by reconciliation, ` +
          `${refusedSubmissions} refused), ` +
          `${saved.length} saved, ${emulator.sse.total()} SSE connections, ${service.statusReads} status reads, ${emulator.requests.length} requests`,
      );
    } finally {
      await service.dispose();
      await emulator.close();
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});
