import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import { findImageLinkTo, markdownImageLink, normalizeAltText, relativeLinkPath } from '../../src/assets/markdownLink';

/** Plain CommonMark, and the options VS Code's preview turns on (raw HTML, linkify). */
const parsers: Array<[string, MarkdownIt.MarkdownIt]> = [
  ['markdown-it defaults', new MarkdownIt()],
  ['VS Code preview options', new MarkdownIt({ html: true, linkify: true })],
];

/** Any code point, ASCII often (markup characters are ASCII). */
const anyCharacter = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x10ffff })).map((code) => String.fromCodePoint(code));
/** File names are well-formed Unicode (node turns undecodable bytes into U+FFFD): no lone surrogates. */
const fileNameCharacter = anyCharacter.filter((char) => !/^[\ud800-\udfff]$/.test(char));

/**
 * SEC-13: `markdown` parses to exactly one image, with `path` as its decoded `src` and
 * `normalizeAltText(prompt)` as its alt, the alt made of plain text only.
 */
function assertExactlyOneImage(markdown: string, prompt: string, path: string, surrounding = (link: string) => link): void {
  for (const [name, md] of parsers) {
    const source = surrounding(markdown);
    const inlines = md.parse(source, {}).filter((token) => token.type === 'inline');
    const images = inlines.flatMap((inline) => inline.children ?? []).filter((token) => token.type === 'image');
    assert.equal(images.length, 1, `${name}: one image in ${JSON.stringify(source)}`);
    const image = images[0]!;
    assert.equal(decodeURIComponent(String(image.attrGet('src'))), path, `${name}: src of ${JSON.stringify(markdown)}`);
    assert.ok(image.children!.every((child) => child.type === 'text'), `${name}: alt is plain text in ${JSON.stringify(markdown)}`);
    assert.equal(md.renderer.renderInlineAsText(image.children!, md.options, {}), normalizeAltText(prompt), `${name}: alt of ${JSON.stringify(markdown)}`);
    assert.equal(md.render(source).match(/<img /g)?.length, 1, `${name}: one <img> in the HTML`);
  }
}

describe('assets/markdownLink', () => {
  describe('normalizeAltText', () => {
    it('makes one trimmed line of at most 120 characters', () => {
      assert.equal(normalizeAltText('  a red fox\r\n\tin the\u2028snow  '), 'a red fox in the snow');
      assert.equal(normalizeAltText('nul\u0000 and bell\u0007'), 'nul and bell');
      assert.equal([...normalizeAltText('🦊'.repeat(200))].length, 120);
      assert.equal(normalizeAltText(`${'x'.repeat(119)} tail`), 'x'.repeat(119));
    });
  });

  describe('markdownImageLink', () => {
    it('writes a plain link when nothing needs escaping', () => {
      assert.equal(markdownImageLink('a red fox', 'assets/generated/fox-42.png'), '![a red fox](assets/generated/fox-42.png)');
      assert.equal(markdownImageLink('狐狸', '图片/狐狸.png'), '![狐狸](图片/狐狸.png)');
    });

    it('wraps destinations with spaces or parentheses in <…>', () => {
      assert.equal(markdownImageLink('fox', 'my images/fox (1).png'), '![fox](<my images/fox (1).png>)');
      assert.equal(markdownImageLink('fox', 'a<b>.png'), '![fox](<a\\<b\\>.png>)');
    });

    it('percent-encodes what a URL would read as syntax', () => {
      assert.equal(markdownImageLink('fox', 'x#1?.png'), '![fox](x%231%3F.png)');
      assert.equal(markdownImageLink('fox', '100%.png'), '![fox](100%25.png)');
      assert.equal(markdownImageLink('fox', 'javascript:alert(1).png'), '![fox](<javascript%3Aalert(1).png>)');
    });

    it('escapes alt text that would close the label or form markup', () => {
      assert.equal(markdownImageLink('a [b] *c* _d_ `e` <f> & g | $h$ ~i~ \\', 'x.png'), '![a \\[b\\] \\*c\\* \\_d\\_ \\`e\\` \\<f\\> \\& g \\| \\$h\\$ \\~i\\~ \\\\](x.png)');
      assert.equal(markdownImageLink('see https://example.com: now', 'x.png'), '![see https\\://example.com: now](x.png)');
    });

    it('refuses an empty path and network paths', () => {
      for (const path of ['', '//evil.example/x.png', '\\\\server\\share\\x.png']) assert.throws(() => markdownImageLink('fox', path), RangeError, path);
    });

    // SEC-13: nasty alt texts × awkward paths, each parsed back by markdown-it.
    const altTexts = [
      'a red fox',
      '[ ] ( ) \\ < > ! * _ `',
      'line one\nline two\r\nline three',
      '"><img src=x onerror=alert(1)>',
      '',
      '](javascript:alert(1))',
      '![nested](x.png)',
      '**bold** __under__ ~~strike~~ `code` $math$',
      '&amp; &#60; &lt;script&gt;',
      '<https://example.com> www.example.com http://example.com',
      'trailing backslash \\',
      'pipe | in | table',
      '[link][ref]',
      '\\[already escaped\\]',
      '    indented code?',
      '# heading? > quote? - list?',
      '🦊 émoji 狐狸 עברית',
    ];
    const paths = [
      'fox.png',
      'assets/generated/fox-42.png',
      'my images/fox 1.png',
      'assets/fox (1).png',
      'a(b/c)d).png',
      'ünïcødé/狐狸 🦊.png',
      'deep/nested/dir/tree/x.png',
      '../sibling/x.png',
      'a<b>c.png',
      'a&amp;b.png',
      'a%20b.png',
      'x#1?.png',
      'javascript:alert(1).png',
      'dir\\with\\backslashes.png',
      'line\nbreak.png',
      ' leading and trailing .png',
      'quote\'"s.png',
      'a]b[c.png',
      '<>.png',
    ];
    for (const alt of altTexts) {
      it(`round-trips alt ${JSON.stringify(alt)} with every path`, () => {
        for (const path of paths) assertExactlyOneImage(markdownImageLink(alt, path), alt, path);
      });
    }

    it('stays one image inside surrounding text', () => {
      const link = markdownImageLink('*fox* ]', 'my dir/fox (1).png');
      assertExactlyOneImage(link, '*fox* ]', 'my dir/fox (1).png', (markdown) => `Before ${markdown} after.`);
      assertExactlyOneImage(link, '*fox* ]', 'my dir/fox (1).png', (markdown) => `| a | ${markdown} |\n|---|---|\n| b | c |`);
    });

    it('round-trips arbitrary alt text and paths', () => {
      fc.assert(
        fc.property(
          fc.string({ unit: anyCharacter, maxLength: 150 }),
          fc.array(fc.string({ unit: fileNameCharacter, minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'))
            .filter((path) => !/^[/\\]{2}/.test(path)), // network paths are refused, tested above
          (alt, path) => assertExactlyOneImage(markdownImageLink(alt, path), alt, path),
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('relativeLinkPath', () => {
    const cases: Array<[string, string, string]> = [
      ['/ws/docs/guide/README.md', '/ws/docs/guide/fox.png', 'fox.png'],
      ['/ws/docs/guide/README.md', '/ws/assets/generated/fox.png', '../../assets/generated/fox.png'],
      ['/ws/README.md', '/ws/docs/img/fox 1.png', 'docs/img/fox 1.png'],
      ['C:\\ws\\docs\\README.md', 'C:\\ws\\assets\\fox.png', '../assets/fox.png'],
      ['C:\\ws\\README.md', 'c:\\WS\\Assets\\fox.png', 'Assets/fox.png'],
    ];
    for (const [document, file, expected] of cases) {
      it(`${file} from ${document} is ${expected}`, () => {
        assert.equal(relativeLinkPath(document, file), expected);
      });
    }

    it('refuses files on another drive and relative input', () => {
      assert.throws(() => relativeLinkPath('C:\\ws\\README.md', 'D:\\fox.png'), RangeError);
      assert.throws(() => relativeLinkPath('README.md', '/ws/fox.png'), RangeError);
      assert.throws(() => relativeLinkPath('/ws/README.md', 'C:\\fox.png'), RangeError);
    });
  });

  describe('findImageLinkTo (the placeholder, SEC-13)', () => {
    const destination = 'oxen-image-studio-pending/abc';
    const found = (text: string) => {
      const span = findImageLinkTo(text, destination);
      return span && text.slice(span.start, span.end);
    };

    it('finds the link by its destination, with escapes in its alt text', () => {
      assert.equal(found(`Intro\n![Generating: fox \\[v2\\]…](${destination})\nOutro`), `![Generating: fox \\[v2\\]…](${destination})`);
    });

    it('still finds it after the user typed brackets into the alt text', () => {
      assert.equal(found(`Intro\r\n![my [own] words](${destination})\r\n`), `![my [own] words](${destination})`);
      assert.equal(found(`![a ![nested] b](${destination})`), `![a ![nested] b](${destination})`);
    });

    it('takes the placeholder, not a link the user wrote before it on the same line', () => {
      assert.equal(found(`![mine](x.png) ![my [own] words](evil) ![](${destination}) tail`), `![](${destination})`);
    });

    it('finds nothing once the link is taken apart or gone', () => {
      assert.equal(found(`![one\ntwo](${destination})`), undefined, 'the alt text was split over two lines');
      assert.equal(found(`[no image](${destination})`), undefined);
      assert.equal(found(`![unbalanced [ alt](${destination})`), undefined);
      assert.equal(found('![Generating: x…](oxen-image-studio-pending/other)'), undefined);
    });
  });
});
