import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { findImageLinks, imageLinkAt } from '../../src/assets/imageLinkAt';
import { markdownImageLink } from '../../src/assets/markdownLink';

/** Any code point but line breaks and lone surrogates (file names are well-formed, links one line). */
const nameCharacter = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0x10ffff }))
  .map((code) => String.fromCodePoint(code))
  .filter((char) => !/^[\ud800-\udfff/\\]$/.test(char));

describe('image links in markdown (recall on hover, issue 5)', () => {
  it('finds the link under the cursor, from `![` to `)`', () => {
    const line = 'See ![a fox](assets/fox-1.png) and more';
    assert.deepEqual(imageLinkAt(line, 4), { start: 4, end: 30, text: '![a fox](assets/fox-1.png)', path: 'assets/fox-1.png' });
    assert.equal(imageLinkAt(line, 29)?.path, 'assets/fox-1.png', 'on the closing parenthesis');
    assert.equal(imageLinkAt(line, 3), undefined, 'before it');
    assert.equal(imageLinkAt(line, 30), undefined, 'after it');
  });

  it('reads <…> destinations, titles, escapes and percent-encoding', () => {
    assert.equal(findImageLinks('![x](<img (generated)/a b.png> "Title")')[0]?.path, 'img (generated)/a b.png');
    assert.equal(findImageLinks("![x](a.png 'single')")[0]?.path, 'a.png');
    assert.equal(findImageLinks('![x](a.png (paren title))')[0]?.path, 'a.png');
    assert.equal(findImageLinks('![x \\] y](../a%23b%3F.png)')[0]?.path, '../a#b?.png');
    assert.equal(findImageLinks('![x](</docs/a\\<b\\>.webp>)')[0]?.path, '/docs/a<b>.webp');
    assert.equal(findImageLinks('![x](a.JPG#frag)')[0]?.path, 'a.JPG', 'a fragment is not part of the file');
  });

  it('ignores URLs, non-images, plain links and broken percent-encoding', () => {
    assert.deepEqual(findImageLinks('![x](https://example.com/a.png) ![y](data:image/png;base64,AAAA) ![z](notes.txt) [w](a.png) ![v](a%E0.png)'), []);
  });

  it('finds every link on a line with several, in order', () => {
    const line = '![a](a.png) ![b](b-1.png)![c](<c d.webp>)';
    assert.deepEqual(
      findImageLinks(line).map((link) => [link.path, line.slice(link.start, link.end)]),
      [
        ['a.png', '![a](a.png)'],
        ['b-1.png', '![b](b-1.png)'],
        ['c d.webp', '![c](<c d.webp>)'],
      ],
    );
  });

  it('reads back exactly the path of every link markdownImageLink writes (SEC-13 round trip, property)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.array(fc.array(nameCharacter, { minLength: 1, maxLength: 8 }).map((chars) => chars.join('')), { minLength: 1, maxLength: 3 }),
        fc.constantFrom('.png', '.jpg', '.jpeg', '.webp'),
        (prompt, segments, extension) => {
          const path = segments.join('/') + extension;
          const link = markdownImageLink(prompt, path);
          const found = findImageLinks(`before ${link} after`);
          assert.equal(found.length, 1, link);
          assert.equal(found[0]!.text, link);
          assert.equal(found[0]!.path, path);
        },
      ),
      { numRuns: 500 },
    );
  });
});
