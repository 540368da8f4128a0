import { strict as assert } from 'node:assert';
import { matchesGlob } from '../../src/assets/globMatch';

describe('assets/globMatch', () => {
  // [glob, path, matches] — the patterns people write in markdown.copyFiles.destination.
  const cases: Array<[string, string, boolean]> = [
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/guide/intro.md', true],
    ['**/*.md', '/home/me/project/docs/a.md', true],
    ['**/*.md', '.github/README.md', true], // dot files count, as with picomatch { dot: true }
    ['**/*.md', 'docs/a.mdx', false],
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false], // `*` stays within one segment
    ['*.md', '.hidden.md', true],
    ['docs/**', 'docs/a.md', true],
    ['docs/**', 'docs/deep/er/a.md', true],
    ['docs/**', 'docs', true],
    ['docs/**', 'documents/a.md', false],
    ['docs/**/*.md', 'docs/a.md', true],
    ['docs/**/*.md', 'docs/x/y/a.md', true],
    ['docs/**/*.md', 'other/docs/a.md', false],
    ['**/docs/**', '/abs/ws/docs/a/b.md', true],
    ['{docs,guides}/*.md', 'guides/a.md', true],
    ['{docs,guides}/*.md', 'blog/a.md', false],
    ['**/*.{md,mdx}', 'a/b.mdx', true],
    ['{a,{b,c}x}/y', 'cx/y', true],
    ['{a,{b,c}x}/y', 'ax/y', false],
    ['{single}', '{single}', true], // no comma: literal, as in picomatch
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['?', '/', false],
    ['[abc].md', 'b.md', true],
    ['[!abc].md', 'b.md', false],
    ['[!abc].md', 'd.md', true],
    ['[a-c]x', 'bx', true],
    ['[!a]', '/', false], // classes never cross a separator
    ['[unclosed', '[unclosed', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['file(1).md', 'file(1).md', true], // regex characters are literal
    ['a.md', 'aXmd', false],
    ['a+b^c$.md', 'a+b^c$.md', true],
    ['Docs/*.md', 'docs/a.md', false], // case-sensitive, as VS Code's picomatch call
    ['a**b', 'axyb', true],
    ['a**b', 'ax/yb', false], // `**` inside a segment is just `*`
  ];
  for (const [glob, candidate, expected] of cases) {
    it(`${glob} ${expected ? 'matches' : 'does not match'} ${candidate}`, () => {
      assert.equal(matchesGlob(candidate, glob), expected);
    });
  }
});
