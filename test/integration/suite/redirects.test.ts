/**
 * REL-13 in the real extension host: storage that redirects, as object storage and CDNs do.
 * A chain of one or two hops to a freshly presigned URL saves the image and lands its link,
 * with the key never sent off the API origin (SEC-04); a loop, a 6th hop or a downgrade to http
 * fails with a message naming the host and stays in the journal as a retryable failure, which
 * Retry saves once storage behaves.
 */
import { strict as assert } from 'node:assert';
import { emulator } from './support/emulator';
import { extensionApi, generate, generateLinkedImage, rejection, waitFor, waitUntilIdle } from './support/extension';

function imageWithLink(name: string): Promise<number> {
  return generateLinkedImage(`redirects/${name}.md`, `a ${name} bridge`);
}

describe('storage redirects (REL-13)', function () {
  this.timeout(60_000);

  beforeEach(() => emulator.reset());
  afterEach(async () => {
    await emulator.reset();
    await waitUntilIdle(await extensionApi());
  });

  for (const hops of [1, 2]) {
    it(`a chain of ${hops} to fresh presigned URLs: saved and linked, no key on storage (SEC-04)`, async () => {
      await emulator.faults({ redirects: { kind: 'chain', hops } });
      await imageWithLink(`chain-${hops}`);
      const storage = (await emulator.requests()).filter((request) => request.origin === 'storage');
      assert.equal(storage.length, hops + 1, JSON.stringify(storage));
      assert.ok(storage.every((request) => request.authorization === undefined), 'no key on any storage hop');
    });
  }

  for (const [what, fault, pattern] of [
    ['a loop', { kind: 'loop' }, /loop at/],
    ['a chain of 6', { kind: 'chain', hops: 6 }, /more than 5 redirects/],
    ['a downgrade to http', { kind: 'to-http' }, /plain http at storage\.invalid/],
  ] as const) {
    it(`${what}: a clear failure naming the host, kept for Retry, which saves it once storage behaves`, async () => {
      await emulator.faults({ redirects: fault });
      const message = await rejection(generate({ prompt: `a bridge behind ${what}`, wait: true }));
      assert.match(message, pattern);
      const core = await (await extensionApi()).whenCoreReady();
      const failed = await waitFor('the retryable failure', () => core.views().find((view) => view.state === 'failed' && view.failure?.retryable));
      assert.match(failed.failure?.message ?? '', pattern);
      await emulator.faults({ redirects: null });
      assert.equal(await core.retry(failed.generationId!), true);
      await waitFor('the saved image', () => core.history().some((entry) => entry.generationId === failed.generationId));
    });
  }
});
