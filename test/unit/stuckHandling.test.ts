/**
 * REL-16 "Nothing stuck": a result handler that never resolves or throws holds back no other
 * generation; a saved image whose handling stalled is set aside as a retryable 'stuck' failure
 * with a log line naming what was waited on, and Retry delivers the saved file again.
 */
import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TerminalEvent } from '../../src/generation/generationEvents';
import type { GenerationService, GenerationServiceOptions } from '../../src/generation/service';
import { StepTimeoutError } from '../../src/generation/timeBound';
import { MemoryJournalStore } from './support/memoryJournalStore';
import { useEmulator, waitFor } from './support/oxen';
import { startTestService } from './support/testService';

const KREA = 'krea-v2-large-text-to-image';
const STUCK_PROMPT = 'a heron that never lands';
const PROMPTS = [STUCK_PROMPT, 'a fox in snow', 'an owl at dusk', 'a hare in the heather'];

const services: GenerationService[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.dispose()));
  await Promise.all(folders.splice(0).map((folder) => fs.rm(folder, { recursive: true, force: true })));
});

const promptOf = (event: TerminalEvent) => String(event.submission.params.prompt);
const never = () => new Promise<never>(() => undefined);

describe('result handling is time-bounded (REL-16)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 10, processingMs: 40 } });

  async function setUp(overrides: Partial<GenerationServiceOptions>) {
    const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-stuck-'));
    folders.push(folder);
    const log: string[] = [];
    const { service, events } = startTestService(emulator(), new MemoryJournalStore(), { log: (message) => log.push(message), ...overrides });
    services.push(service);
    const submit = (prompt: string) =>
      service.submit({ model: KREA, params: { prompt, seed: 7 }, count: 1, destination: { folder, baseName: prompt.replace(/\W+/g, '-') } });
    const storageGets = () => emulator().requests.filter((request) => request.origin === 'storage').length;
    return { service, events, log, folder, submit, storageGets };
  }

  // REL-16
  it('a handler that never resolves: the other generations are saved and handled, the stuck one is set aside as retryable, the log names the step', async () => {
    const { service, events, log, folder, submit } = await setUp({ handlerTimeoutMs: 300 });
    const handledByStuckHandler: string[] = [];
    service.onTerminal(function placeLinks(event) {
      if (event.type === 'saved' && promptOf(event) === STUCK_PROMPT) return never();
      handledByStuckHandler.push(`${event.type} ${promptOf(event)}`);
    });
    const { generationIds } = await submit(STUCK_PROMPT);
    const stuckId = generationIds[0]!;
    for (const prompt of PROMPTS.slice(1)) await submit(prompt);

    await waitFor(() => events.some((event) => event.type === 'failed'), 8000, 'the stuck generation to be set aside');
    await waitFor(() => handledByStuckHandler.length === PROMPTS.length, 8000, 'every other outcome handled');
    assert.deepEqual(
      handledByStuckHandler.slice().sort(),
      [...PROMPTS.slice(1).map((prompt) => `saved ${prompt}`), `failed ${STUCK_PROMPT}`].sort(),
      'the other generations were saved and handled; the stuck one came back as a failure',
    );
    const failed = events.find((event) => event.type === 'failed');
    assert.ok(failed?.type === 'failed');
    assert.equal(failed.generationId, stuckId);
    assert.equal(failed.failure.kind, 'stuck');
    assert.equal(failed.failure.retryable, true);
    assert.match(failed.failure.message, /the result handler "placeLinks"/, 'says what it waited on');
    assert.match(failed.failure.message, /Retry will try again/);
    assert.ok(
      log.includes(`Result handling for generation ${stuckId} is stuck in the result handler "placeLinks" after 300 ms; set aside as a retryable failure.`),
      `a log line names the step:\n${log.join('\n')}`,
    );
    // Kept for Retry; everything else forgotten.
    assert.deepEqual(
      service.views().map((view) => [view.generationId, view.state, view.failure?.kind]),
      [[stuckId, 'failed', 'stuck']],
    );
    assert.equal((await fs.readdir(folder)).filter((name) => name.endsWith('.png')).length, PROMPTS.length, 'every image saved');
  });

  // REL-16
  it('a stalled delivery does not hold a download slot: later downloads finish while it is still stuck', async () => {
    const { service, events, submit } = await setUp({ handlerTimeoutMs: 20_000, downloadConcurrency: 1 });
    service.onTerminal((event) => (event.type === 'saved' && promptOf(event) === STUCK_PROMPT ? never() : undefined));
    await submit(STUCK_PROMPT);
    await waitFor(() => events.length === 1, 5000, 'the first image saved');
    for (const prompt of PROMPTS.slice(1)) await submit(prompt);
    await waitFor(() => events.length === PROMPTS.length, 5000, 'the other images saved while the first one is stuck in its handler');
    assert.equal(service.generationState(events[0]!.generationId!), 'saved', 'the first one is still being handled');
  });

  // REL-16
  it('Retry of a stuck generation delivers the saved file again, without a second download', async () => {
    const { service, events, folder, submit, storageGets } = await setUp({ handlerTimeoutMs: 200 });
    let stall = true;
    service.onTerminal((event) => (stall && event.type === 'saved' ? never() : undefined));
    const { generationIds } = await submit(STUCK_PROMPT);
    const id = generationIds[0]!;
    await waitFor(() => events.some((event) => event.type === 'failed'), 5000, 'the generation set aside');
    const saved = events[0];
    assert.ok(saved?.type === 'saved');
    const downloads = storageGets();

    stall = false;
    assert.equal(await service.retry(id), true);
    assert.equal(await service.retry(id), false, 'a second Retry finds nothing to do');
    await waitFor(() => !service.hasPendingWork(), 5000, 'the journal to drain');
    const again = events.at(-1);
    assert.ok(again?.type === 'saved', `delivered again as saved, got ${again?.type}`);
    assert.equal(again.file, saved.file);
    assert.equal(storageGets(), downloads, 'no second download');
    assert.deepEqual((await fs.readdir(folder)).filter((name) => !name.startsWith('.')), [path.basename(saved.file)], 'one file');
  });

  // REL-16
  it('a handler that reports its own stalled step (the UI’s bound) sets the outcome aside under that step’s name', async () => {
    const { service, events, log, submit } = await setUp({ handlerTimeoutMs: 5000 });
    service.onTerminal((event) => {
      if (event.type === 'saved') throw new StepTimeoutError('placing the link in docs/x.md', 10_000);
    });
    const { generationIds } = await submit(STUCK_PROMPT);
    await waitFor(() => events.some((event) => event.type === 'failed'), 5000, 'the generation set aside');
    assert.ok(log.includes(`Result handling for generation ${generationIds[0]} is stuck in placing the link in docs/x.md after 10 s; set aside as a retryable failure.`), log.join('\n'));
    const failed = events.at(-1);
    assert.ok(failed?.type === 'failed' && failed.failure.kind === 'stuck' && /placing the link in docs\/x\.md/.test(failed.failure.message));
  });

  // REL-16
  it('a handler that throws is logged, the handlers after it still run, and the generation is forgotten as handled', async () => {
    const { service, events, log, submit } = await setUp({});
    const after: string[] = [];
    service.onTerminal((event) => {
      if (promptOf(event) === STUCK_PROMPT) throw new Error('the history store is gone');
    });
    service.onTerminal((event) => {
      after.push(promptOf(event));
    });
    await submit(STUCK_PROMPT);
    await submit(PROMPTS[1]!);
    await waitFor(() => after.length === 2, 5000, 'both outcomes reach the last handler');
    await waitFor(() => !service.hasPendingWork(), 5000, 'the journal to drain');
    assert.deepEqual(events.map((event) => event.type), ['saved', 'saved']);
    assert.ok(log.includes('A result handler failed: the history store is gone'), log.join('\n'));
    assert.ok(!log.some((line) => line.includes('stuck')), 'a throw is not a stall');
  });

  // REL-16
  it('a failure whose handling stalls is not retried for nothing: logged, and forgotten like any handled failure', async () => {
    const { service, events, log, submit } = await setUp({ handlerTimeoutMs: 200 });
    emulator().hold(true);
    service.onTerminal(() => never());
    const { generationIds } = await submit(STUCK_PROMPT);
    emulator().settle(generationIds[0]!, { status: 'failed', error: 'NSFW content detected' });
    await waitFor(() => events.length === 1, 5000, 'the failure delivered');
    await waitFor(() => !service.hasPendingWork(), 5000, 'the journal to drain');
    assert.equal(events[0]!.type, 'failed');
    assert.ok(
      log.includes(`Result handling for generation ${generationIds[0]} is stuck in result handler 2 after 200 ms; moving on (the outcome was failed, nothing to retry).`),
      log.join('\n'),
    );
  });
});
