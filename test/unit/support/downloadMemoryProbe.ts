/**
 * Run as its own process (`node --expose-gc -r tsx/cjs downloadMemoryProbe.ts API_URL KEY BYTES MODE`):
 * downloads one image of BYTES bytes through the real download path from an emulator running in
 * ANOTHER process, so the figures are the client's memory alone (PERF-05). Prints
 * `{"bytes", "peakRssIncrease", "peakRetainedIncrease"}`:
 * - MODE `peak`: RSS sampled as V8 runs naturally (includes garbage not yet collected);
 * - MODE `retained`: a full GC before every sample, so only memory still referenced counts;
 *   a download that buffered the body would show it here.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadImage } from '../../../src/generation/download';
import { clientFor } from './oxen';

async function main(): Promise<void> {
  const [apiUrl, key, bytesText, mode] = process.argv.slice(2);
  const client = clientFor(apiUrl, { key });
  const [generation] = await client.enqueue({
    model: 'krea-v2-large-text-to-image',
    params: { prompt: 'memory probe', seed: 1 },
    numGenerations: 1,
  });
  let row = await client.getGeneration(generation.id);
  while (row.status !== 'succeeded') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    row = await client.getGeneration(generation.id);
  }
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-memory-'));
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  const retained = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const baselineRss = process.memoryUsage().rss;
  const baselineRetained = retained();
  let peakRss = baselineRss;
  let peakRetained = baselineRetained;
  const sampler = setInterval(() => {
    if (mode === 'retained') {
      gc();
      peakRetained = Math.max(peakRetained, retained());
    }
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, mode === 'retained' ? 20 : 2);
  try {
    const result = await downloadImage({
      transport: client.transport,
      urls: [row.resultUrl!],
      tempPath: path.join(folder, 'probe.part'),
      maxBytes: Number(bytesText) * 2,
      totalTimeoutMs: 120_000,
      signal: new AbortController().signal,
      pngMetadata: { keyword: 'oxen-image-studio', text: '{}' },
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log(
      JSON.stringify({ bytes: result.bytes, peakRssIncrease: peakRss - baselineRss, peakRetainedIncrease: peakRetained - baselineRetained }),
    );
  } finally {
    clearInterval(sampler);
    await fs.rm(folder, { recursive: true, force: true });
    await client.transport.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
