import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { DEFAULT_ASSET_DESTINATION, resolveDestination, type DestinationInput } from '../../src/assets/destination';
import { verifyInsideWorkspace } from '../../src/assets/pathContainment';

const workspaceFolder = '/home/me/ws';
const nestedDocument = '/home/me/ws/docs/guide/README.md';
const rootDocument = '/home/me/ws/README.md';
const fileName = 'fox-42.png';
const now = new Date(Date.UTC(2025, 5, 6, 8, 40, 32, 123));

function resolve(input: Partial<DestinationInput>) {
  return resolveDestination({ workspaceFolder, fileName, now, ...input });
}

function resolvedPath(input: Partial<DestinationInput>): string {
  const result = resolve(input);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.absolutePath;
}

describe('assets/destination', () => {
  describe('precedence', () => {
    const markdownCopyFilesDestination = { '/docs/**': '/from-markdown/' };

    it('uses oxenImageStudio.assetDestination when set', () => {
      const result = resolve({ documentPath: nestedDocument, ownTemplate: '/mine/', markdownCopyFilesDestination });
      assert.deepEqual(result, { ok: true, absolutePath: '/home/me/ws/mine/fox-42.png', relativeToWorkspace: 'mine/fox-42.png', source: 'oxenImageStudio.assetDestination' });
    });

    it('else the first markdown.copyFiles.destination entry whose glob matches the document', () => {
      const result = resolve({ documentPath: nestedDocument, ownTemplate: '  ', markdownCopyFilesDestination });
      assert.deepEqual(result, { ok: true, absolutePath: '/home/me/ws/from-markdown/fox-42.png', relativeToWorkspace: 'from-markdown/fox-42.png', source: 'markdown.copyFiles.destination' });
    });

    it('else assets/generated/ in the workspace folder', () => {
      assert.equal(DEFAULT_ASSET_DESTINATION, '/assets/generated/');
      const result = resolve({ documentPath: nestedDocument, markdownCopyFilesDestination: { '*.txt': 'never/' } });
      assert.deepEqual(result, { ok: true, absolutePath: '/home/me/ws/assets/generated/fox-42.png', relativeToWorkspace: 'assets/generated/fox-42.png', source: 'default' });
    });

    it('ignores markdown.copyFiles.destination without a document (its globs match documents)', () => {
      assert.equal(resolvedPath({ markdownCopyFilesDestination: { '**': '/from-markdown/' } }), '/home/me/ws/assets/generated/fox-42.png');
    });

    it('skips non-string values, which untyped settings JSON may hold', () => {
      const settings = { '**/*.md': 42, 'docs/**': 'typed/' } as unknown as Record<string, string>;
      assert.equal(resolvedPath({ documentPath: nestedDocument, markdownCopyFilesDestination: settings }), '/home/me/ws/docs/guide/typed/fox-42.png');
    });
  });

  describe('markdown.copyFiles.destination globs, read as VS Code reads them', () => {
    // [glob, document, matches]
    const cases: Array<[string, string, boolean]> = [
      ['**/*.md', rootDocument, true],
      ['*.md', nestedDocument, true], // a glob not starting with ** is matched at any depth
      ['docs/**', nestedDocument, true],
      ['docs/**', '/home/me/ws/other/docs/a.md', true],
      ['/docs/**', nestedDocument, true], // leading '/' anchors at the workspace folder
      ['/docs/**', '/home/me/ws/other/docs/a.md', false],
      ['/*.md', rootDocument, true],
      ['/*.md', nestedDocument, false],
      ['{docs,blog}/**/*.md', nestedDocument, true],
      ['**/*.{txt,rst}', nestedDocument, false],
      ['**/.github/*.md', '/home/me/ws/.github/README.md', true],
    ];
    for (const [glob, documentPath, matches] of cases) {
      it(`${glob} ${matches ? 'matches' : 'does not match'} ${path.posix.relative(workspaceFolder, documentPath)}`, () => {
        const result = resolve({ documentPath, markdownCopyFilesDestination: { [glob]: '/matched/' } });
        assert.equal(result.ok && result.source === 'markdown.copyFiles.destination', matches);
      });
    }

    it('takes the first match in the order the setting lists them', () => {
      const settings = { '**/*.txt': '/txt/', '/docs/**': '/first/', '**/*.md': '/second/' };
      assert.equal(resolvedPath({ documentPath: nestedDocument, markdownCopyFilesDestination: settings }), '/home/me/ws/first/fox-42.png');
    });

    it('puts the file next to the document for an empty destination, like VS Code', () => {
      assert.equal(resolvedPath({ documentPath: nestedDocument, markdownCopyFilesDestination: { '**': '  ' } }), '/home/me/ws/docs/guide/fox-42.png');
    });
  });

  describe('template variables', () => {
    it('fills every VS Code variable', () => {
      const template = [
        '${documentDirName}', '${documentRelativeDirName}', '${documentFileName}', '${documentBaseName}', '${documentExtName}',
        '${documentFilePath}', '${documentRelativeFilePath}', '${documentWorkspaceFolder}', '${fileName}', '${fileExtName}',
        '${unixTime}', '${isoTime}',
      ].join('|');
      const result = resolve({ documentPath: nestedDocument, ownTemplate: `/v/${template}|${fileName}` });
      assert.ok(result.ok, result.ok ? '' : result.reason);
      // `/` inside the values splits folders; join them back to read the values.
      assert.equal(
        result.relativeToWorkspace,
        'v/home/me/ws/docs/guide|docs/guide|README.md|README|md|/home/me/ws/docs/guide/README.md|docs/guide/README.md|/home/me/ws|fox-42.png|png|1749199232123|2025-06-06T08:40:32.123Z|fox-42.png'
          .split('/').filter(Boolean).join('/'),
      );
    });

    it('applies ${name/regex/replacement/} transforms and the \\$ escape', () => {
      assert.equal(resolvedPath({ documentPath: nestedDocument, ownTemplate: '/img/${documentRelativeDirName/^docs\\/(.*)$/$1/}/' }), '/home/me/ws/img/guide/fox-42.png');
      assert.equal(resolvedPath({ documentPath: nestedDocument, ownTemplate: '/\\${fileName}/' }), '/home/me/ws/${fileName}/fox-42.png');
      // VS Code skips a transform whose replacement is empty; so do we, to place files identically.
      assert.equal(resolvedPath({ documentPath: nestedDocument, ownTemplate: '/${documentBaseName/READ//}/' }), '/home/me/ws/README/fox-42.png');
    });

    it('resolves relative templates against the document folder, or the workspace folder without a document', () => {
      assert.equal(resolvedPath({ documentPath: nestedDocument, ownTemplate: 'img/' }), '/home/me/ws/docs/guide/img/fox-42.png');
      assert.equal(resolvedPath({ ownTemplate: 'img/' }), '/home/me/ws/img/fox-42.png');
      assert.equal(resolvedPath({ ownTemplate: '${documentDirName}/img/' }), '/home/me/ws/img/fox-42.png');
      assert.equal(resolvedPath({ ownTemplate: '/assets/${documentRelativeDirName}/' }), '/home/me/ws/assets/fox-42.png');
    });

    it('says which variable needs a document when there is none', () => {
      const result = resolve({ ownTemplate: 'docs/${documentBaseName}/' });
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.reason : '', /oxenImageStudio\.assetDestination.*\$\{documentBaseName\}.*needs an open markdown document/);
    });
  });

  // SEC-11: destinations that would leave the workspace folder are refused with a reason; the
  // valid ones land inside it.
  describe('containment (SEC-11)', () => {
    const valid: Array<[string, string | undefined, string]> = [
      ['assets/', nestedDocument, 'docs/guide/assets/fox-42.png'],
      ['${documentDirName}/img/', nestedDocument, 'docs/guide/img/fox-42.png'],
      ['docs/${documentBaseName}/', rootDocument, 'docs/README/fox-42.png'],
      ['/', nestedDocument, 'fox-42.png'],
      ['${documentWorkspaceFolder}/art/', nestedDocument, 'art/fox-42.png'],
      ['${documentBaseName}-${fileName}', nestedDocument, 'docs/guide/README-fox-42.png'],
      ['../shared/', nestedDocument, 'docs/shared/fox-42.png'],
      ['a/../b/', undefined, 'b/fox-42.png'],
      ['img\\generated\\', undefined, 'img/generated/fox-42.png'], // backslashes separate folders on every OS
      // A leading '/' means the workspace folder (VS Code's meaning), so `/etc/` is <workspace>/etc/.
      ['/etc/', undefined, 'etc/fox-42.png'],
    ];
    for (const [template, documentPath, relative] of valid) {
      it(`resolves ${template} inside the workspace: ${relative}`, () => {
        const result = resolve({ documentPath, ownTemplate: template });
        assert.ok(result.ok, result.ok ? '' : result.reason);
        assert.equal(result.relativeToWorkspace, relative);
        assert.equal(result.absolutePath, path.posix.join(workspaceFolder, relative));
      });
    }

    const refused: Array<[string, string | undefined, RegExp]> = [
      ['../x/', undefined, /outside the workspace folder/],
      ['../x/', rootDocument, /outside the workspace folder/],
      ['../../../x/', nestedDocument, /outside the workspace folder/],
      ['a/../../b/', undefined, /outside the workspace folder/],
      ['${documentWorkspaceFolder}/../x/', nestedDocument, /outside the workspace folder/],
      ['${documentDirName}/../../../x/', nestedDocument, /outside the workspace folder/],
      ['/etc', undefined, /names the file etc, which does not end in \.png/],
      ['/../etc/', undefined, /outside the workspace folder/],
      ['C:\\x\\', undefined, /not a full path inside the workspace folder/],
      ['C:\\x', undefined, /not a full path inside the workspace folder/],
      ['C:x/', undefined, /not a full path inside the workspace folder/],
      ['\\\\server\\share\\', undefined, /not a full path inside the workspace folder/],
      ['\\etc\\', undefined, /not a full path inside the workspace folder/],
      ['assets\u0000/', undefined, /"assets\\u0000\/" .*control character/],
      ['assets/\n/', undefined, /control character/],
      ['~/x/', undefined, /'~'/],
      ['~', undefined, /'~'/],
      ['${home}/x/', undefined, /unknown variable \$\{home\}/],
      ['/img/${documentBaseName/(/x/}/', nestedDocument, /invalid regular expression/],
      ['/img/x.jpg', undefined, /does not end in \.png/], // SEC-12: the extension comes from the bytes
      ['..', undefined, /outside the workspace folder/],
    ];
    for (const [template, documentPath, reason] of refused) {
      it(`refuses ${JSON.stringify(template)}${documentPath ? ' from a document' : ''}`, () => {
        const result = resolve({ documentPath, ownTemplate: template });
        assert.equal(result.ok, false);
        assert.match(!result.ok ? result.reason : '', reason);
        assert.match(!result.ok ? result.reason : '', /oxenImageStudio\.assetDestination/);
      });
    }

    it('names markdown.copyFiles.destination when that setting is the one refused', () => {
      const result = resolve({ documentPath: rootDocument, markdownCopyFilesDestination: { '**/*.md': '../outside/' } });
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.reason : '', /"\.\.\/outside\/" from markdown\.copyFiles\.destination resolves to \/home\/me\/outside\/fox-42\.png/);
    });

    it('refuses relative workspace or document paths', () => {
      assert.equal(resolveDestination({ workspaceFolder: 'ws', fileName }).ok, false);
      assert.equal(resolveDestination({ workspaceFolder, documentPath: 'README.md', fileName }).ok, false);
    });

    describe('with a Windows workspace folder (on any OS)', () => {
      const winWorkspace = 'C:\\Users\\me\\ws';
      const winDocument = 'C:\\Users\\me\\ws\\docs\\README.md';
      const resolveWin = (ownTemplate: string, documentPath: string | undefined = winDocument) =>
        resolveDestination({ workspaceFolder: winWorkspace, documentPath, fileName, ownTemplate, now });

      const windowsValid: Array<[string, string]> = [
        ['assets/', 'C:\\Users\\me\\ws\\docs\\assets\\fox-42.png'],
        ['/etc/', 'C:\\Users\\me\\ws\\etc\\fox-42.png'],
        ['${documentDirName}\\img\\', 'C:\\Users\\me\\ws\\docs\\img\\fox-42.png'],
        ['/assets/${documentRelativeDirName}/', 'C:\\Users\\me\\ws\\assets\\docs\\fox-42.png'],
        ['c:\\users\\me\\ws\\art\\', 'c:\\users\\me\\ws\\art\\fox-42.png'], // same folder, other case
      ];
      for (const [template, expected] of windowsValid) {
        it(`resolves ${template} to ${expected}`, () => {
          const result = resolveWin(template);
          assert.ok(result.ok, result.ok ? '' : result.reason);
          assert.equal(result.absolutePath, expected);
        });
      }

      for (const template of ['..\\..\\x\\', 'C:\\x\\', 'D:\\Users\\me\\ws\\', '\\\\server\\share\\', '\\x\\', 'D:x\\', '${documentWorkspaceFolder}\\..\\x\\']) {
        it(`refuses ${template}`, () => {
          const result = resolveWin(template);
          assert.equal(result.ok, false, template);
          assert.match(!result.ok ? result.reason : '', /workspace folder/);
        });
      }
    });

    describe('a symlinked folder pointing outside (resolve, then verify before writing)', () => {
      let root: string;
      before(async () => {
        root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-destination-')));
        await fs.mkdir(path.join(root, 'ws', 'docs'), { recursive: true });
        await fs.mkdir(path.join(root, 'outside'));
        await fs.symlink(path.join(root, 'outside'), path.join(root, 'ws', 'docs', 'linked'), 'dir');
      });
      after(async () => {
        await fs.rm(root, { recursive: true, force: true });
      });

      it('passes the lexical check but is refused by verifyInsideWorkspace', async () => {
        const ws = path.join(root, 'ws');
        const result = resolveDestination({ workspaceFolder: ws, documentPath: path.join(ws, 'docs', 'a.md'), fileName, ownTemplate: 'linked/img/' });
        assert.ok(result.ok);
        const verdict = await verifyInsideWorkspace(result.absolutePath, ws, fs.realpath);
        assert.equal(verdict.ok, false);
        assert.match(!verdict.ok ? verdict.reason : '', /symbolic link/);
      });
    });
  });
  // SEC-11: any template, from either setting, posix or Windows workspace, with or without a
  // document: the result is inside the workspace folder or a refusal that names the setting.
  describe('fuzzing: any template stays inside the workspace or is refused (SEC-11)', () => {
    const hostilePiece = fc.oneof(
      fc.constantFrom('..', '.', '/', '\\', '//', '\\\\', 'C:', 'c:\\', 'D:', '~', '\u0000', '\n', '$', '\\$', '{', '}', '*', '?', ':', 'con', 'server', 'share'),
      fc.constantFrom('${documentDirName}', '${documentWorkspaceFolder}', '${documentRelativeDirName}', '${documentBaseName}', '${fileName}', '${documentFilePath}', '${unixTime}', '${home}', '${documentBaseName/(.*)/..\\/$1/}', '${documentDirName/^/..\\//}'),
      fc.string({ maxLength: 8 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
    );
    const template = fc.array(hostilePiece, { maxLength: 12 }).map((pieces) => pieces.join(''));
    const flavors = [
      { name: 'posix', flavor: path.posix, workspace: '/home/me/ws', documents: [undefined, '/home/me/ws/README.md', '/home/me/ws/docs/guide/README.md'] },
      { name: 'Windows', flavor: path.win32, workspace: 'C:\\Users\\me\\ws', documents: [undefined, 'C:\\Users\\me\\ws\\README.md', 'C:\\Users\\me\\ws\\docs\\guide\\README.md'] },
    ];
    for (const { name, flavor, workspace, documents } of flavors) {
      it(`holds for 3,000 generated templates in a ${name} workspace`, () => {
        fc.assert(
          fc.property(template, fc.constantFrom(...documents), fc.boolean(), (candidate, documentPath, viaMarkdownSetting) => {
            const input: DestinationInput = viaMarkdownSetting
              ? { workspaceFolder: workspace, documentPath, fileName, now, markdownCopyFilesDestination: { '**': candidate } }
              : { workspaceFolder: workspace, documentPath, fileName, now, ownTemplate: candidate };
            const result = resolveDestination(input);
            if (!result.ok) {
              assert.match(result.reason, /oxenImageStudio\.assetDestination|markdown\.copyFiles\.destination/);
              assert.doesNotMatch(result.reason, /[\u0000-\u0009\u000b-\u001f]/, 'the reason shows control characters escaped');
              return;
            }
            const relative = flavor.relative(workspace, result.absolutePath);
            assert.ok(relative !== '' && relative !== '..' && !relative.startsWith(`..${flavor.sep}`) && !flavor.isAbsolute(relative), `${JSON.stringify(candidate)} → ${result.absolutePath}`);
            assert.equal(result.relativeToWorkspace, relative.split(flavor.sep).join('/'));
            assert.ok(result.absolutePath.toLowerCase().startsWith(workspace.toLowerCase() + flavor.sep), result.absolutePath);
            assert.doesNotMatch(result.absolutePath, /[\u0000-\u001f]/);
            assert.ok(result.absolutePath.endsWith('.png'), 'the extension comes from the bytes (SEC-12)');
          }),
          { numRuns: 3000 },
        );
      });
    }
  });
});
