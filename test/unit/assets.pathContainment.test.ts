import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isWindowsAbsolute, pathFlavorOf, relativePathInside, verifyInsideWorkspace } from '../../src/assets/pathContainment';

describe('assets/pathContainment', () => {
  it('treats drive letters, UNC paths and leading backslashes as absolute on every OS', () => {
    for (const candidate of ['C:\\x', 'c:/x', 'C:x', '\\\\server\\share', '\\x']) assert.equal(isWindowsAbsolute(candidate), true, candidate);
    for (const candidate of ['x', 'assets/', '/etc', './C:', 'a\\b']) assert.equal(isWindowsAbsolute(candidate), false, candidate);
  });

  it('reads the path flavour from the folder spelling, not from the running OS', () => {
    assert.equal(pathFlavorOf('/home/me/ws'), path.posix);
    assert.equal(pathFlavorOf('C:\\Users\\me\\ws'), path.win32);
    assert.equal(pathFlavorOf('d:/ws'), path.win32);
    assert.equal(pathFlavorOf('\\\\server\\share\\ws'), path.win32);
  });

  // SEC-11: lexical containment, both flavours, on any OS.
  const lexicalCases: Array<[string, string, string | undefined]> = [
    ['/ws', '/ws/assets/a.png', 'assets/a.png'],
    ['/ws', '/ws/a/../b.png', 'b.png'],
    ['/ws', '/ws', undefined],
    ['/ws', '/ws/../etc/passwd', undefined],
    ['/ws', '/wsx/a.png', undefined],
    ['/ws', '/etc', undefined],
    ['/ws', '/ws/..a/b.png', '..a/b.png'], // a folder named "..a" is inside
    ['/ws', 'ws/a.png', undefined], // relative: never resolved against the process's directory
    ['/ws', 'C:\\ws\\a.png', undefined],
    ['/ws', '\\\\server\\share\\a.png', undefined],
    ['C:\\ws', 'C:\\ws\\assets\\a.png', 'assets/a.png'],
    ['C:\\ws', 'c:\\WS\\a.png', 'a.png'], // Windows paths compare case-insensitively
    ['C:\\ws', 'C:\\ws\\..\\x.png', undefined],
    ['C:\\ws', 'D:\\ws\\a.png', undefined],
    ['C:\\ws', '\\\\server\\share\\a.png', undefined],
    ['C:\\ws', '/etc/a.png', undefined],
    ['C:\\ws', 'C:a.png', undefined],
    ['\\\\server\\share\\ws', '\\\\server\\share\\ws\\a.png', 'a.png'],
    ['\\\\server\\share\\ws', '\\\\server\\other\\ws\\a.png', undefined],
  ];
  for (const [folder, target, expected] of lexicalCases) {
    it(`${target} inside ${folder}: ${expected ?? 'no'}`, () => {
      assert.equal(relativePathInside(folder, target), expected);
    });
  }

  describe('verifyInsideWorkspace (real symlinks)', () => {
    let root: string;
    let workspace: string;
    let outside: string;

    before(async () => {
      root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'oxen-assets-')));
      workspace = path.join(root, 'ws');
      outside = path.join(root, 'outside');
      await fs.mkdir(path.join(workspace, 'docs', 'images'), { recursive: true });
      await fs.mkdir(outside);
      await fs.writeFile(path.join(outside, 'victim.png'), 'x');
      await fs.symlink(outside, path.join(workspace, 'escape'), 'dir'); // SEC-11: symlinked folder pointing outside
      await fs.symlink(path.join(workspace, 'docs'), path.join(workspace, 'docs-link'), 'dir');
      await fs.symlink(path.join(outside, 'victim.png'), path.join(workspace, 'docs', 'victim.png'));
      await fs.symlink(path.join(root, 'ws'), path.join(root, 'ws-link'), 'dir');
    });

    after(async () => {
      await fs.rm(root, { recursive: true, force: true });
    });

    const check = (target: string, folder = workspace) => verifyInsideWorkspace(target, folder, fs.realpath);

    it('accepts new files and new folders inside the workspace', async () => {
      assert.deepEqual(await check(path.join(workspace, 'docs', 'images', 'a.png')), { ok: true });
      assert.deepEqual(await check(path.join(workspace, 'new', 'deeper', 'a.png')), { ok: true });
    });

    it('accepts a symlink that stays inside the workspace', async () => {
      assert.deepEqual(await check(path.join(workspace, 'docs-link', 'images', 'a.png')), { ok: true });
    });

    it('accepts a workspace folder that is itself reached through a symlink', async () => {
      assert.deepEqual(await check(path.join(root, 'ws-link', 'docs', 'a.png'), path.join(root, 'ws-link')), { ok: true });
    });

    it('refuses a folder symlinked outside the workspace (SEC-11)', async () => {
      for (const target of [path.join(workspace, 'escape', 'a.png'), path.join(workspace, 'escape', 'new', 'a.png')]) {
        const result = await check(target);
        assert.equal(result.ok, false, target);
        assert.match(!result.ok ? result.reason : '', /outside the workspace folder.*symbolic link/);
      }
    });

    it('refuses an existing file that is a symlink to a file outside', async () => {
      const result = await check(path.join(workspace, 'docs', 'victim.png'));
      assert.equal(result.ok, false);
    });

    it('refuses paths that are lexically outside before touching the disk', async () => {
      let calls = 0;
      const counting = async (p: string) => {
        calls++;
        return fs.realpath(p);
      };
      for (const target of [path.join(workspace, '..', 'outside', 'a.png'), path.join(outside, 'a.png'), workspace, 'relative/a.png']) {
        const result = await verifyInsideWorkspace(target, workspace, counting);
        assert.equal(result.ok, false, target);
        assert.match(!result.ok ? result.reason : '', /not inside the workspace folder/);
      }
      assert.equal(calls, 0);
    });

    it('refuses when realpath fails for another reason than a missing path', async () => {
      const denied = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      const result = await verifyInsideWorkspace(path.join(workspace, 'a.png'), workspace, async (p) => {
        if (p === workspace) return p;
        throw denied;
      });
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.reason : '', /permission denied/);
    });
  });

  it('walks up Windows paths too, with an injected realpath', async () => {
    const existing = new Map([
      ['C:\\ws', 'C:\\ws'],
      ['C:\\ws\\link', 'D:\\elsewhere'],
    ]);
    const realpath = async (p: string) => {
      const real = existing.get(p);
      if (real === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return real;
    };
    assert.deepEqual(await verifyInsideWorkspace('C:\\ws\\new\\a.png', 'C:\\ws', realpath), { ok: true });
    assert.equal((await verifyInsideWorkspace('C:\\ws\\link\\new\\a.png', 'C:\\ws', realpath)).ok, false);
  });
});
