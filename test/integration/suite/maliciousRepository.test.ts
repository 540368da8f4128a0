/**
 * A malicious repository, opened and trusted (the hard case: Restricted Mode is not there to help).
 * Its `.vscode/settings.json` tries to send the key elsewhere (SEC-03), to write outside the
 * workspace (SEC-11), to inject through the file-name template (SEC-12), and its markdown tries to
 * break the inserted link (SEC-13). After every attack: the capture server received nothing, the
 * canary folder beside the workspace is empty, and a refusal names the setting and what to do.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import * as vscode from 'vscode';
import { emulator, enqueues } from './support/emulator';
import { createMarkdown, documentText, extensionApi, generate, rejection, waitFor, waitForState, waitUntilIdle, workspaceRoot } from './support/extension';
import {
  assertExplained,
  createCanary,
  filesUnder,
  removeWorkspaceSettings,
  shipWorkspaceSettings,
  startCaptureServer,
  type CaptureServer,
} from './support/hostileRepository';

const HERE = 'oxenImageStudio.generateImageHere';
const OWN = 'oxenImageStudio.assetDestination';
const COPY_FILES = 'markdown.copyFiles.destination';
const TEMPLATE = 'oxenImageStudio.fileNameTemplate';
const KEEP_INSIDE = /inside the workspace folder/;

describe('malicious repository (trusted)', function () {
  this.timeout(90_000);
  let capture: CaptureServer;
  let canary: string;
  /** Workspace paths a test created (symlinks, folders) and that go after it. */
  const created: string[] = [];

  const canaryName = () => path.basename(canary);
  const inWorkspace = (relative: string) => path.join(workspaceRoot(), relative);
  const symlinkOut = (relative: string, target = canary) => {
    fs.mkdirSync(path.dirname(inWorkspace(relative)), { recursive: true });
    fs.symlinkSync(target, inWorkspace(relative), 'dir');
    created.push(inWorkspace(relative));
  };

  /** Every saved file lies inside the workspace, also once symlinks are resolved. */
  const assertInside = (files: readonly string[] | undefined) => {
    assert.ok(files && files.length > 0, 'the image was saved');
    const realRoot = fs.realpathSync(workspaceRoot());
    for (const file of files) {
      const real = fs.realpathSync(inWorkspace(file));
      assert.ok(real.startsWith(realRoot + path.sep), `${file} is inside the workspace (really ${real})`);
    }
  };

  /** The command refuses before anything is sent (nothing billed), naming the setting. */
  const assertRefused = async (argument: Record<string, unknown>, setting: string, command = 'oxenImageStudio.generateImage') => {
    const message = await rejection(generate({ prompt: 'a lighthouse at dusk', wait: true, ...argument }, command));
    assertExplained(message, setting, KEEP_INSIDE);
    assert.deepEqual(enqueues(await emulator.requests()), [], 'nothing was sent to Oxen');
    return message;
  };

  before(async () => {
    capture = await startCaptureServer();
    canary = createCanary('canary');
    await extensionApi();
  });

  beforeEach(() => emulator.reset());

  afterEach(async () => {
    await removeWorkspaceSettings();
    for (const entry of created.splice(0)) fs.rmSync(entry, { recursive: true, force: true });
    assert.deepEqual(capture.captured, [], 'the capture server received nothing');
    assert.deepEqual(filesUnder(canary), [], 'nothing was written next to the workspace');
    await waitUntilIdle(await extensionApi());
  });

  after(async () => {
    await capture.close();
    fs.rmSync(canary, { recursive: true, force: true });
  });

  describe('SEC-03: workspace settings cannot redirect the key', () => {
    const forms: Array<[string, () => Record<string, unknown>]> = [
      ['dotted keys', () => ({ 'oxenImageStudio.apiBaseUrl': capture.url, 'http.proxy': capture.url })],
      ['nested objects', () => ({ oxenImageStudio: { apiBaseUrl: capture.url }, http: { proxy: capture.url, proxyStrictSSL: false } })],
      ['a [markdown] language override', () => ({ '[markdown]': { 'oxenImageStudio.apiBaseUrl': capture.url, 'http.proxy': capture.url } })],
      ['a base URL with credentials and a path', () => ({ 'oxenImageStudio.apiBaseUrl': capture.url.replace('//', '//user:pw@') + '/api/..' })],
    ];
    for (const [form, settings] of forms) {
      it(`SEC-03: ${form}: the key goes to the user's base URL only`, async () => {
        await shipWorkspaceSettings(settings());
        const api = await extensionApi();
        await api.simulateReload(); // a fresh core reads the settings as they are now
        const connection = (await api.whenCoreReady()).connection();
        assert.equal(connection.apiBaseUrl, emulator.url());
        assert.equal(connection.proxyUrl, undefined);
        const document = createMarkdown('malicious/redirect.md', 'Text\n');
        const result = await generate({ prompt: 'a harbour in fog', insert: { uri: document.toString(), line: 1, character: 0 }, wait: true }, HERE);
        assertInside(result.files);
        const [enqueue] = enqueues(await emulator.requests());
        assert.equal(enqueue?.authorization, 'Bearer test-key', 'the key went to the user-configured origin');
      });
    }
  });

  describe('SEC-11: workspace settings cannot write outside the workspace', () => {
    /** [what, settings for one setting, setting named in the refusal]; the document is malicious/doc.md. */
    const escapes: Array<[string, () => Record<string, unknown>, string]> = [
      ['../ out of the document folder', () => ({ [OWN]: `../../${canaryName()}/` }), OWN],
      ['/.. out of the workspace root', () => ({ [OWN]: `/../${canaryName()}/` }), OWN],
      ['a variable that holds the workspace path', () => ({ [OWN]: `\${documentWorkspaceFolder}/../${canaryName()}/` }), OWN],
      ['the document folder variable and ../', () => ({ [OWN]: `\${documentDirName}/../../${canaryName()}/\${fileName}` }), OWN],
      ['a regex transform that rewrites the path', () => ({ [OWN]: `\${documentDirName/malicious/..\\/..\\/${canaryName()}/}/` }), OWN],
      ['backslashes', () => ({ [OWN]: `..\\..\\${canaryName()}\\` }), OWN],
      ['a UNC share', () => ({ [OWN]: '\\\\attacker.example\\share\\' }), OWN],
      ['a drive letter', () => ({ [OWN]: 'C:\\Users\\Public\\' }), OWN],
      ['the home folder', () => ({ [OWN]: '~/' }), OWN],
      ['a NUL byte', () => ({ [OWN]: 'images\u0000/../../' }), OWN],
      ['markdown.copyFiles.destination, ** glob', () => ({ [COPY_FILES]: { '**/*.md': `../../${canaryName()}/` } }), COPY_FILES],
      ['markdown.copyFiles.destination, anchored glob', () => ({ [COPY_FILES]: { '/malicious/**': `\${documentWorkspaceFolder}/../${canaryName()}/` } }), COPY_FILES],
      ['markdown.copyFiles.destination, bare glob, UNC', () => ({ [COPY_FILES]: { '*.md': '\\\\attacker.example\\share\\img\\' } }), COPY_FILES],
      ['markdown.copyFiles.destination, nested object form', () => ({ markdown: { copyFiles: { destination: { '**/*': `/../${canaryName()}/` } } } }), COPY_FILES],
    ];
    for (const [what, settings, setting] of escapes) {
      it(`SEC-11: refuses ${what}, and says which setting to change`, async () => {
        await shipWorkspaceSettings(settings());
        const document = createMarkdown('malicious/doc.md', 'Text\n');
        await assertRefused({ insert: { uri: document.toString(), line: 1, character: 0 } }, setting, HERE);
        assert.equal(await documentText(document), 'Text\n', 'no placeholder was left behind');
      });
    }

    it('SEC-11: an absolute POSIX path means the workspace folder, as in VS Code: nothing appears at the absolute target', async () => {
      const absoluteTarget = path.join(canary, 'absolute');
      await shipWorkspaceSettings({ [OWN]: `${absoluteTarget}/` });
      const result = await generate({ prompt: 'an absolute attempt', wait: true });
      assertInside(result.files);
      assert.equal(path.posix.dirname(result.files![0]!), path.posix.join(...absoluteTarget.split(path.sep)).replace(/^\//, ''));
      assert.equal(fs.existsSync(absoluteTarget), false);
      created.push(inWorkspace(absoluteTarget.split(path.sep)[1]!));
    });

    it('SEC-11: refuses a symlinked folder inside the workspace that points outside (oxenImageStudio.assetDestination)', async () => {
      symlinkOut('linked-out');
      await shipWorkspaceSettings({ [OWN]: '/linked-out/' });
      const message = await assertRefused({}, OWN);
      assert.match(message, /symbolic link/);
    });

    it('SEC-11: refuses a missing folder below such a symlink', async () => {
      symlinkOut('linked-deep');
      await shipWorkspaceSettings({ [OWN]: '/linked-deep/not/yet/there/' });
      await assertRefused({}, OWN);
      assert.equal(fs.existsSync(path.join(canary, 'not')), false);
    });

    it('SEC-11: refuses a symlinked folder reached through markdown.copyFiles.destination', async () => {
      symlinkOut('malicious/pictures');
      await shipWorkspaceSettings({ [COPY_FILES]: { '**/malicious/*.md': 'pictures/' } });
      const document = createMarkdown('malicious/copy.md', 'Text\n');
      await assertRefused({ insert: { uri: document.toString(), line: 1, character: 0 } }, COPY_FILES, HERE);
    });

    it('SEC-11: refuses a document whose folder is a symlink to outside, before touching the document', async () => {
      const outsideDocs = createCanary('outside-docs');
      try {
        symlinkOut('linked-docs', outsideDocs);
        const document = createMarkdown('linked-docs/page.md', 'Outside\n');
        await shipWorkspaceSettings({ [COPY_FILES]: { '**/*.md': './' } });
        await assertRefused({ insert: { uri: document.toString(), line: 1, character: 0 } }, COPY_FILES, HERE);
        assert.deepEqual(filesUnder(outsideDocs), ['page.md']);
        assert.equal(fs.readFileSync(path.join(outsideDocs, 'page.md'), 'utf8'), 'Outside\n', 'the document outside was not edited');
      } finally {
        fs.rmSync(outsideDocs, { recursive: true, force: true });
      }
    });

    it('SEC-12: a dangling symlink at the predicted file name is never followed', async () => {
      const trap = path.join(canary, 'trap.png');
      fs.mkdirSync(inWorkspace('trapped'), { recursive: true });
      created.push(inWorkspace('trapped'));
      fs.symlinkSync(trap, inWorkspace('trapped/fixed.png'));
      await shipWorkspaceSettings({ [OWN]: '/trapped/', [TEMPLATE]: 'fixed' });
      const result = await generate({ prompt: 'a trap', wait: true });
      assert.deepEqual(result.files, ['trapped/fixed-1.png'], 'the next free name, not the link');
      assertInside(result.files);
      assert.equal(fs.existsSync(trap), false);
    });
  });

  describe('SEC-12: the file-name template cannot name a path', () => {
    /** Templates that are accepted: the name is cleaned into one plain file name in the default folder. */
    const cleaned: Array<[string, string, RegExp]> = [
      ['../ segments', '../../../${slug}', /^slug-words$/],
      ['an absolute path', '/etc/passwd-${seed}', /^etc-passwd(-\d+)*$/],
      ['backslashes and a drive', 'C:\\Windows\\${slug}', /^C-Windows-slug-words$/],
      ['a NUL byte and a bidi override', '${slug}\u0000\u202Egnp.exe', /^slug-wordsgnp\.exe$/],
      ['a reserved Windows name', 'CON', /^CON-image$/],
      ['a reserved device with an extension', 'lpt1.txt', /^lpt1-image\.txt$/],
      ['only dots', '..', /^image$/],
      ['characters Windows forbids', '${slug}<>:"|?*', /^slug-words$/],
      ['an unclosed variable', '${slug', /^\$\{slug$/],
      ['a very long name', '${slug}'.repeat(28), /^(slug-words){1,10}[a-z-]*$/],
    ];
    for (const [what, template, expected] of cleaned) {
      it(`SEC-12: ${what} become a plain file name`, async () => {
        await shipWorkspaceSettings({ [TEMPLATE]: template });
        const result = await generate({ prompt: 'slug words', wait: true });
        assertInside(result.files);
        const file = result.files![0]!;
        assert.equal(path.posix.dirname(file), 'assets/generated', 'in the default folder');
        // An earlier test may have taken the name: then `-1`, `-2`… follow it (never an overwrite).
        assert.match(path.posix.basename(file).replace(/(-\d+)?\.png$/, ''), expected);
        assert.ok(path.posix.basename(file).length <= 110, 'no longer than the name limit');
      });
    }

    /** Templates that are refused before anything is sent. */
    const refused: Array<[string, string]> = [
      ['an empty variable', '${}'],
      ['a prototype property as variable', '${constructor}'],
      ['a nested variable', '${${slug}}'],
      ['a template over 200 characters', 'x'.repeat(5000)],
      ['a blank template', '   '],
    ];
    for (const [what, template] of refused) {
      it(`SEC-12: refuses ${what}, naming the setting`, async () => {
        await shipWorkspaceSettings({ [TEMPLATE]: template });
        const message = await rejection(generate({ prompt: 'slug words', wait: true }));
        assertExplained(message, TEMPLATE, /\$\{slug\}|characters|not valid/);
        assert.deepEqual(enqueues(await emulator.requests()), [], 'nothing was sent to Oxen');
      });
    }
  });

  describe('SEC-13: markdown crafted to break the inserted link', () => {
    const preview = new MarkdownIt({ html: true, linkify: true });

    /** The link `result` inserted, parsed by markdown-it: exactly one image, with this alt and path. */
    const assertOneImage = (markdown: string, alt: string, file: string, documentPath: string) => {
      const images = preview
        .parseInline(markdown, {})
        .flatMap((token) => token.children ?? [])
        .filter((token) => token.type === 'image');
      assert.equal(images.length, 1, `one image in ${JSON.stringify(markdown)}`);
      assert.equal(decodeURIComponent(String(images[0]!.attrGet('src'))), path.posix.relative(path.posix.dirname(documentPath), file));
      assert.equal(preview.renderer.renderInlineAsText(images[0]!.children!, preview.options, {}), alt);
    };

    const hostilePrompts: Array<[string, string, string]> = [
      ['link syntax', 'fox](https://attacker.example/x.png) ![x', 'fox](https://attacker.example/x.png) ![x'],
      ['comment and code markers', '--> <!-- ``` `code` *em* _u_', '--> <!-- ``` `code` *em* _u_'],
      ['CRLF and a fence on a new line', 'line one\r\n```\r\nline two', 'line one ``` line two'],
      ['HTML', '<img src=x onerror=alert(1)> &amp; \\', '<img src=x onerror=alert(1)> &amp; \\'],
    ];
    for (const [index, [what, prompt, alt]] of hostilePrompts.entries()) {
      it(`SEC-13: a prompt with ${what} gives exactly one image`, async () => {
        const documentPath = `malicious/prompt-${index}.md`;
        const original = 'Before\n\nAfter\n';
        const uri = createMarkdown(documentPath, original);
        const result = await generate({ prompt, insert: { uri: uri.toString(), line: 1, character: 0 }, wait: true }, HERE);
        const text = await documentText(uri);
        assert.ok(text.startsWith('Before\n') && text.endsWith('\nAfter\n'), 'the rest of the document is untouched');
        const inserted = text.slice('Before\n'.length, -'\nAfter\n'.length);
        assert.ok(!inserted.includes('\n'), 'the link is one line');
        assertOneImage(inserted, alt, result.files![0]!, documentPath);
      });
    }

    const documents: Array<[string, string, number, number]> = [
      ['inside an unclosed code fence', '```js\nconst a = 1;\n\nmore code\n', 2, 0],
      ['inside an unclosed HTML comment', '<!-- notes\n\nstill a comment\n', 1, 0],
      ['in the middle of a line with a half-written link', 'See [the docs](http://x.example "t\n', 0, 4],
      ['in a CRLF document', '# Title\r\n\r\n\r\nEnd\r\n', 2, 0],
      ['next to a forged placeholder', '![Generating: forged…](oxen-image-studio-pending/00000000000000000000000000000000)\n\n', 1, 0],
    ];
    for (const [index, [what, original, line, character]] of documents.entries()) {
      it(`SEC-13: inserts exactly the link at the cursor ${what}, and changes nothing else`, async () => {
        const documentPath = `malicious/document-${index}.md`;
        const uri = createMarkdown(documentPath, original);
        const result = await generate({ prompt: 'a quiet lake', insert: { uri: uri.toString(), line, character }, wait: true }, HERE);
        const link = `![a quiet lake](${path.posix.relative(path.posix.dirname(documentPath), result.files![0]!)})`;
        const offset = (await vscode.workspace.openTextDocument(uri)).offsetAt(new vscode.Position(line, character));
        assert.equal(await documentText(uri), original.slice(0, offset) + link + original.slice(offset));
      });
    }

    it('SEC-13: when the user rewrites the placeholder text, the link still replaces it', async () => {
      await emulator.hold(true);
      const documentPath = 'malicious/edited.md';
      const uri = createMarkdown(documentPath, 'Intro\n\nOutro\n');
      const { generationIds } = await generate({ prompt: 'an edited wait', insert: { uri: uri.toString(), line: 1, character: 0 } }, HERE);
      const api = await extensionApi();
      await waitForState(api, generationIds[0]!, ['queued', 'processing']);
      const placeholder = (await documentText(uri)).split('\n')[1]!;
      const edit = new vscode.WorkspaceEdit();
      const altEnd = placeholder.indexOf('](');
      edit.replace(uri, new vscode.Range(1, 2, 1, altEnd), 'my [own] words');
      assert.ok(await vscode.workspace.applyEdit(edit));
      await emulator.settle(generationIds[0]!, 'succeeded');
      const entry = await waitFor('the history entry', async () => (await api.whenCoreReady()).history().find((item) => item.generationId === generationIds[0]));
      const link = `![an edited wait](${path.posix.relative(path.posix.dirname(documentPath), entry.file)})`;
      await waitFor('the link', async () => (await documentText(uri)).includes(link));
      assert.ok(!(await documentText(uri)).includes('oxen-image-studio-pending/'), 'no placeholder is left');
    });
  });
});
