import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { REPO_ROOT } from './support/processes';

/** A port nobody listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Every process below `root`, by walking the parent links `ps` reports. */
function descendants(root: number): number[] {
  const table = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [pid, ppid] of table) {
      if (ppid === parent) {
        found.push(pid);
        queue.push(pid);
      }
    }
  }
  return found;
}

/** Running, not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('npm start', function () {
  this.timeout(180_000);

  it('stops its whole process tree on one SIGTERM', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: String(port), OXEN_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let tree: number[] = [];
    try {
      const deadline = Date.now() + 150_000;
      while (!output.includes('Ctrl-C to stop')) {
        assert.ok(Date.now() < deadline, `npm start did not come up:\n${output.slice(-3000)}`);
        assert.equal(child.exitCode, null, `npm start exited early:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      tree = descendants(child.pid!);
      assert.ok(tree.length >= 3, `the tree under npm start: ${tree.join(', ')}`);
      child.kill('SIGTERM');
      await exited;
      const stopBy = Date.now() + 20_000;
      while (tree.some(alive) && Date.now() < stopBy) await new Promise((resolve) => setTimeout(resolve, 200));
      const left = tree.filter(alive);
      assert.deepEqual(left, [], `still running after SIGTERM: ${left.map((pid) => execFileSync('ps', ['-o', 'cmd=', '-p', String(pid)], { encoding: 'utf8' }).trim()).join('; ')}`);
    } finally {
      // Whatever a failing run left behind, reparented or not.
      for (const pid of new Set([child.pid!, ...tree, ...descendants(child.pid!)])) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });
});
