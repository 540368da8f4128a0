import * as assert from 'node:assert/strict';
import { formatWait, StepTimeoutError, withinBound } from '../../src/generation/timeBound';

// REL-16: every step of result handling has a time bound.
describe('withinBound (REL-16)', () => {
  it('settles with the work when it finishes within the bound', async () => {
    assert.equal(await withinBound('a quick step', 1000, async () => 42), 42);
    assert.equal(await withinBound('a synchronous step', 1000, () => 'now'), 'now');
  });

  it('rejects with a StepTimeoutError naming the step when the work never settles', async () => {
    const started = Date.now();
    const error = await withinBound('placing the link in docs/x.md', 50, () => new Promise<never>(() => undefined)).then(
      () => assert.fail('a step that never settles must not resolve'),
      (rejection: unknown) => rejection,
    );
    assert.ok(error instanceof StepTimeoutError, `got ${String(error)}`);
    assert.equal(error.step, 'placing the link in docs/x.md');
    assert.equal(error.waitedMs, 50);
    assert.equal(error.message, 'No answer from placing the link in docs/x.md after 50 ms.');
    assert.ok(Date.now() - started >= 45, 'not before the bound');
  });

  it('passes the work’s own failure through unchanged, a synchronous throw included', async () => {
    const boom = new Error('boom');
    await assert.rejects(withinBound('a failing step', 1000, () => Promise.reject(boom)), (error) => error === boom);
    await assert.rejects(
      withinBound('a throwing step', 1000, () => {
        throw boom;
      }),
      (error) => error === boom,
    );
  });

  it('does not turn a late answer into a timeout, nor a late failure into an unhandled rejection', async () => {
    let settle!: (value: string) => void;
    const late = new Promise<string>((resolve) => (settle = resolve));
    await assert.rejects(withinBound('a slow step', 20, () => late), StepTimeoutError);
    settle('too late'); // must not throw or reject anything
    let fail!: (error: Error) => void;
    const lateFailure = new Promise<string>((_, reject) => (fail = reject));
    await assert.rejects(withinBound('another slow step', 20, () => lateFailure), StepTimeoutError);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      fail(new Error('late failure'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(unhandled, []);
  });

  it('formats the wait for log lines', () => {
    assert.equal(formatWait(30_000), '30 s');
    assert.equal(formatWait(1500), '1.5 s');
    assert.equal(formatWait(250), '250 ms');
  });
});
