import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Figure } from '../support/results';
import { single } from '../support/stats';

const BUNDLES = [
  { file: 'extension.js', key: 'activation.bundle.extension', label: 'main bundle dist/extension.js' },
  { file: 'core.js', key: 'activation.bundle.core', label: 'lazy core dist/core.js' },
];

/** Bytes of each production bundle as shipped, and gzipped (roughly what a .vsix stores). */
export async function measureBundleSizes(dist: string): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const bundle of BUNDLES) {
    const content = await fs.readFile(path.join(dist, bundle.file));
    figures.push(
      { key: bundle.key, label: `${bundle.label}, minified`, unit: 'bytes', ours: single(content.length) },
      { key: `${bundle.key}.gzip`, label: `${bundle.label}, gzip`, unit: 'bytes', ours: single(gzipSync(content, { level: 9 }).length) },
    );
  }
  return figures;
}
