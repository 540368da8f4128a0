import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { StudioController, type StudioPlatform } from '../../src/ui/sidebar/controller';
import { checkDroppedFileUri } from '../../src/ui/sidebar/imageRules';
import { parseWebviewMessage, type Draft } from '../../src/ui/sidebar/protocol';

type Call = { method: string; args: unknown[] };

function spyPlatform(): { platform: StudioPlatform; calls: Call[] } {
  const calls: Call[] = [];
  const record =
    (method: string, result?: unknown) =>
    (...args: unknown[]) => {
      calls.push({ method, args });
      return result;
    };
  const platform: StudioPlatform = {
    post: record('post'),
    snapshot: record('snapshot', Promise.resolve({})) as StudioPlatform['snapshot'],
    saveDraft: record('saveDraft'),
    generate: record('generate', Promise.resolve({ generationIds: ['g'] })) as StudioPlatform['generate'],
    cancel: record('cancel', Promise.resolve()) as StudioPlatform['cancel'],
    retryDownload: record('retryDownload', Promise.resolve()) as StudioPlatform['retryDownload'],
    dismiss: record('dismiss', Promise.resolve()) as StudioPlatform['dismiss'],
    queryGallery: record('queryGallery', Promise.resolve({})) as StudioPlatform['queryGallery'],
    galleryAction: record('galleryAction', Promise.resolve()) as StudioPlatform['galleryAction'],
    pickImage: record('pickImage', Promise.resolve(undefined)) as StudioPlatform['pickImage'],
    dropImage: record('dropImage', Promise.resolve({ url: 'https://x' })) as StudioPlatform['dropImage'],
    openSetting: record('openSetting'),
    runCommand: record('runCommand'),
    refreshModels: record('refreshModels'),
    describe: (error) => String((error as Error).message),
    report: record('report'),
    log: record('log'),
    onReady: record('onReady'),
  };
  return { platform, calls };
}

const draft: Draft = {
  model: 'krea-v2-large-text-to-image',
  values: { prompt: 'a cat', aspect_ratio: '16:9', image_style_references: [{ url: 'https://x.test/a.png', strength: 0.5 }] },
  count: 2,
  seed: { locked: true, value: '42' },
  moreOpen: false,
  updatedAt: 1,
};
const generate = { type: 'generate', requestId: 1, model: 'krea-v2-large-text-to-image', prompt: 'a cat', params: { seed: 1, aspect_ratio: '1:1' }, count: 1 };
const query = { filter: '', groupBy: 'none', offset: 0, limit: 60 };

/** Each valid message and the one platform method it must reach. */
const VALID: Array<[unknown, string]> = [
  [{ type: 'ready' }, 'snapshot'],
  [{ type: 'draftChanged', draft }, 'saveDraft'],
  [generate, 'generate'],
  [{ type: 'cancel', id: '3f2c1b7e-0000-4000-8000-000000000001' }, 'cancel'],
  [{ type: 'retryDownload', id: 'g-1' }, 'retryDownload'],
  [{ type: 'dismiss', id: 'g-1' }, 'dismiss'],
  [{ type: 'galleryQuery', requestId: 2, query }, 'queryGallery'],
  [{ type: 'galleryAction', action: 'delete', id: 'g-1' }, 'galleryAction'],
  [{ type: 'pickImage', requestId: 3 }, 'pickImage'],
  [{ type: 'dropImage', requestId: 4, uri: 'file:///w/a.png' }, 'dropImage'],
  [{ type: 'openSetting', setting: 'styleReferenceRepository' }, 'openSetting'],
  [{ type: 'command', command: 'setApiKey' }, 'runCommand'],
  [{ type: 'refreshModels' }, 'refreshModels'],
];

/** Platform calls that are not a message's handler: replies, logging and the ready hook. */
const NOT_HANDLERS = ['post', 'log', 'onReady'];

const HUGE = 'x'.repeat(1_000_001);
const FUZZ: Array<[string, unknown]> = [
  ['not an object: null', null],
  ['not an object: string', 'ready'],
  ['not an object: number', 42],
  ['not an object: array', [{ type: 'ready' }]],
  ['no type', {}],
  ['unknown type', { type: 'runCommand', command: 'workbench.action.reloadWindow' }],
  ['unknown type: executeCommand', { type: 'executeCommand', command: 'vscode.open', args: ['file:///etc/passwd'] }],
  ['type of the wrong case', { type: 'Ready' }],
  ['extra key on ready', { type: 'ready', extra: 1 }],
  ['extra key on generate', { ...generate, destination: '/etc' }],
  ['extra key in the draft', { type: 'draftChanged', draft: { ...draft, path: '../../x' } }],
  ['extra key in the query', { type: 'galleryQuery', requestId: 2, query: { ...query, sql: '1' } }],
  ['extra key in a style reference', { ...generate, params: { image_style_references: [{ url: 'https://x', strength: 1, onload: 'x' }] } }],
  ['wrong type: count as string', { ...generate, count: '2' }],
  ['wrong type: count 0', { ...generate, count: 0 }],
  ['wrong type: count 5', { ...generate, count: 5 }],
  ['wrong type: count 1.5', { ...generate, count: 1.5 }],
  ['wrong type: prompt as object', { ...generate, prompt: { toString: 'x' } }],
  ['wrong type: params as array', { ...generate, params: [] }],
  ['wrong type: nested object param', { ...generate, params: { extra: { deep: { deeper: 1 } } } }],
  ['wrong type: id as number', { type: 'cancel', id: 7 }],
  ['wrong type: id with a path', { type: 'cancel', id: '../../etc/passwd' }],
  ['wrong type: id with a slash', { type: 'galleryAction', action: 'open', id: 'a/b' }],
  ['wrong type: requestId as string', { type: 'pickImage', requestId: '1' }],
  ['wrong type: requestId 0', { type: 'pickImage', requestId: 0 }],
  ['wrong type: requestId negative', { type: 'pickImage', requestId: -1 }],
  ['wrong type: requestId float', { type: 'pickImage', requestId: 1.5 }],
  ['wrong type: groupBy', { type: 'galleryQuery', requestId: 2, query: { ...query, groupBy: 'date' } }],
  ['wrong type: negative offset', { type: 'galleryQuery', requestId: 2, query: { ...query, offset: -1 } }],
  ['wrong type: limit 0', { type: 'galleryQuery', requestId: 2, query: { ...query, limit: 0 } }],
  ['wrong type: limit too big', { type: 'galleryQuery', requestId: 2, query: { ...query, limit: 10_000 } }],
  ['unknown gallery action', { type: 'galleryAction', action: 'exec', id: 'g-1' }],
  ['setting that is not ours', { type: 'openSetting', setting: 'oxenImageStudio.apiBaseUrl' }],
  ['command that is not ours', { type: 'command', command: 'workbench.action.terminal.new' }],
  ['command id in the command field', { type: 'command', command: 'oxenImageStudio.setApiKey' }],
  ['huge prompt', { ...generate, prompt: 'x'.repeat(10_001) }],
  ['huge string param', { ...generate, params: { negative_prompt: HUGE } }],
  ['huge id', { type: 'cancel', id: 'a'.repeat(129) }],
  ['huge filter', { type: 'galleryQuery', requestId: 2, query: { ...query, filter: 'x'.repeat(201) } }],
  ['huge dropped uri', { type: 'dropImage', requestId: 4, uri: `file:///${'a'.repeat(5000)}.png` }],
  ['huge model id', { ...generate, model: 'm'.repeat(129) }],
  ['too many params', { ...generate, params: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 1])) }],
  ['too many style references', { ...generate, params: { image_style_references: Array.from({ length: 11 }, () => ({ url: 'https://x' })) } }],
  ['NaN count', { ...generate, count: Number.NaN }],
  ['NaN param', { ...generate, params: { guidance: Number.NaN } }],
  ['Infinity param', { ...generate, params: { guidance: Number.POSITIVE_INFINITY } }],
  ['NaN strength', { ...generate, params: { image_style_references: [{ url: 'https://x', strength: Number.NaN }] } }],
  ['strength out of range', { ...generate, params: { image_style_references: [{ url: 'https://x', strength: 9 }] } }],
  ['NaN requestId', { type: 'pickImage', requestId: Number.NaN }],
  ['NaN offset', { type: 'galleryQuery', requestId: 2, query: { ...query, offset: Number.NaN } }],
  ['NaN draft count', { type: 'draftChanged', draft: { ...draft, count: Number.NaN } }],
  ['__proto__ param', { ...generate, params: JSON.parse('{"__proto__": {"polluted": true}}') }],
  ['constructor param', { ...generate, params: { constructor: 'x' } }],
  ['field name with a dot', { ...generate, params: { 'a.b': 1 } }],
  ['draft value of an unexpected shape', { type: 'draftChanged', draft: { ...draft, values: { prompt: { $gt: '' } } } }],
];

describe('sidebar protocol: webview → host messages (SEC-09)', () => {
  it('each valid message reaches exactly its handler', async () => {
    for (const [message, method] of VALID) {
      const { platform, calls } = spyPlatform();
      await new StudioController(platform).receive(structuredClone(message));
      const handlers = calls.filter((call) => !NOT_HANDLERS.includes(call.method));
      assert.deepEqual(handlers.map((call) => call.method), [method], JSON.stringify(message).slice(0, 80));
    }
  });

  for (const [name, message] of FUZZ) {
    it(`refuses with no side effect: ${name}`, async () => {
      const { platform, calls } = spyPlatform();
      const controller = new StudioController(platform);
      await controller.receive(message);
      assert.deepEqual(calls.map((call) => call.method), ['log'], 'dropped and logged, nothing else');
      assert.ok(String(calls[0]!.args[0]).length < 400, 'the log line stays short, whatever the input');
      assert.equal(parseWebviewMessage(message).ok, false);
      assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    });
  }

  it('random objects never reach a handler unless they parse (property test)', async () => {
    const types = ['ready', 'draftChanged', 'generate', 'cancel', 'retryDownload', 'dismiss', 'galleryQuery', 'galleryAction', 'pickImage', 'dropImage', 'openSetting', 'command', 'refreshModels', 'other'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...types), fc.dictionary(fc.string({ maxLength: 12 }), fc.anything()), async (type, rest) => {
        const message = { ...rest, type };
        const { platform, calls } = spyPlatform();
        await new StudioController(platform).receive(message);
        const parsed = parseWebviewMessage(message).ok;
        const handled = calls.filter((call) => !NOT_HANDLERS.includes(call.method)).length;
        assert.equal(handled, parsed ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });

  // Mutations of real messages reach deeper than random objects: one leaf replaced by any value,
  // a key added or removed, anywhere in the tree.
  it('mutated valid messages reach their one handler only if they still parse (property test)', async () => {
    type Mutation = { path: number[]; kind: 'replace' | 'add' | 'remove'; key: string; value: unknown };
    const mutate = (message: unknown, { path, kind, key, value }: Mutation): unknown => {
      const copy = structuredClone(message) as Record<string, unknown>;
      let node: Record<string, unknown> = copy;
      for (const step of path) {
        const keys = Object.keys(node);
        const child = keys.length > 0 ? node[keys[step % keys.length]!] : undefined;
        if (typeof child !== 'object' || child === null) break;
        node = child as Record<string, unknown>;
      }
      const keys = Object.keys(node);
      const target = keys.length > 0 ? keys[path.length % keys.length]! : key;
      if (kind === 'add') node[key] = value;
      else if (kind === 'remove') delete node[target];
      else node[target] = value;
      return copy;
    };
    const mutation = fc.record({
      path: fc.array(fc.nat(), { maxLength: 4 }),
      kind: fc.constantFrom('replace', 'add', 'remove'),
      key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor', 'type', 'command', 'uri')),
      value: fc.oneof(fc.anything(), fc.constantFrom(Number.NaN, -1, 1e308, '../../etc/passwd', 'workbench.action.reloadWindow', 'x'.repeat(20_000))),
    }) as fc.Arbitrary<Mutation>;
    const handlerOf = new Map(VALID.map(([message, method]) => [(message as { type: string }).type, method]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...VALID), mutation, async ([valid], change) => {
        const message = mutate(valid, change);
        const { platform, calls } = spyPlatform();
        await new StudioController(platform).receive(message);
        const handlers = calls.filter((call) => !NOT_HANDLERS.includes(call.method)).map((call) => call.method);
        const parsed = parseWebviewMessage(message);
        const expected = parsed.ok ? [handlerOf.get(parsed.message.type)] : [];
        assert.deepEqual(handlers, expected);
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
      }),
      { numRuns: 2000 },
    );
  });

  it('answers requests with the same requestId, errors as text', async () => {
    const { platform, calls } = spyPlatform();
    platform.generate = () => Promise.reject(new Error('No Oxen API key is set.'));
    await new StudioController(platform).receive(generate);
    const post = calls.find((call) => call.method === 'post');
    assert.deepEqual(post?.args[0], { type: 'response', requestId: 1, ok: false, error: 'No Oxen API key is set.' });
  });

  it('posts deltas only after the ready handshake', async () => {
    const { platform, calls } = spyPlatform();
    const controller = new StudioController(platform);
    controller.postDelta({ type: 'galleryChanged' });
    assert.equal(calls.length, 0);
    await controller.receive({ type: 'ready' });
    assert.deepEqual(
      calls.map((call) => call.method),
      ['snapshot', 'post', 'onReady'],
      'onReady comes after the snapshot, so requests waiting for the view (recall, Explorer) reach it',
    );
    assert.equal((calls[1]!.args[0] as { type: string }).type, 'snapshot');
    controller.postDelta({ type: 'galleryChanged' });
    assert.deepEqual(calls[3]!.args[0], { type: 'galleryChanged' });
    controller.reset();
    controller.postDelta({ type: 'galleryChanged' });
    assert.equal(calls.length, 4, 'a hidden (destroyed) webview gets nothing until it is ready again');
  });

  it('no handler passes a webview string to executeCommand: every call site uses a fixed id (static check)', () => {
    const source = readFileSync(path.join(__dirname, '../../src/ui/sidebar/provider.ts'), 'utf8');
    const calls = [...source.matchAll(/executeCommand\(\s*([^,)]+)/g)].map((match) => match[1]!.trim());
    assert.ok(calls.length >= 4);
    for (const argument of calls) {
      assert.match(argument, /^'[\w.]+'$|^COMMAND_IDS\[command\]$/, `executeCommand(${argument}…)`);
    }
    assert.match(source, /SETTING_IDS\[setting\]/, 'settings are opened through the fixed map');
    assert.doesNotMatch(source, /\bUri\.(file|parse)\(\s*(message|raw|uri|id)\b/, 'no URI is built straight from a webview string');
  });
});

describe('sidebar: dropped file URIs are checked before any file is read (SEC-09)', () => {
  const folders = ['/work/site', '/work/other'];
  const table: Array<[string, boolean]> = [
    ['file:///work/site/assets/a.png', true],
    ['file:///work/other/img/b.JPEG', true],
    ['file://localhost/work/site/c.webp', true],
    ['file:///work/site/../secret/a.png', false],
    ['file:///work/site/%2e%2e/secret/a.png', false],
    ['file:///etc/passwd', false],
    ['file:///work/siteevil/a.png', false],
    ['file:///work/site', false],
    ['file:///work/site/notes.md', false],
    ['file:///work/site/a.svg', false],
    ['file://server/share/a.png', false],
    ['file:///work/site/a.png?x=1', false],
    ['file:///work/site/a%00.png', false],
    ['https://example.com/a.png', false],
    ['vscode-resource:/work/site/a.png', false],
    ['javascript:alert(1)//.png', false],
    ['/work/site/a.png', false],
    ['not a uri', false],
  ];
  for (const [uri, ok] of table) {
    it(`${ok ? 'accepts' : 'refuses'} ${uri}`, () => {
      const result = checkDroppedFileUri(uri, folders);
      assert.equal(result.ok, ok, JSON.stringify(result));
    });
  }
});
