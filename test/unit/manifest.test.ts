/**
 * The manifest (package.json) against the code and the quality bar: settings scopes (SEC-01),
 * restricted mode (SEC-02), activation (PERF-01/02), commands contributed ⇔ registered, and
 * localisation bundles complete.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '../../src/ui/commandIds';
import { UI_STRINGS } from '../../src/ui/sidebar/strings';

const ROOT = path.resolve(__dirname, '..', '..');

interface SettingSchema {
  type?: string;
  scope?: string;
  format?: string;
}

interface Manifest {
  main: string;
  icon: string;
  l10n: string;
  activationEvents?: string[];
  capabilities: {
    untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations?: string[] };
    virtualWorkspaces?: boolean | { supported: boolean };
  };
  contributes: {
    commands: Array<{ command: string; title: string; category?: string; icon?: string }>;
    menus: Record<string, Array<{ command: string; when?: string }>>;
    configuration: { properties: Record<string, SettingSchema> };
    viewsContainers: { activitybar: Array<{ id: string; icon: string }> };
    views: Record<string, Array<{ id: string; type?: string }>>;
    viewsWelcome?: Array<{ view: string }>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const nls = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const settings = manifest.contributes.configuration.properties;

function sourceFiles(dir = path.join(ROOT, 'src')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Settings whose value is a URL or a place on disk: they decide where data (or the key) goes. */
function isLocationSetting(id: string, schema: SettingSchema): boolean {
  return schema.format === 'uri' || /(Url|Uri|Destination|Folder|Directory|Path|Template)$/.test(id);
}

/** Modules extension.ts loads at run time (type-only imports are erased), followed through src/. */
function runtimeImportGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const text = fs.readFileSync(file, 'utf8');
    // `import … from` and `export … from` (re-exports load the module too), except `type` ones.
    const imports = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);
    for (const specifier of imports) {
      if (!specifier.startsWith('.')) {
        seen.add(specifier);
        continue;
      }
      const base = path.resolve(path.dirname(file), specifier);
      const resolved = fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts');
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      visit(resolved);
    }
  };
  visit(entry);
  return seen;
}

/**
 * The English strings the host localises: every `vscode.l10n.t('…')` literal, plus the sidebar
 * webview's table (UI_STRINGS, localised by the host with `l10n.t(text)` and sent in the snapshot).
 * The translators' bundle must hold exactly these.
 */
function l10nStrings(): Set<string> {
  const strings = new Set<string>(UI_STRINGS);
  for (const file of sourceFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
      strings.add(JSON.parse(`"${match[1]!.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string);
    }
    assert.doesNotMatch(text, /l10n\.t\(\s*[`"]/, `${path.relative(ROOT, file)}: l10n.t must take a '…' literal, so it can be extracted`);
  }
  return strings;
}

describe('manifest', () => {
  it('SEC-01: settings that decide where requests and the key go are application-scoped', () => {
    const urlSettings = Object.entries(settings).filter(([id, schema]) => schema.format === 'uri' || /Url$/.test(id));
    assert.ok(urlSettings.some(([id]) => id === 'oxenImageStudio.apiBaseUrl'), 'apiBaseUrl is contributed with format uri');
    for (const [id, schema] of urlSettings) assert.equal(schema.scope, 'application', `${id} must be "scope": "application"`);
  });

  it('SEC-02: limited support in untrusted workspaces, every location setting restricted, nothing stale', () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, 'limited');
    const restricted = untrusted.restrictedConfigurations ?? [];
    for (const [id, schema] of Object.entries(settings)) {
      if (isLocationSetting(id, schema)) assert.ok(restricted.includes(id), `${id} must be in restrictedConfigurations`);
    }
    for (const id of restricted) assert.ok(id in settings, `restrictedConfigurations lists ${id}, which is not a contributed setting`);
  });

  it('resource-scoped asset settings and application-scoped connection settings', () => {
    for (const id of ['assetDestination', 'fileNameTemplate', 'link.altText', 'link.pathStyle']) {
      assert.equal(settings[`oxenImageStudio.${id}`]?.scope, 'resource', id);
    }
    assert.equal(settings['oxenImageStudio.defaultModel']?.scope, 'window');
  });

  it('PERF-01: no "*" and no workspaceContains activation', () => {
    for (const event of manifest.activationEvents ?? []) {
      assert.notEqual(event, '*');
      assert.ok(!event.startsWith('workspaceContains:'), event);
    }
  });

  it('PERF-02: the main entry loads no core module (zod, undici, the Oxen client, the generation service) and no document feature', () => {
    assert.equal(manifest.main, './dist/extension.js');
    const graph = [...runtimeImportGraph(path.join(ROOT, 'src', 'extension.ts'))];
    const heavy = graph.filter(
      (module) =>
        ['zod', 'undici'].includes(module) ||
        /[\\/]src[\\/](oxen|generation|assets)[\\/]/.test(module) ||
        /[\\/]src[\\/]ui[\\/]recall[\\/](?!generationInfoScheme)/.test(module) ||
        module.endsWith(`${path.sep}core.ts`) ||
        module.endsWith(`${path.sep}documentFeatures.ts`),
    );
    assert.deepEqual(heavy, [], 'extension.ts must reach these only through the lazily required chunks');
    const source = fs.readFileSync(path.join(ROOT, 'src', 'extension.ts'), 'utf8');
    assert.match(source, /require\(path\.join\(__dirname, 'core\.js'\)\)/);
    assert.match(source, /require\(path\.join\(__dirname, 'documentFeatures\.js'\)\)/);
  });

  it('every contributed command is registered in code, and every registered command is contributed', () => {
    const contributed = manifest.contributes.commands.map((command) => command.command).sort();
    assert.deepEqual(contributed, Object.values(COMMANDS).sort(), 'package.json commands and src/ui/commandIds.ts');
    const source = sourceFiles().map((file) => fs.readFileSync(file, 'utf8')).join('\n');
    const registered = [...source.matchAll(/registerCommand\(\s*COMMANDS\.(\w+)/g)].map((match) => COMMANDS[match[1] as keyof typeof COMMANDS]);
    assert.ok(!/registerCommand\(\s*'/.test(source), 'commands are registered through COMMANDS, so this test sees them');
    assert.deepEqual([...registered].sort(), contributed, 'registerCommand calls in src/');
    assert.equal(new Set(registered).size, registered.length, 'each command registered once');
  });

  it('commands have the "Oxen Image Studio" category, a title and a codicon; menus name contributed commands', () => {
    for (const command of manifest.contributes.commands) {
      assert.equal(command.category, '%category%', command.command);
      assert.equal(nls.category, 'Oxen Image Studio');
      assert.match(command.title, /^%.+%$/, `${command.command}: localised title`);
      assert.match(command.icon ?? '', /^\$\([a-z0-9-]+\)$/, `${command.command}: codicon`);
    }
    const ids = new Set(manifest.contributes.commands.map((command) => command.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(ids.has(item.command), `${menu} names ${item.command}`);
    }
  });

  it('declares the activity-bar container and the sidebar view, with icons that exist', () => {
    const [container] = manifest.contributes.viewsContainers.activitybar;
    assert.equal(container?.id, 'oxenImageStudio');
    assert.ok(fs.existsSync(path.join(ROOT, container!.icon)), container!.icon);
    assert.deepEqual(manifest.contributes.views.oxenImageStudio?.map((view) => view.id), ['oxenImageStudio.studio']);
    // The studio is a webview view (its empty state is in the webview: welcome content is for tree views only).
    assert.equal(manifest.contributes.views.oxenImageStudio?.[0]?.type, 'webview');
    assert.deepEqual(manifest.contributes.viewsWelcome ?? [], []);
  });

  it('has a 128×128 PNG icon', () => {
    const png = fs.readFileSync(path.join(ROOT, manifest.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.equal(png.readUInt32BE(16), 128);
    assert.equal(png.readUInt32BE(20), 128);
  });

  it('every %key% in package.json is in package.nls.json, and no entry there is unused', () => {
    const text = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8');
    const used = new Set([...text.matchAll(/"%([^%"]+)%"/g)].map((match) => match[1]!));
    assert.deepEqual([...used].filter((key) => !(key in nls)), []);
    assert.deepEqual(Object.keys(nls).filter((key) => !used.has(key)), []);
  });

  // SEC-14, the part this workplace can show: what ships is pinned. (The advisory audit itself,
  // scripts/audit.sh, needs npm's audit endpoint, which this workplace's registry refuses.)
  it('SEC-14: every dependency is an exact version, and the lock file pins what ships with its integrity hash', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      lockfileVersion: number;
      packages: Record<string, { version?: string; integrity?: string; dev?: boolean }>;
    };
    assert.ok(lock.lockfileVersion >= 3);
    for (const [name, range] of Object.entries(pkg.dependencies)) {
      assert.match(range, /^\d+\.\d+\.\d+$/, `${name} is pinned to one version, not ${range}`);
      const locked = lock.packages[`node_modules/${name}`];
      assert.equal(locked?.version, range, `the lock file holds ${name}@${range}`);
    }
    const shipped = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && !entry.dev);
    assert.deepEqual(shipped.map(([key]) => key.replace(/^node_modules\//, '')).sort(), Object.keys(pkg.dependencies).sort(), 'nothing ships but the pinned dependencies');
    for (const [key, entry] of shipped) {
      assert.match(entry.integrity ?? '', /^sha512-/, `${key} carries a sha512 integrity hash`);
    }
  });

  it('l10n/bundle.l10n.json holds exactly the strings the code localises (UPDATE_L10N_BUNDLE=1 rewrites it)', () => {
    const bundleFile = path.join(ROOT, manifest.l10n, 'bundle.l10n.json');
    const strings = l10nStrings();
    assert.ok(strings.size > 50, 'the extractor finds the strings');
    if (process.env.UPDATE_L10N_BUNDLE === '1') {
      const sorted = [...strings].sort();
      fs.writeFileSync(bundleFile, JSON.stringify(Object.fromEntries(sorted.map((text) => [text, text])), null, 2) + '\n');
    }
    const bundle = JSON.parse(fs.readFileSync(bundleFile, 'utf8')) as Record<string, string>;
    const hint = 'run UPDATE_L10N_BUNDLE=1 npx mocha test/unit/manifest.test.ts';
    assert.deepEqual([...strings].filter((text) => !(text in bundle)), [], `missing from the bundle: ${hint}`);
    assert.deepEqual(Object.keys(bundle).filter((text) => !strings.has(text)), [], `stale in the bundle: ${hint}`);
    for (const [key, value] of Object.entries(bundle)) assert.equal(value, key);
  });
});
