import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { JSDOM } from 'jsdom';
import { buildShellHtml, contentSecurityPolicy, createNonce, NONCE_BYTES } from '../../src/ui/sidebar/html';

const CSP_SOURCE = 'https://*.vscode-cdn.net';
const SCRIPT = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js';
const STYLE = 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.css';

function render(nonce = createNonce()): string {
  return buildShellHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, styleUri: STYLE, nonce, language: 'en', loadingText: 'Loading…' });
}

function cspOf(html: string): string {
  const meta = new JSDOM(html).window.document.querySelector('meta[http-equiv="Content-Security-Policy"]');
  assert.ok(meta, 'the shell has a CSP meta tag');
  return meta.getAttribute('content')!;
}

describe('sidebar HTML shell (SEC-07)', () => {
  it('has exactly the expected CSP: nothing by default, scripts by nonce, styles/fonts/images from the webview source only', () => {
    const nonce = createNonce();
    assert.equal(
      cspOf(render(nonce)),
      `default-src 'none'; img-src ${CSP_SOURCE}; style-src ${CSP_SOURCE}; font-src ${CSP_SOURCE}; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'`,
    );
    const csp = contentSecurityPolicy(CSP_SOURCE, nonce);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|connect-src|frame-src|\*;|data:|https?:\/\/(?!\*\.vscode-cdn\.net)/);
  });

  it('uses a fresh nonce of at least 128 bits on every render', () => {
    const nonces = new Set<string>();
    // Parsed as text, not with jsdom: 500 jsdom documents take seconds on a loaded 2-core machine.
    for (let i = 0; i < 500; i++) {
      const html = render();
      const nonce = /<meta http-equiv="Content-Security-Policy" content="[^"]*script-src &#39;nonce-([^&"]+)&#39;/.exec(html)![1]!;
      assert.ok(Buffer.from(nonce, 'base64url').length * 8 >= 128, 'at least 128 bits');
      assert.ok(NONCE_BYTES * 8 >= 128);
      nonces.add(nonce);
    }
    assert.equal(nonces.size, 500, 'never reused');
  });

  it('loads one script, carrying that nonce, and no inline script, inline style or remote resource', () => {
    const nonce = createNonce();
    const html = render(nonce);
    const document = new JSDOM(html).window.document;
    const scripts = [...document.querySelectorAll('script')];
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0]!.getAttribute('nonce'), nonce);
    assert.equal(scripts[0]!.getAttribute('src'), SCRIPT);
    assert.equal(scripts[0]!.textContent, '');
    assert.equal(document.querySelectorAll('style, [style]').length, 0);
    assert.deepEqual([...document.querySelectorAll('link')].map((link) => link.getAttribute('href')), [STYLE]);
    const urls = html.match(/https?:\/\/[^\s"'<>]+/g) ?? [];
    const others = urls.filter((url) => url !== SCRIPT && url !== STYLE && url.replace(/;$/, '') !== CSP_SOURCE);
    assert.deepEqual(others, [], 'no URL but the bundle and the webview source in the policy');
    assert.equal(document.documentElement.getAttribute('lang'), 'en');
  });

  it('refuses a short or malformed nonce, and escapes what it interpolates', () => {
    assert.throws(() => render('abc'), RangeError);
    assert.throws(() => render(`${createNonce()}"><script>`), RangeError);
    const html = buildShellHtml({ cspSource: CSP_SOURCE, scriptUri: SCRIPT, styleUri: STYLE, nonce: createNonce(), language: 'en"><img src=x onerror=alert(1)>', loadingText: '<b>x</b>' });
    const document = new JSDOM(html).window.document;
    assert.equal(document.querySelectorAll('img, b').length, 0);
  });

  it('the webview sources build DOM without HTML parsing (no innerHTML & co.), and the bundle pulls nothing remote', () => {
    const folder = path.join(__dirname, '../../media/webview');
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts'))) {
      const source = readFileSync(path.join(folder, file), 'utf8');
      assert.doesNotMatch(source, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|createContextualFragment|new Function|\beval\(/, file);
    }
    const css = readFileSync(path.join(folder, 'styles.css'), 'utf8');
    assert.doesNotMatch(css, /url\(\s*['"]?(https?:)?\/\//, 'no remote url() in the stylesheet');
    assert.doesNotMatch(css, /@import\s+(url\()?['"]?https?:/);
  });
});
