import * as assert from 'node:assert/strict';
import { OxenAuthError, OxenNotFoundError } from '../../src/oxen/errors';
import {
  NoUploadRepositoryError,
  parseRepositorySetting,
  repositoryFileUrl,
  styleReferencePath,
  uploadRepositoryFile,
  uploadStyleReference,
} from '../../src/oxen/repositoryUpload';
import { STYLE_REFERENCE_REPOSITORY_SETTING_ID } from '../../src/ui/sidebar/ids';
import { clientFor, startCaptureServer, TEST_KEY, useEmulator } from './support/oxen';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3d3e5d40000000049454e44ae426082', 'hex');

async function download(client: ReturnType<typeof clientFor>, url: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await client.transport.download(url, AbortSignal.timeout(5000));
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
  return { status: response.status, bytes: Buffer.concat(chunks) };
}

describe('repository upload for local style references (oxen-api.md §14)', () => {
  const emulator = useEmulator();

  it('uploads with PUT …/file/{branch}/{dir} (multipart "file"), commits, and the file is downloadable at its URL', async () => {
    const client = clientFor(emulator().apiUrl);
    const uploaded = await uploadStyleReference(client.transport, 'me/style-refs', PNG, 'png');
    assert.match(uploaded.path, /^style-references\/[0-9a-f]{32}\.png$/, 'a content hash, never the user file name');
    assert.match(uploaded.commitId, /^[0-9a-f]{32}$/);
    assert.equal(uploaded.url, `${emulator().apiUrl}/api/repos/me/style-refs/file/main/${uploaded.path}`);
    const put = emulator().requests.find((request) => request.method === 'PUT');
    assert.ok(put, 'one PUT was sent');
    assert.equal(put.path, '/api/repos/me/style-refs/file/main/style-references');
    assert.equal(put.authorization, `Bearer ${TEST_KEY}`, 'the key goes to the API origin');
    const fetched = await download(client, uploaded.url);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.bytes, PNG);
  });

  it('answers with the CommitResponse shape and chains commits', async () => {
    const client = clientFor(emulator().apiUrl);
    const location = { namespace: 'me', repo: 'assets', branch: 'main' };
    const first = await uploadRepositoryFile(client.transport, location, 'refs/a.png', PNG);
    const raw = await fetch(`${emulator().apiUrl}/api/repos/me/assets/file/main/refs/b.png`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_KEY}` },
      body: (() => {
        const form = new FormData();
        form.append('files[]', new Blob([PNG], { type: 'image/png' }), 'b.png');
        form.append('message', 'second');
        return form;
      })(),
    });
    assert.equal(raw.status, 200);
    const body = (await raw.json()) as { status: string; status_message: string; commit: Record<string, unknown> };
    assert.equal(body.status, 'success');
    assert.equal(typeof body.status_message, 'string');
    assert.deepEqual(Object.keys(body.commit).sort(), ['author', 'email', 'id', 'message', 'parent_ids', 'timestamp']);
    assert.deepEqual(body.commit.parent_ids, [first.commitId]);
    assert.equal(body.commit.message, 'second');
    assert.equal((await download(client, repositoryFileUrl(client.transport, location, 'refs/b.png'))).status, 200, '"files[]" with a full file path');
  });

  it('answers 404 for an unknown branch, and for a file that was never uploaded', async () => {
    const client = clientFor(emulator().apiUrl);
    await assert.rejects(
      uploadRepositoryFile(client.transport, { namespace: 'me', repo: 'r', branch: 'nope' }, 'refs/x.png', PNG),
      OxenNotFoundError,
    );
    await assert.rejects(uploadStyleReference(client.transport, 'me/r/feature/x', PNG, 'png'), OxenNotFoundError);
    const missing = await download(client, `${emulator().apiUrl}/api/repos/me/r/file/main/refs/none.png`);
    assert.equal(missing.status, 404);
  });

  it('still serves generation results (result_url) on the same path shape', async () => {
    const client = clientFor(emulator().apiUrl);
    const [generation] = await client.enqueue({ model: 'krea-v2-large-text-to-image', params: { prompt: 'x', seed: 1 }, numGenerations: 1 });
    for (let i = 0; i < 100 && emulator().generation(generation.id)?.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 20));
    const row = await client.getGeneration(generation.id);
    assert.equal((await download(client, row.resultUrl!)).status, 200);
  });

  it('refuses without sending anything when no repository is configured, or when the setting is invalid', async () => {
    const client = clientFor(emulator().apiUrl);
    for (const setting of [undefined, '', '   ', null]) {
      await assert.rejects(uploadStyleReference(client.transport, setting, PNG, 'png'), (error: unknown) => {
        assert.ok(error instanceof NoUploadRepositoryError);
        assert.equal(error.reason, 'unset');
        assert.equal(error.setting, 'oxenImageStudio.styleReferenceRepository');
        assert.equal(error.setting, STYLE_REFERENCE_REPOSITORY_SETTING_ID, 'the light shell names the same setting');
        return true;
      });
    }
    for (const setting of ['just-a-name', '../etc/passwd', 'me/r/../../x', 'me/r/', 42, 'me/r/branch.lock', 'https://evil/x/y']) {
      await assert.rejects(uploadStyleReference(client.transport, setting, PNG, 'png'), (error: unknown) => {
        assert.ok(error instanceof NoUploadRepositoryError, String(setting));
        assert.equal(error.reason, 'invalid');
        return true;
      });
    }
    assert.equal(emulator().requests.length, 0, 'no request left the extension');
  });

  it('maps a rejected key to OxenAuthError', async () => {
    const client = clientFor(emulator().apiUrl, { key: 'wrong' });
    await assert.rejects(uploadStyleReference(client.transport, 'me/r', PNG, 'png'), OxenAuthError);
  });

  it('sends the key only to the API origin, even when the base URL has a path', async () => {
    const capture = await startCaptureServer((_, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'success', status_message: 'resource_created', commit: { id: 'c1' } }));
    });
    try {
      const client = clientFor(`${capture.url}/proxy/oxen`);
      const uploaded = await uploadStyleReference(client.transport, 'me/r/dev', PNG, 'png');
      assert.equal(capture.requests[0].url, '/proxy/oxen/api/repos/me/r/file/dev/style-references');
      assert.equal(capture.requests[0].authorization, `Bearer ${TEST_KEY}`);
      assert.ok(uploaded.url.startsWith(`${capture.url}/proxy/oxen/api/repos/me/r/file/dev/style-references/`));
    } finally {
      await capture.close();
    }
  });
});

describe('oxenImageStudio.styleReferenceRepository', () => {
  it('parses namespace/repo[/branch] with main as the default branch', () => {
    assert.deepEqual(parseRepositorySetting('ox/refs'), { kind: 'ok', location: { namespace: 'ox', repo: 'refs', branch: 'main' } });
    assert.deepEqual(parseRepositorySetting(' ox/refs/dev '), { kind: 'ok', location: { namespace: 'ox', repo: 'refs', branch: 'dev' } });
    assert.deepEqual(parseRepositorySetting('ox/refs/feature/a'), { kind: 'ok', location: { namespace: 'ox', repo: 'refs', branch: 'feature/a' } });
    assert.deepEqual(parseRepositorySetting(undefined), { kind: 'unset' });
    assert.equal(parseRepositorySetting('a b/c').kind, 'invalid');
  });

  it('names references by content hash', () => {
    assert.equal(styleReferencePath(PNG, 'png'), styleReferencePath(Buffer.from(PNG), 'png'));
    assert.notEqual(styleReferencePath(PNG, 'png'), styleReferencePath(Buffer.concat([PNG, Buffer.from([0])]), 'png'));
  });
});
