import { strict as assert } from 'node:assert';
import { OncePerTurn } from '../../src/ui/oncePerTurn';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('OncePerTurn', () => {
  it('runs once per turn, however often it was scheduled in it', async () => {
    let runs = 0;
    const refresh = new OncePerTurn(() => runs++);
    for (let i = 0; i < 1000; i++) refresh.schedule();
    assert.equal(runs, 0, 'not before the end of the turn');
    await nextTurn();
    assert.equal(runs, 1);
    refresh.schedule();
    await nextTurn();
    assert.equal(runs, 2, 'and again in a later turn');
  });

  it('never runs after dispose', async () => {
    let runs = 0;
    const refresh = new OncePerTurn(() => runs++);
    refresh.schedule();
    refresh.dispose();
    await nextTurn();
    assert.equal(runs, 0);
  });
});
