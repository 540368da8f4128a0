// Builds the extension host bundles (a small entry for activation, the lazily required core and
// document features) and
// the sidebar webview bundle.
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Reports build results in the format VS Code's esbuild problem matcher expects. */
const problemMatcherPlugin = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

async function main() {
  const ctx = await esbuild.context({
    entryPoints: { extension: 'src/extension.ts', core: 'src/core.ts', documentFeatures: 'src/documentFeatures.ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    outdir: 'dist',
    external: ['vscode'],
    logLevel: 'warning',
    metafile: true,
    plugins: watch ? [problemMatcherPlugin] : [],
  });
  // The sidebar webview (media/webview → dist/webview/main.js + main.css + the codicon font).
  const webviewCtx = await esbuild.context({
    entryPoints: { main: 'media/webview/main.ts' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: production,
    sourcemap: !production,
    sourcesContent: false,
    outdir: 'dist/webview',
    loader: { '.ttf': 'file' },
    assetNames: '[name]',
    logLevel: 'warning',
    metafile: true,
    plugins: watch ? [problemMatcherPlugin] : [],
  });
  if (watch) {
    await Promise.all([ctx.watch(), webviewCtx.watch()]);
    return;
  }
  await Promise.all([ctx.rebuild(), webviewCtx.rebuild()]);
  await Promise.all([ctx.dispose(), webviewCtx.dispose()]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
