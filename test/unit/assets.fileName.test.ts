import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as fc from 'fast-check';
import {
  DEFAULT_FILE_NAME_TEMPLATE,
  numberedFileName,
  renderFileName,
  UnknownTemplateVariableError,
  type FileNameVariables,
} from '../../src/assets/fileName';

const vars: FileNameVariables = {
  prompt: 'A red fox in the snow, watercolor',
  model: 'krea-v2-large-text-to-image',
  seed: 42,
  date: new Date(2025, 0, 2, 3, 4, 5), // local time, like the names
  id: '3f2a9c1e-77aa-4b1c-9d2e-0123456789ab',
};
/** Any code point, ASCII often (fast-check's 'binary' unit costs a second to warm up). */
const anyCharacter = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x10ffff })).map((code) => String.fromCodePoint(code));
const slugOf = (prompt: string) => renderFileName('${slug}', { ...vars, prompt });

/** What Windows, macOS and Linux all accept as one file name. */
function assertSafeOnEveryOs(name: string, maxLength = 100): void {
  assert.ok(name.length > 0, 'not empty');
  assert.ok([...name].length <= maxLength, `at most ${maxLength} characters: ${name}`);
  assert.ok(Buffer.byteLength(name) <= 200, 'leaves room within 255 bytes');
  assert.doesNotMatch(name, /[/\\:*?"<>|]/, name);
  assert.doesNotMatch(name, /[\p{Cc}\p{Cf}]/u, JSON.stringify(name));
  assert.doesNotMatch(name, /^[\s.]|[\s.]$/u, JSON.stringify(name));
  assert.doesNotMatch(name.split('.')[0]!.trimEnd(), /^(con|prn|aux|nul|com[1-9¹²³]|lpt[1-9¹²³])$/i, name);
  assert.notEqual(path.basename(name), '..');
}

describe('assets/fileName', () => {
  describe('renderFileName', () => {
    it('uses ${slug}-${seed} by default', () => {
      assert.equal(DEFAULT_FILE_NAME_TEMPLATE, '${slug}-${seed}');
      assert.equal(renderFileName(DEFAULT_FILE_NAME_TEMPLATE, vars), 'a-red-fox-in-the-snow-watercolor-42');
    });

    it('fills every variable', () => {
      assert.equal(
        renderFileName('${model}_${date}_${time}_${id}_${seed}', vars),
        'krea-v2-large-text-to-image_2025-01-02_030405_3f2a9c1e_42',
      );
    });

    const slugCases: Array<[string, string]> = [
      ['Crème brûlée à la façon de Zoë', 'creme-brulee-a-la-facon-de-zoe'],
      ['Straße, Æsir, smørrebrød, Łódź', 'strasse-aesir-smorrebrod-lodz'],
      ["Don't PANIC!!! 42 ways", 'dont-panic-42-ways'],
      ['ＦＵＬＬＷＩＤＴＨ ℡ İstanbul', 'fullwidth-tel-istanbul'],
      ['日本語のプロンプト', 'image'],
      ['🦊🦊🦊', 'image'],
      ['   ', 'image'],
      ['../../etc/passwd', 'etc-passwd'],
      ['word '.repeat(30), 'word-word-word-word-word-word-word-word-word'],
      ['x'.repeat(60), 'x'.repeat(48)],
    ];
    for (const [prompt, slug] of slugCases) {
      it(`slugs ${JSON.stringify(prompt.slice(0, 40))} as ${slug}`, () => {
        assert.equal(slugOf(prompt), slug);
      });
    }

    it('cuts the slug at a word boundary within 48 characters', () => {
      const slug = slugOf('an extraordinarily detailed panoramic photograph of mountains at dawn');
      assert.equal(slug, 'an-extraordinarily-detailed-panoramic-photograph'); // + '-of' would be 51
      assert.equal(slug.length, 48);
    });

    it('leaves no dangling separator when the seed is unknown', () => {
      assert.equal(renderFileName('${slug}-${seed}', { ...vars, seed: undefined }), 'a-red-fox-in-the-snow-watercolor');
      assert.equal(renderFileName('${seed}--${slug}', { ...vars, seed: undefined }), 'a-red-fox-in-the-snow-watercolor');
    });

    it('names the unknown variable so the user knows what to fix', () => {
      assert.throws(
        () => renderFileName('${slug}-${width}', vars),
        (error: unknown) => error instanceof UnknownTemplateVariableError && error.variableName === 'width' && /\$\{width\}/.test(error.message),
      );
    });

    // SEC-12: names are built from the request only; whatever the template or prompt holds, the
    // result is one safe file name.
    const unsafeTemplates: Array<[string, string]> = [
      ['a/b\\c:d*e?f"g<h>i|j', 'a-b-c-d-e-f-g-h-i-j'],
      ['../../${slug}', 'a-red-fox-in-the-snow-watercolor'],
      ['...hidden...', 'hidden'],
      ['  spaced  ', 'spaced'],
      ['tab\there\u0000nul', 'tabherenul'],
      ['evil\u202Egnp.exe', 'evilgnp.exe'],
      ['CON', 'CON-image'],
      ['con.txt', 'con-image.txt'],
      ['Lpt9', 'Lpt9-image'],
      ['COM¹', 'COM¹-image'],
      ['NUL .tar.gz', 'NUL-image.tar.gz'],
      ['console', 'console'],
      ['', 'image'],
      ['///', 'image'],
    ];
    for (const [template, expected] of unsafeTemplates) {
      it(`makes ${JSON.stringify(template)} safe: ${expected}`, () => {
        const name = renderFileName(template, vars);
        assert.equal(name, expected);
        assertSafeOnEveryOs(name);
      });
    }

    it('caps the length (default 100, or maxLength) without splitting characters', () => {
      const long = renderFileName('${slug}-' + 'é🦊'.repeat(80), vars);
      assertSafeOnEveryOs(long);
      assert.equal(renderFileName('x'.repeat(300), vars, { maxLength: 20 }), 'x'.repeat(20));
      assert.throws(() => renderFileName('x', vars, { maxLength: 3 }), RangeError);
    });

    it('is safe on every OS for any template text and prompt', () => {
      const KNOWN_VARIABLES = ['slug', 'model', 'seed', 'date', 'time', 'id'];
      const templatePart = fc.oneof(
        fc.constantFrom(...KNOWN_VARIABLES.map((name) => `\${${name}}`), '.', ' ', '-', 'CON', 'nul.', '$', '{'),
        fc.string({ unit: anyCharacter, maxLength: 20 }),
      );
      fc.assert(
        fc.property(
          fc
            .array(templatePart, { maxLength: 8 })
            .map((parts) => parts.join(''))
            .filter((template) => [...template.matchAll(/\$\{([^}]*)\}/g)].every(([, name]) => KNOWN_VARIABLES.includes(name!))),
          fc.string({ unit: anyCharacter, maxLength: 300 }),
          fc.string({ maxLength: 40 }),
          fc.option(fc.integer(), { nil: undefined }),
          fc.integer({ min: 16, max: 200 }),
          (template, prompt, model, seed, maxLength) => {
            assertSafeOnEveryOs(renderFileName(template, { ...vars, prompt, model, seed }, { maxLength }), maxLength);
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('numberedFileName', () => {
    it('numbers names the same way for callers that place files themselves', () => {
      assert.deepEqual([0, 1, 12].map((attempt) => numberedFileName('fox', 'jpg', attempt)), ['fox.jpg', 'fox-1.jpg', 'fox-12.jpg']);
    });
  });
});
