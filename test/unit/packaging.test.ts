/**
 * The VSIX users install: `vsce package` (what `npm run package` runs) must produce a package
 * with the bundles, media, README, CHANGELOG, licence and icon, and nothing of the sources,
 * tests or node_modules.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const VSCE = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');

/** Names of the entries in a zip file, read from its central directory. */
function zipEntries(file: string): string[] {
  const zip = fs.readFileSync(file);
  const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  const CENTRAL_FILE_HEADER = 0x02014b50;
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== END_OF_CENTRAL_DIRECTORY) end--;
  assert.ok(end >= 0, 'not a zip file');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let index = 0; index < count; index++) {
    assert.equal(zip.readUInt32LE(offset), CENTRAL_FILE_HEADER);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('packaging (vsce)', function () {
  this.timeout(180_000);
  let entries: string[];
  let tempDir: string;

  before(() => {
    // The VSIX ships the bundles; build them when this checkout has none yet.
    if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js')) || !fs.existsSync(path.join(ROOT, 'dist', 'core.js'))) {
      execFileSync(process.execPath, [path.join(ROOT, 'esbuild.js')], { cwd: ROOT, stdio: 'pipe' });
    }
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxen-vsix-'));
    const vsix = path.join(tempDir, 'extension.vsix');
    // The same options as `npm run package`.
    execFileSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    entries = zipEntries(vsix).map((entry) => entry.replace(/^extension\//, ''));
  });

  after(() => fs.rmSync(tempDir, { recursive: true, force: true }));

  it('holds the bundles (every built file in dist/ but source maps), the manifest and its strings', () => {
    const built = (fs.readdirSync(path.join(ROOT, 'dist'), { recursive: true }) as string[])
      .map((name) => `dist/${name.split(path.sep).join('/')}`)
      .filter((name) => fs.statSync(path.join(ROOT, name)).isFile() && !name.endsWith('.map'));
    for (const file of ['package.json', 'package.nls.json', 'dist/extension.js', 'dist/core.js', 'l10n/bundle.l10n.json', ...built]) {
      assert.ok(entries.includes(file), `${file} in ${entries.join(', ')}`);
    }
  });

  it('holds media/ with the icon, README.md, CHANGELOG.md and a licence', () => {
    const lower = entries.map((entry) => entry.toLowerCase());
    for (const file of ['media/icon.png', 'media/oxen-image-studio.svg', 'readme.md', 'changelog.md']) {
      assert.ok(lower.includes(file), `${file} in ${entries.join(', ')}`);
    }
    assert.ok(lower.some((entry) => /^licen[cs]e(\.txt|\.md)?$/.test(entry)), 'a licence file');
  });

  it("holds every local image the README shows (its links stay relative: there is no repository to point at)", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, ''); // code is not shown as images
    const images = [...readme.matchAll(/!\[[^\]]*\]\(<?([^)\s>]+)>?\)|<img[^>]+src=["']([^"']+)["']/g)]
      .map((match) => match[1] ?? match[2]!)
      .filter((link) => !/^[a-z][a-z0-9+.-]*:/i.test(link))
      .map((link) => path.posix.normalize(link.replace(/^\.\//, '')));
    for (const image of images) assert.ok(entries.includes(image), `${image} (shown by README.md) in ${entries.join(', ')}`);
  });

  it('holds no sources (webview sources included), tests, node_modules or source maps', () => {
    const unwanted = entries.filter((entry) => /^(src|test|node_modules|out|scripts|\.cache|media\/webview)\//.test(entry) || entry.endsWith('.map') || entry.endsWith('.ts'));
    assert.deepEqual(unwanted, []);
  });
});
