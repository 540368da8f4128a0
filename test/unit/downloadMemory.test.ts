import * as assert from 'node:assert/strict';
import { request } from 'undici';
import { runScript, startEmulatorProcess } from './support/processes';

const IMAGE_BYTES = 50 * 1024 * 1024;
const BUDGET = 15 * 1024 * 1024;

async function probe(apiUrl: string, mode: 'peak' | 'retained') {
  const output = await runScript('test/unit/support/downloadMemoryProbe.ts', [apiUrl, 'memory-key', String(IMAGE_BYTES), mode], ['--expose-gc']);
  return JSON.parse(output.trim().split('\n').pop()!) as { bytes: number; peakRssIncrease: number; peakRetainedIncrease: number };
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

// PERF-05: the download is streamed to disk, never buffered. The emulator runs in another
// process so its memory is not counted. What a test can assert is the memory the download
// keeps referenced (full GC before each sample): a buffered body would add ~50 MB. The natural
// peak RSS also counts socket buffers V8 has not collected yet; it is printed as a figure and
// held to its budget by the benchmark (docs/performance.md explains the difference).
describe('download memory (PERF-05)', function () {
  this.timeout(120_000);

  it('streams a 50 MB image to disk keeping under 15 MB referenced at any point', async () => {
    const emulator = await startEmulatorProcess('memory-key');
    try {
      await request(`${emulator.apiUrl}/__emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ imagePadBytes: IMAGE_BYTES }),
      }).then((response) => response.body.dump());
      const retained = await probe(emulator.apiUrl, 'retained');
      const natural = await probe(emulator.apiUrl, 'peak');
      console.log(
        `      50 MB download: retained +${megabytes(retained.peakRetainedIncrease)}, natural peak RSS +${megabytes(natural.peakRssIncrease)}`,
      );
      assert.ok(retained.bytes >= IMAGE_BYTES, `downloaded ${retained.bytes} bytes`);
      assert.ok(retained.peakRetainedIncrease < BUDGET, `referenced memory rose by ${megabytes(retained.peakRetainedIncrease)}`);
    } finally {
      await emulator.stop();
    }
  });
});
