import * as assert from 'node:assert/strict';
import {
  OxenAuthError,
  OxenCancelledError,
  OxenCreditsError,
  OxenInvalidParamsError,
  OxenNetworkError,
  OxenNotFoundError,
  OxenProtocolError,
  OxenRateLimitError,
  OxenServerError,
  OxenUnknownModelError,
} from '../../src/oxen/errors';
import { startEmulator } from '../emulator/server';
import { clientFor, TEST_KEY, useEmulator, waitFor } from './support/oxen';

const KREA = 'krea-v2-large-text-to-image';

describe('Oxen client endpoints (against the emulator over HTTP)', () => {
  const emulator = useEmulator({ timing: { queuedMs: 10, processingMs: 40 } });

  it('lists the image models with their parameter schema and price', async () => {
    const models = await clientFor(emulator().apiUrl).listModels();
    assert.equal(models.filter((model) => model.outputs.includes('image')).length, 12);
    const krea = models.find((model) => model.id === KREA);
    assert.equal(krea?.displayName, 'Krea 2 Large');
    assert.equal(krea?.pricePerImage, 0.06);
    assert.ok(krea?.parameterSchema?.properties?.aspect_ratio);
    assert.deepEqual(krea?.outputs, ['image']);
  });

  it('reads one model, and says which model is unknown', async () => {
    const client = clientFor(emulator().apiUrl);
    assert.equal((await client.getModel(KREA)).id, KREA);
    await assert.rejects(client.getModel('no-such-model'), (error: unknown) => {
      assert.ok(error instanceof OxenUnknownModelError);
      assert.equal(error.model, 'no-such-model');
      return true;
    });
  });

  it('enqueues, reads the row with merged parameters, and lists the active queue', async () => {
    const client = clientFor(emulator().apiUrl);
    emulator().hold(true);
    const generations = await client.enqueue({ model: KREA, params: { prompt: 'a fox', seed: 7, aspect_ratio: '16:9' }, numGenerations: 2 });
    assert.equal(generations.length, 2);
    assert.ok(generations.every((generation) => generation.status === 'queued'));
    const row = await client.getGeneration(generations[0].id);
    assert.equal(row.model, KREA);
    assert.equal(row.params.prompt, 'a fox');
    assert.equal(row.params.seed, 7);
    assert.equal(row.params.aspect_ratio, '16:9');
    const active = await client.listQueue({ model: KREA });
    assert.deepEqual(new Set(active.map((r) => r.id)), new Set(generations.map((g) => g.id)));
  });

  it('sees a generation through to succeeded with a result_url on the API origin', async () => {
    const client = clientFor(emulator().apiUrl);
    const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'a lighthouse', seed: 1 }, numGenerations: 1 });
    await waitFor(() => emulator().generation(generation.id)?.status === 'succeeded');
    const row = await client.getGeneration(generation.id);
    assert.equal(row.status, 'succeeded');
    assert.ok(row.resultUrl?.startsWith(emulator().apiUrl));
    const succeeded = await client.listQueue({ status: 'succeeded' });
    assert.ok(succeeded.some((r) => r.id === generation.id));
  });

  it('cancels a generation and keeps the cancelled row; an unknown id is not found', async () => {
    const client = clientFor(emulator().apiUrl);
    emulator().hold(true);
    const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 });
    await client.cancel(generation.id);
    assert.equal((await client.getGeneration(generation.id)).status, 'cancelled');
    await client.cancel(generation.id);
    await assert.rejects(client.getGeneration('00000000-0000-4000-8000-000000000000'), OxenNotFoundError);
  });

  it('pages the generation history with costs and reads one generation with its envelope', async () => {
    const client = clientFor(emulator().apiUrl);
    const generations = await client.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 3 });
    const page = await client.listGenerations({ page: 1, pageSize: 2 });
    assert.equal(page.pageSize, 2);
    assert.equal(page.generations.length, 2);
    assert.equal(page.totalEntries, 3);
    assert.equal(page.totalPages, 2);
    const details = await client.getGenerationDetails(generations[0].id);
    assert.equal(details.id, generations[0].id);
  });

  it('generates synchronously with url and b64_json answers', async () => {
    const client = clientFor(emulator().apiUrl);
    const [byUrl] = await client.generateSync({ model: KREA, params: { prompt: 'a cat', seed: 3 } });
    assert.equal(byUrl.kind, 'url');
    const [inline] = await client.generateSync({ model: KREA, params: { prompt: 'a cat', seed: 3 }, responseFormat: 'b64_json' });
    assert.ok(inline.kind === 'bytes' && inline.bytes.subarray(1, 4).toString() === 'PNG');
  });

  it('refuses invalid parameters on the synchronous endpoint with the field named', async () => {
    const client = clientFor(emulator().apiUrl);
    await assert.rejects(client.generateSync({ model: KREA, params: { prompt: 'x', aspect_ratio: '5:4' } }), (error: unknown) => {
      assert.ok(error instanceof OxenInvalidParamsError);
      assert.equal(error.field, 'aspect_ratio');
      return true;
    });
  });
});

describe('Oxen client: documented variants', () => {
  it('accepts "processing" at enqueue, "model" instead of "model_name", and either schema key', async () => {
    for (const schemaKey of ['request_schema', 'json_request_schema'] as const) {
      const emulator = await startEmulator({
        apiKey: TEST_KEY,
        variants: { enqueueStatus: 'processing', rowModelKey: 'model', schemaKey },
      });
      try {
        const client = clientFor(emulator.apiUrl);
        const [generation] = await client.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 });
        assert.equal(generation.status, 'processing');
        assert.equal((await client.getGeneration(generation.id)).model, KREA);
        assert.ok((await client.getModel(KREA)).parameterSchema?.properties?.creativity, schemaKey);
      } finally {
        await emulator.close();
      }
    }
  });

  it('reads the server message from both error envelopes', async () => {
    for (const errorEnvelope of ['typed', 'message'] as const) {
      const emulator = await startEmulator({ apiKey: TEST_KEY, variants: { errorEnvelope } });
      try {
        await assert.rejects(clientFor(emulator.apiUrl).getModel('nope'), (error: unknown) => {
          assert.ok(error instanceof OxenUnknownModelError, errorEnvelope);
          assert.match(error.serverMessage ?? '', /nope|not found/i);
          return true;
        });
      } finally {
        await emulator.close();
      }
    }
  });
});

describe('Oxen client: every error class', () => {
  const emulator = useEmulator();
  const enqueueWith = (key: string | undefined) =>
    clientFor(emulator().apiUrl, { key }).enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 });
  const enqueue = () => enqueueWith(TEST_KEY);

  it('no key and a bad key are unauthorized', async () => {
    await assert.rejects(enqueueWith(undefined), OxenAuthError);
    await assert.rejects(enqueueWith('wrong'), OxenAuthError);
  });

  it('insufficient credits', async () => {
    emulator().faults.set({ httpErrors: [{ path: '/api/ai/queue', status: 402, body: '{"error":{"message":"Insufficient credits"}}', times: 1 }] });
    await assert.rejects(enqueue(), OxenCreditsError);
  });

  it('an unknown model and a text-only model', async () => {
    const client = clientFor(emulator().apiUrl);
    await assert.rejects(client.enqueue({ model: 'nope', params: { prompt: 'x' }, numGenerations: 1 }), OxenUnknownModelError);
    await assert.rejects(client.enqueue({ model: 'emulator-chat-text-only', params: { prompt: 'x' }, numGenerations: 1 }), (error: unknown) => {
      assert.ok(error instanceof OxenInvalidParamsError);
      assert.match(error.message, /cannot generate images/);
      return true;
    });
  });

  it('num_generations out of range is invalid, blaming the field', async () => {
    const client = clientFor(emulator().apiUrl);
    await assert.rejects(client.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 5 }), (error: unknown) => {
      assert.ok(error instanceof OxenInvalidParamsError);
      assert.equal(error.field, 'num_generations');
      return true;
    });
  });

  it('rate limited, with Retry-After in seconds and as an HTTP date', async () => {
    emulator().faults.set({ httpErrors: [{ path: '/api/ai/models', status: 429, retryAfter: '2', times: 1 }] });
    await assert.rejects(clientFor(emulator().apiUrl).listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenRateLimitError);
      assert.equal(error.retryAfterMs, 2000);
      return true;
    });
    const date = new Date(Date.now() + 5000).toUTCString();
    emulator().faults.set({ httpErrors: [{ path: '/api/ai/models', status: 429, retryAfter: date, times: 1 }] });
    await assert.rejects(clientFor(emulator().apiUrl).listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenRateLimitError);
      assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 2000 && error.retryAfterMs <= 5000);
      return true;
    });
  });

  it('server errors', async () => {
    emulator().faults.set({ httpErrors: [{ path: '/api/ai/models', status: 503, times: 1 }] });
    await assert.rejects(clientFor(emulator().apiUrl).listModels(), OxenServerError);
  });

  it('a malformed answer is a protocol error, never a crash', async () => {
    for (const body of ['not json', '{"data": "models"}', '{"generations": [{"generation_id": "../../etc", "status": "queued"}]}']) {
      emulator().faults.set({ httpErrors: [{ path: '/api/ai/queue', status: 200, body, times: 1 }, { path: '/api/ai/models', status: 200, body, times: 1 }] });
      await assert.rejects(enqueue(), OxenProtocolError, body);
      await assert.rejects(clientFor(emulator().apiUrl).listModels(), OxenProtocolError, body);
    }
  });

  it('a refused connection provably never reached the server', async () => {
    const url = emulator().apiUrl;
    await emulator().close();
    await assert.rejects(clientFor(url).listModels(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError);
      assert.equal(error.mayHaveReachedServer, false);
      return true;
    });
  });

  it('a reset after the enqueue was accepted is ambiguous, not "not sent" (REL-07)', async () => {
    emulator().faults.set({ resetAfterEnqueue: 1 });
    await assert.rejects(enqueue(), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError);
      assert.equal(error.mayHaveReachedServer, true);
      return true;
    });
  });

  it('a slow answer times out (REL-10) and a caller abort is a cancellation', async () => {
    emulator().faults.set({ enqueueAnswerDelayMs: 1000 });
    const slow = clientFor(emulator().apiUrl, { timeouts: { requestMs: 150 } });
    await assert.rejects(slow.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 }), (error: unknown) => {
      assert.ok(error instanceof OxenNetworkError);
      assert.equal(error.timedOut, true);
      return true;
    });
    const controller = new AbortController();
    const pending = clientFor(emulator().apiUrl).generateSync({ model: KREA, params: { prompt: 'x' } }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, OxenCancelledError);
  });

  it('the sync endpoint may take far longer than the usual wait for an answer (REL-15)', async () => {
    const impatient = clientFor(emulator().apiUrl, { timeouts: { headersMs: 100, requestMs: 100 } });
    emulator().faults.set({ enqueueAnswerDelayMs: 400 });
    await assert.rejects(impatient.enqueue({ model: KREA, params: { prompt: 'x' }, numGenerations: 1 }), OxenNetworkError);
    const slowModel = await startEmulator({ apiKey: TEST_KEY, timing: { queuedMs: 10, processingMs: 400 } });
    try {
      const images = await clientFor(slowModel.apiUrl, { timeouts: { headersMs: 100, requestMs: 100 } }).generateSync({ model: KREA, params: { prompt: 'x' } });
      assert.equal(images.length, 1);
    } finally {
      await slowModel.close();
    }
  });
});
