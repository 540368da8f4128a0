import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a script nonce: 128 bits, fresh for every render (SEC-07). */
export const NONCE_BYTES = 16;

export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64url');
}

export interface ShellInput {
  /** `webview.cspSource`: the only origin styles, fonts and images may come from. */
  cspSource: string;
  /** Webview URIs of the bundled script and stylesheet (dist/webview). */
  scriptUri: string;
  styleUri: string;
  nonce: string;
  /** `<html lang>`: VS Code's display language. */
  language: string;
  /** Shown until the script has rendered (and to anyone whose webview failed to load it). */
  loadingText: string;
}

/**
 * The Content-Security-Policy of the studio: nothing by default; scripts only with this render's
 * nonce; styles, fonts (codicons) and images (thumbnails) only from the webview's own resource
 * origin; no connect-src, frames, objects or forms: every request is made by the host.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource}`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

function checkedNonce(nonce: string): string {
  if (!/^[A-Za-z0-9_-]{22,}$/.test(nonce)) throw new RangeError('The script nonce must be at least 128 bits of base64url.');
  return nonce;
}

/** The webview's whole HTML: a static shell; everything else is rendered by the bundled script. */
export function buildShellHtml(input: ShellInput): string {
  const nonce = checkedNonce(input.nonce);
  const csp = contentSecurityPolicy(input.cspSource, nonce);
  return `<!DOCTYPE html>
<html lang="${escapeHtml(input.language)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>Oxen Image Studio</title>
</head>
<body>
<main id="studio" class="studio" aria-busy="true"><p class="loading">${escapeHtml(input.loadingText)}</p></main>
<script nonce="${nonce}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>
`;
}
