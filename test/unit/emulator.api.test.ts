import * as assert from 'node:assert/strict';
import fixture from '../emulator/fixtures/oxen-models.json';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/server';
import { apiClient, call, waitUntil } from '../emulator/testing/client';
import { readPng } from '../emulator/testing/pngReader';

const KREA = 'krea-v2-large-text-to-image';
const TEXT_ONLY = 'emulator-chat-text-only';
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const FAST: EmulatorOptions = { timing: { queuedMs: 5, processingMs: 20 } };

const TYPED_NOT_FOUND = {
  error: { type: 'resource_not_found', title: 'The requested resource could not be found' },
  status: 'error',
  status_message: 'resource_not_found',
};

describe('emulator: REST endpoints', () => {
  const running: Emulator[] = [];
  async function start(options: EmulatorOptions = FAST): Promise<{ emulator: Emulator; api: ReturnType<typeof apiClient> }> {
    const emulator = await startEmulator(options);
    running.push(emulator);
    return { emulator, api: apiClient(emulator.apiUrl) };
  }
  afterEach(async () => {
    await Promise.all(running.splice(0).map((emulator) => emulator.close()));
  });

  async function enqueueAndFinish(api: ReturnType<typeof apiClient>, emulator: Emulator, body: Record<string, unknown>): Promise<string[]> {
    const reply = await api.post('/api/ai/queue', { model: KREA, prompt: 'a quiet harbour', ...body });
    assert.equal(reply.status, 200, reply.text);
    const ids: string[] = reply.json().generations.map((item: { generation_id: string }) => item.generation_id);
    await waitUntil(() => ids.every((id) => ['succeeded', 'failed'].includes(emulator.generation(id)?.status as string)), 'generations to finish');
    return ids;
  }

  describe('authentication', () => {
    it('answers 401 with the typed unauthenticated envelope to every /api request without the right Bearer key', async () => {
      const { api } = await start({ apiKey: 'sekret' });
      const paths = ['/api/ai/models', '/api/ai/queue', '/api/ai/generations', '/api/events', '/api/repos/u/r/file/main/x.png'];
      for (const path of paths) {
        for (const key of [null, 'wrong', 'test-key']) {
          const reply = await api.get(path, { key });
          assert.equal(reply.status, 401, `${path} with key ${key}`);
          assert.deepEqual(reply.json().error.type, 'unauthenticated');
          assert.equal(reply.json().status_message, 'unauthenticated');
        }
      }
      assert.equal((await api.get('/api/ai/models', { key: 'sekret' })).status, 200);
    });

    it('answers unknown API paths with 404', async () => {
      const { api } = await start();
      const reply = await api.get('/api/ai/nothing-here');
      assert.equal(reply.status, 404);
      assert.equal(reply.json().error.type, 'resource_not_found');
    });
  });

  describe('GET /api/ai/models', () => {
    it('lists the fixture models plus a text-only model, without fixture notes, with both schema keys', async () => {
      const { api } = await start();
      const reply = await api.get('/api/ai/models');
      assert.equal(reply.status, 200);
      const body = reply.json();
      assert.equal(body.object, 'list');
      const ids = body.data.map((model: { id: string }) => model.id);
      assert.deepEqual(ids, [...fixture.data.map((model) => model.id), TEXT_ONLY]);
      for (const model of body.data) {
        assert.equal('_notes' in model, false);
        assert.deepEqual(model.request_schema, model.json_request_schema);
      }
      const krea = body.data.find((model: { id: string }) => model.id === KREA);
      assert.deepEqual(krea.request_schema, fixture.data[0].json_request_schema);
    });

    it('prices Krea 2 Large per image and no other model', async () => {
      const { api } = await start();
      const models = (await api.get('/api/ai/models')).json().data;
      const priced = models.filter((model: { pricing?: unknown }) => model.pricing !== undefined);
      assert.deepEqual(
        priced.map((model: { id: string; pricing: unknown }) => [model.id, model.pricing]),
        [[KREA, { method: 'per_image', cost_per_image: 0.06 }]],
      );
    });

    it('returns one model, and 404 "Model not found: X" in the message form', async () => {
      const { api } = await start({ ...FAST, variants: { errorEnvelope: 'typed' } });
      const one = await api.get(`/api/ai/models/${KREA}`);
      assert.equal(one.status, 200);
      assert.equal(one.json().id, KREA);
      assert.equal(one.json().display_name, 'Krea 2 Large');
      const missing = await api.get('/api/ai/models/no-such-model');
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json(), { error: { message: 'Model not found: no-such-model' } });
    });

    for (const schemaKey of ['request_schema', 'json_request_schema'] as const) {
      it(`serves only ${schemaKey} under the schemaKey variant "${schemaKey}"`, async () => {
        const { api } = await start({ ...FAST, variants: { schemaKey } });
        for (const model of [(await api.get(`/api/ai/models/${KREA}`)).json(), (await api.get('/api/ai/models')).json().data[0]]) {
          const other = schemaKey === 'request_schema' ? 'json_request_schema' : 'request_schema';
          assert.deepEqual(model[schemaKey], fixture.data[0].json_request_schema);
          assert.equal(other in model, false);
        }
      });
    }
  });

  describe('POST /api/ai/queue', () => {
    it('creates num_generations queued generations with distinct uuid v4 ids', async () => {
      const { api } = await start();
      const reply = await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations: 4 });
      assert.equal(reply.status, 200);
      const generations = reply.json().generations;
      assert.equal(generations.length, 4);
      for (const item of generations) {
        assert.deepEqual(Object.keys(item).sort(), ['generation_id', 'status']);
        assert.match(item.generation_id, UUID_V4);
        assert.equal(item.status, 'queued');
      }
      assert.equal(new Set(generations.map((item: { generation_id: string }) => item.generation_id)).size, 4);
    });

    it('defaults num_generations to 1', async () => {
      const { api } = await start();
      assert.equal((await api.post('/api/ai/queue', { model: KREA, prompt: 'x' })).json().generations.length, 1);
    });

    it('rejects num_generations outside 1..4 with the documented 400 text and creates nothing', async () => {
      const { api, emulator } = await start();
      for (const num_generations of [0, 5, 1.5, '2']) {
        const reply = await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations });
        assert.equal(reply.status, 400, String(num_generations));
        assert.equal(reply.json().error.detail, 'num_generations must be an integer between 1 and 4');
        assert.equal(reply.json().error.type, 'invalid_params');
      }
      assert.equal(emulator.generations().length, 0);
    });

    it('raises the cap with the maxNumGenerations variant', async () => {
      const { api } = await start({ ...FAST, variants: { maxNumGenerations: 12 } });
      assert.equal((await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations: 12 })).json().generations.length, 12);
      const tooMany = await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations: 13 });
      assert.equal(tooMany.json().error.detail, 'num_generations must be an integer between 1 and 12');
    });

    it('answers 404 "Model not found: X" for an unknown model', async () => {
      const { api } = await start();
      const reply = await api.post('/api/ai/queue', { model: 'nope-model', prompt: 'x' });
      assert.equal(reply.status, 404);
      assert.equal(reply.json().error.detail, 'Model not found: nope-model');
    });

    it('answers 400 ":unsupported_media_type" for a text-only model', async () => {
      const { api } = await start();
      const reply = await api.post('/api/ai/queue', { model: TEXT_ONLY, prompt: 'x' });
      assert.equal(reply.status, 400);
      assert.equal(reply.json().error.detail, ':unsupported_media_type');
    });

    it('answers 400 to a body that is not a JSON object', async () => {
      const { emulator } = await start();
      const reply = await call(`${emulator.apiUrl}/api/ai/queue`, 'POST', { body: ['not', 'an', 'object'] });
      assert.equal(reply.status, 400);
    });

    it('uses the {"error":{"message"}} body under the errorEnvelope variant "message"', async () => {
      const { api } = await start({ ...FAST, variants: { errorEnvelope: 'message' } });
      const reply = await api.post('/api/ai/queue', { model: 'nope-model', prompt: 'x' });
      assert.deepEqual(reply.json(), { error: { message: 'Model not found: nope-model' } });
    });

    it('does not validate model parameters at enqueue', async () => {
      const { api } = await start();
      const reply = await api.post('/api/ai/queue', { model: KREA, prompt: 'x', aspect_ratio: '7:3', creativity: 42 });
      assert.equal(reply.status, 200);
    });

    it('answers "processing" under the enqueueStatus variant "processing"', async () => {
      const { api, emulator } = await start({ ...FAST, variants: { enqueueStatus: 'processing' } });
      const item = (await api.post('/api/ai/queue', { model: KREA, prompt: 'x' })).json().generations[0];
      assert.equal(item.status, 'processing');
      assert.equal(typeof emulator.generation(item.generation_id)?.started_at, 'number');
    });
  });

  describe('GET /api/ai/queue/{id}', () => {
    it('returns the flat row with the request parameters merged in, unchanged', async () => {
      const { api, emulator } = await start({ timing: { queuedMs: 5000, processingMs: 5000 } });
      const styleReferences = ['https://example.com/a.png', { image_url: 'https://example.com/b.png', strength: 0.4 }, { url: 'https://example.com/c.png' }];
      const sent = { model: KREA, prompt: 'a lighthouse', seed: 42, aspect_ratio: '16:9', creativity: 'low', image_style_references: styleReferences, extra_flag: true };
      const id = (await api.post('/api/ai/queue', sent)).json().generations[0].generation_id;
      const reply = await api.get(`/api/ai/queue/${id}`);
      assert.equal(reply.status, 200);
      const row = reply.json();
      const { enqueued_at: enqueuedAt, ...rest } = row;
      assert.ok(Math.abs(enqueuedAt - Date.now() / 1000) < 5, 'enqueued_at is Unix seconds');
      assert.deepEqual(rest, {
        generation_id: id,
        model_name: KREA,
        media_type: 'image',
        status: 'queued',
        started_at: null,
        completed_at: null,
        result_url: null,
        error_message: null,
        target_namespace: 'emulator-user',
        target_repo: null,
        target_directory: null,
        prompt: 'a lighthouse',
        seed: 42,
        aspect_ratio: '16:9',
        creativity: 'low',
        image_style_references: styleReferences,
        extra_flag: true,
      });
      assert.deepEqual(emulator.generation(id), row);
    });

    it('answers the documented resource_not_found body for an unknown id', async () => {
      const { api } = await start();
      const reply = await api.get('/api/ai/queue/6f1c1e0e-0000-4000-8000-000000000000');
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.json(), TYPED_NOT_FOUND);
    });

    it('names the model "model" under the rowModelKey variant "model"', async () => {
      const { api } = await start({ ...FAST, variants: { rowModelKey: 'model' } });
      const id = (await api.post('/api/ai/queue', { model: KREA, prompt: 'x' })).json().generations[0].generation_id;
      const row = (await api.get(`/api/ai/queue/${id}`)).json();
      assert.equal(row.model, KREA);
      assert.equal('model_name' in row, false);
    });
  });

  describe('GET /api/ai/queue', () => {
    it('lists only active generations by default and terminal ones by explicit status', async () => {
      const { api, emulator } = await start();
      const [done] = await enqueueAndFinish(api, emulator, {});
      emulator.hold(true);
      const active = (await api.post('/api/ai/queue', { model: KREA, prompt: 'x', num_generations: 2 })).json().generations;
      const byDefault = (await api.get('/api/ai/queue')).json();
      assert.equal(byDefault.count, 2);
      assert.deepEqual(byDefault.generations.map((row: { generation_id: string }) => row.generation_id), active.map((item: { generation_id: string }) => item.generation_id));
      const succeeded = (await api.get('/api/ai/queue?status=succeeded')).json();
      assert.deepEqual(succeeded.generations.map((row: { generation_id: string }) => row.generation_id), [done]);
      assert.equal(succeeded.count, 1);
    });

    it('filters by model, namespace, repo, folder and media_type', async () => {
      const { api, emulator } = await start();
      emulator.hold(true);
      await api.post('/api/ai/queue', { model: KREA, prompt: 'x' });
      await api.post('/api/ai/queue', { model: 'flux-1-dev', prompt: 'x', target_repo: 'assets', target_directory: 'img' });
      await api.post('/api/ai/queue', { model: KREA, prompt: 'x', target_namespace: 'acme-org' });
      const count = async (query: string): Promise<number> => (await api.get(`/api/ai/queue?${query}`)).json().count;
      assert.equal(await count(''), 2, 'the default namespace is the caller');
      assert.equal(await count(`model=${KREA}`), 1);
      assert.equal(await count('model=flux-1-dev'), 1);
      assert.equal(await count('namespace=acme-org'), 1);
      assert.equal(await count('repo=assets'), 1);
      assert.equal(await count('folder=img'), 1);
      assert.equal(await count('folder=other'), 0);
      assert.equal(await count('media_type=image'), 2);
      assert.equal(await count('media_type=video'), 0);
    });

    it('rejects an unknown status filter with 400', async () => {
      const { api } = await start();
      assert.equal((await api.get('/api/ai/queue?status=done')).status, 400);
    });
  });

  describe('DELETE /api/ai/queue/{id}', () => {
    it('cancels an active generation: 200 success body, row cancelled with completed_at', async () => {
      const { api, emulator } = await start();
      emulator.hold(true);
      const id = (await api.post('/api/ai/queue', { model: KREA, prompt: 'x' })).json().generations[0].generation_id;
      const reply = await api.delete(`/api/ai/queue/${id}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json(), { status: 'success', generation_id: id });
      const row = (await api.get(`/api/ai/queue/${id}`)).json();
      assert.equal(row.status, 'cancelled');
      assert.equal(typeof row.completed_at, 'number');
      assert.equal(row.result_url, null);
    });

    it('answers 200 and changes nothing for a finished generation', async () => {
      const { api, emulator } = await start();
      const [id] = await enqueueAndFinish(api, emulator, {});
      const before = emulator.generation(id);
      const reply = await api.delete(`/api/ai/queue/${id}`);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.json(), { status: 'success', generation_id: id });
      assert.deepEqual(emulator.generation(id), before);
    });

    it('answers 404 for an unknown id', async () => {
      const { api } = await start();
      const reply = await api.delete('/api/ai/queue/6f1c1e0e-0000-4000-8000-000000000000');
      assert.equal(reply.status, 404);
      assert.deepEqual(reply.json(), TYPED_NOT_FOUND);
    });
  });

  describe('GET /api/ai/generations', () => {
    it('pages the history newest first with cost, user fields and total_cost', async () => {
      const { api, emulator } = await start();
      const first = await enqueueAndFinish(api, emulator, { num_generations: 2 });
      const [latest] = await enqueueAndFinish(api, emulator, { model: 'flux-1-dev' });
      const page1 = (await api.get('/api/ai/generations?page_size=2')).json();
      assert.equal(page1.count, 2);
      assert.equal(page1.page_number, 1);
      assert.equal(page1.page_size, 2);
      assert.equal(page1.total_pages, 2);
      assert.equal(page1.total_entries, 3);
      assert.equal(page1.total_cost, '0.12', 'two Krea images at 0.06; flux-1-dev has no price');
      assert.deepEqual(page1.generations.map((row: { generation_id: string }) => row.generation_id), [latest, first[1]]);
      const [flux, krea] = page1.generations;
      assert.equal(flux.cost, null);
      assert.equal(krea.cost, '0.06');
      assert.equal(krea.username, 'emulator-user');
      assert.match(krea.user_id, UUID_V4);
      assert.equal(krea.user_image, null);
      assert.equal(krea.prompt, 'a quiet harbour');
      const page2 = (await api.get('/api/ai/generations?page_size=2&page=2')).json();
      assert.deepEqual(page2.generations.map((row: { generation_id: string }) => row.generation_id), [first[0]]);
      assert.equal(page2.count, 1);
    });

    it('reports total_cost null when nothing was charged', async () => {
      const { api } = await start();
      const empty = (await api.get('/api/ai/generations')).json();
      assert.deepEqual(
        { count: empty.count, total_entries: empty.total_entries, total_cost: empty.total_cost, page_size: empty.page_size, generations: empty.generations },
        { count: 0, total_entries: 0, total_cost: null, page_size: 50, generations: [] },
      );
    });

    it('rejects page_size outside 1..1000 and page below 1', async () => {
      const { api } = await start();
      for (const query of ['page_size=0', 'page_size=1001', 'page=0', 'page=abc']) {
        assert.equal((await api.get(`/api/ai/generations?${query}`)).status, 400, query);
      }
      assert.equal((await api.get('/api/ai/generations?page_size=1000')).status, 200);
    });

    it('returns one generation in the resource_found envelope, 404 for an unknown id', async () => {
      const { api, emulator } = await start();
      const [id] = await enqueueAndFinish(api, emulator, {});
      const reply = (await api.get(`/api/ai/generations/${id}`)).json();
      assert.equal(reply.status, 'success');
      assert.equal(reply.status_message, 'resource_found');
      assert.equal(reply.generation.status, 'succeeded');
      assert.equal(reply.generation.cost, '0.06');
      const missing = await api.get('/api/ai/generations/6f1c1e0e-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.equal(missing.json().error.detail, 'Generation not found');
    });
  });

  describe('POST /api/ai/images/generate', () => {
    it('blocks for the processing time and answers a presigned storage url that needs no key', async () => {
      const { api, emulator } = await start({ timing: { processingMs: 150 } });
      const started = Date.now();
      const reply = await api.post('/api/ai/images/generate', { model: KREA, prompt: 'a fox', aspect_ratio: '16:9' });
      assert.ok(Date.now() - started >= 140, 'the call blocks');
      assert.equal(reply.status, 200);
      const body = reply.json();
      assert.equal(body.model, KREA);
      assert.equal(typeof body.created, 'number');
      assert.equal(body.images.length, 1);
      assert.ok(body.images[0].url.startsWith(`${emulator.storageUrl}/presigned/`));
      const image = await call(body.images[0].url, 'GET', { key: null });
      assert.equal(image.status, 200);
      assert.equal(readPng(image.bytes).width, 455);
      assert.equal(emulator.generations().length, 0, 'sync images are not queue rows');
    });

    it('answers images[].b64_json with response_format b64_json', async () => {
      const { api } = await start();
      const body = (await api.post('/api/ai/images/generate', { model: KREA, prompt: 'a fox', response_format: 'b64_json' })).json();
      assert.deepEqual(Object.keys(body.images[0]), ['b64_json']);
      const png = readPng(Buffer.from(body.images[0].b64_json, 'base64'));
      assert.deepEqual([png.width, png.height], [256, 256]);
    });

    it('validates at once: empty prompt, unknown model, bad enum value, text-only model, credits', async () => {
      const { api } = await start({ timing: { processingMs: 5000 } });
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ model: KREA, prompt: '  ' }, 'Prompt cannot be empty'],
        [{ model: KREA }, 'Prompt cannot be empty'],
        [{ model: 'nope-model', prompt: 'x' }, 'Model not found: nope-model'],
        [{ model: KREA, prompt: 'x', aspect_ratio: '7:3' }, 'aspect_ratio must be one of 1:1, 4:3, 3:2, 16:9, 2.35:1, 4:5, 2:3, 9:16 (got "7:3")'],
        [{ model: KREA, prompt: 'x', response_format: 'jpeg' }, 'response_format must be one of url, b64_json'],
        [{ model: TEXT_ONLY, prompt: 'x' }, ':unsupported_media_type'],
        [{ model: KREA, prompt: 'out of insufficient credits' }, 'Insufficient credits'],
      ];
      for (const [body, detail] of cases) {
        const started = Date.now();
        const reply = await api.post('/api/ai/images/generate', body);
        assert.equal(reply.status, 400, JSON.stringify(body));
        assert.equal(reply.json().error.detail, detail);
        assert.ok(Date.now() - started < 1000, 'no processing delay before a validation error');
      }
    });
  });

  describe('result_url downloads', () => {
    it('serve the PNG on the API origin only with the key', async () => {
      const { api, emulator } = await start();
      const [id] = await enqueueAndFinish(api, emulator, {});
      const resultUrl = emulator.generation(id)?.result_url as string;
      assert.equal(resultUrl, `${emulator.apiUrl}/api/repos/emulator-user/oxen-generations/file/main/${id}.png`);
      assert.equal((await call(resultUrl, 'GET', { key: null })).status, 401);
      const download = await call(resultUrl, 'GET');
      assert.equal(download.status, 200);
      assert.equal(download.headers['content-type'], 'image/png');
      assert.equal(Number(download.headers['content-length']), download.bytes.length);
      assert.equal(readPng(download.bytes).width, 256);
    });

    it('place results in target_repo / target_directory when given', async () => {
      const { api, emulator } = await start();
      const [id] = await enqueueAndFinish(api, emulator, { target_namespace: 'acme', target_repo: 'site', target_directory: 'docs/img' });
      const resultUrl = emulator.generation(id)?.result_url as string;
      assert.equal(resultUrl, `${emulator.apiUrl}/api/repos/acme/site/file/main/docs/img/${id}.png`);
      assert.equal((await call(resultUrl, 'GET')).status, 200);
      const elsewhere = `${emulator.apiUrl}/api/repos/acme/other/file/main/${id}.png`;
      assert.equal((await call(elsewhere, 'GET')).status, 404);
    });
  });

  describe('request log', () => {
    it('records API and storage requests with query, authorization and body size, but not admin calls', async () => {
      const { api, emulator } = await start();
      const body = { model: KREA, prompt: 'x' };
      await api.post('/api/ai/queue', body);
      await api.get('/api/ai/queue?status=queued', { key: null });
      await call(`${emulator.apiUrl}/__emulator/state`, 'GET');
      await call(`${emulator.storageUrl}/presigned/nothing.png?expires=1`, 'GET', { key: null });
      const log = emulator.requests.map(({ at, ...rest }) => {
        assert.ok(Math.abs(at - Date.now()) < 5000);
        return rest;
      });
      assert.deepEqual(log, [
        { method: 'POST', path: '/api/ai/queue', query: {}, origin: 'api', authorization: 'Bearer test-key', bodyBytes: JSON.stringify(body).length },
        { method: 'GET', path: '/api/ai/queue', query: { status: 'queued' }, origin: 'api', bodyBytes: 0 },
        { method: 'GET', path: '/presigned/nothing.png', query: { expires: '1' }, origin: 'storage', bodyBytes: 0 },
      ]);
      emulator.clearRequests();
      assert.equal(emulator.requests.length, 0);
    });
  });
});
