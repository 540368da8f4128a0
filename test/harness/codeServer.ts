/**
 * Starts a real VS Code (code-server: VS Code's web workbench + Node extension host) with a fresh,
 * isolated profile. Used by the integration runner, the Playwright e2e tests and `npm start`.
 *
 * See shared/docs/real-vscode-offline.md for the recipe this follows.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PrerequisiteError } from './errors';
import { linkExtension } from './extension';
import { CODE_SERVER_BIN, INSTALL_SCRIPT, isCI, isCodeServerInstalled } from './paths';

export interface CodeServerOptions {
  /** Folder opened in the workbench (absolute path). */
  workspaceFolder: string;
  /** Written to `<userDataDir>/User/settings.json`, on top of the harness defaults. */
  userSettings?: Record<string, unknown>;
  /** Extra environment for code-server; it reaches the extension host as `process.env`. */
  env?: Record<string, string | undefined>;
  /** true: `--disable-workspace-trust` (normal mode). false: the folder opens in restricted mode. */
  trustWorkspace: boolean;
  /**
   * Absolute path of an unpacked extension to load in development mode. When set, `url` carries
   * the `payload` that loads it (like VS Code's Extension Development Host).
   */
  extensionDevelopmentPath?: string;
  /** Port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Reuse this extensions dir instead of a fresh empty one (it is then not deleted by stop()). */
  extensionsDir?: string;
  /**
   * Extension folders to install (symlinked into the extensions dir before start), so the
   * workbench runs them as installed extensions, without a development-mode payload in the URL.
   */
  installExtensions?: string[];
  /** Reuse this user data dir instead of a fresh one (it is then not deleted by stop()). */
  userDataDir?: string;
  /** Extra code-server CLI arguments. */
  extraArgs?: string[];
  /** Milliseconds to wait for the HTTP server to answer (default 60 s). */
  startTimeoutMs?: number;
  /** Called with each chunk of code-server output (e.g. to tee it to the console). */
  onOutput?: (text: string) => void;
  /** Keep temp dirs after stop() (for debugging). Also enabled by OXEN_KEEP_TEMP=1. */
  keepTemp?: boolean;
}

export interface PayloadOptions {
  extensionDevelopmentPath?: string;
  extensionTestsPath?: string;
}

export interface CodeServer {
  /** Workbench URL with `?folder=` (and the dev-extension payload when one was given). */
  url: string;
  /** `http://host:port` without path. */
  baseUrl: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** Workbench URL for the same folder with a custom payload (e.g. extensionTestsPath). */
  workbenchUrl(payload?: PayloadOptions): string;
  /** Resolves with the exit code once code-server logs that the extension host exited. */
  waitForExtensionHostExit(timeoutMs: number): Promise<number>;
  /** Resolves when the output matches `pattern` (already-seen output included). */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Kills the code-server process group and removes the temp dirs it created. */
  stop(): Promise<void>;
  /** Everything code-server printed so far (stdout + stderr, capped to the last ~4 MB). */
  logs(): string;
  /** The child process (exited === true once it ended). */
  readonly process: ChildProcess;
}

/** Settings every harness profile gets; callers' userSettings override them. */
export const DEFAULT_USER_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'git.enabled': false,
  'window.restoreWindows': 'none',
};

const LOG_CAP = 4 * 1024 * 1024;

export { PrerequisiteError };

/**
 * Makes sure code-server is installed. Outside CI it runs scripts/install-code-server.sh when it is
 * missing; in CI (CI=true) a missing install is an error (`.ci/run` must install it first).
 */
export function ensureCodeServerInstalled(options: { allowInstall?: boolean } = {}): void {
  if (isCodeServerInstalled()) return;
  const allowInstall = options.allowInstall ?? !isCI();
  if (!allowInstall) {
    throw new PrerequisiteError(
      `code-server is not installed at ${CODE_SERVER_BIN}.\n` +
        `Install it with: apt-get install -y chromium libkrb5-dev ripgrep && bash scripts/install-code-server.sh`,
    );
  }
  console.log(`[harness] code-server missing: running ${path.relative(process.cwd(), INSTALL_SCRIPT)}`);
  const result = spawnSync('bash', [INSTALL_SCRIPT], { stdio: 'inherit' });
  if (result.status !== 0 || !isCodeServerInstalled()) {
    throw new PrerequisiteError(
      `scripts/install-code-server.sh failed (exit ${result.status}). ` +
        `It needs: apt-get install -y chromium libkrb5-dev ripgrep, and Node 20.`,
    );
  }
}

export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Builds the workbench URL; `payload` is VS Code web's way to pass dev/test extension paths. */
export function buildWorkbenchUrl(
  baseUrl: string,
  workspaceFolder: string,
  payload: PayloadOptions = {},
): string {
  const authority = new URL(baseUrl).host;
  const remote = (p: string) => `vscode-remote://${authority}${toPosix(path.resolve(p))}`;
  const entries: [string, string][] = [];
  if (payload.extensionDevelopmentPath) {
    entries.push(['extensionDevelopmentPath', remote(payload.extensionDevelopmentPath)]);
  }
  if (payload.extensionTestsPath) entries.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
  let url = `${baseUrl}/?folder=${encodeURIComponent(toPosix(path.resolve(workspaceFolder)))}`;
  if (entries.length > 0) url += `&payload=${encodeURIComponent(JSON.stringify(entries))}`;
  return url;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** Environment for code-server: the caller's, minus variables that would hijack the launch. */
function childEnv(extra: Record<string, string | undefined>, xdgDataHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    // VSCODE_IPC_HOOK_CLI (set in VS Code's terminal) makes code-server open the folder in the
    // *existing* VS Code instead of starting; the other VSCODE_* vars leak the outer editor's state.
    if (key.startsWith('VSCODE_') && key !== 'VSCODE_TEST_RUNNER') delete env[key];
    if (key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  }
  // code-server otherwise reads/writes ~/.config/code-server/config.yaml and ~/.local/share/code-server.
  env.XDG_DATA_HOME = xdgDataHome;
  // `$PORT` overrides --bind-addr's port in code-server: never let the caller's PORT leak in.
  delete env.PORT;
  delete env.PASSWORD;
  delete env.HASHED_PASSWORD;
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function httpGetStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  ensureCodeServerInstalled();
  const host = options.host ?? '127.0.0.1';
  const workspaceFolder = path.resolve(options.workspaceFolder);
  if (!fs.statSync(workspaceFolder, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`workspaceFolder does not exist: ${workspaceFolder}`);
  }
  let port = options.port;
  if (port === undefined) port = await getFreePort(host);
  else if (!(await isPortFree(port, host))) {
    throw new Error(`port ${port} on ${host} is already in use (set PORT to pick another)`);
  }

  const keepTemp = options.keepTemp ?? process.env.OXEN_KEEP_TEMP === '1';
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'oxen-code-server-'));
  const userDataDir = options.userDataDir ?? path.join(tempRoot, 'user-data');
  const extensionsDir = options.extensionsDir ?? path.join(tempRoot, 'extensions');
  const xdgDataHome = path.join(tempRoot, 'xdg-data');
  const configFile = path.join(tempRoot, 'config.yaml');
  for (const dir of [userDataDir, extensionsDir, xdgDataHome, path.join(userDataDir, 'User')]) {
    fs.mkdirSync(dir, { recursive: true });
  }
  for (const extension of options.installExtensions ?? []) linkExtension(extension, extensionsDir);
  const settingsFile = path.join(userDataDir, 'User', 'settings.json');
  const existing = fs.existsSync(settingsFile)
    ? (JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>)
    : {};
  fs.writeFileSync(
    settingsFile,
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...existing, ...options.userSettings }, null, 2) + '\n',
  );
  // An explicit config file keeps code-server away from ~/.config/code-server/config.yaml.
  fs.writeFileSync(configFile, `bind-addr: ${host}:${port}\nauth: none\ncert: false\n`);

  const args = [
    '--config',
    configFile,
    '--auth',
    'none',
    '--bind-addr',
    `${host}:${port}`,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.trustWorkspace ? ['--disable-workspace-trust'] : []),
    ...(options.extraArgs ?? []),
    workspaceFolder,
  ];

  let output = '';
  const listeners = new Set<() => void>();
  const child = spawn(CODE_SERVER_BIN, args, {
    cwd: workspaceFolder,
    env: childEnv(options.env ?? {}, xdgDataHome),
    detached: true, // own process group: stop() kills code-server and every extension host
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output += text;
    if (output.length > LOG_CAP) output = output.slice(output.length - LOG_CAP);
    options.onOutput?.(text);
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      for (const l of [...listeners]) l();
      resolve();
    });
  });
  child.on('error', (err) => onData(Buffer.from(`[harness] spawn error: ${err.message}\n`)));

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exitInfo && child.pid !== undefined) {
      killGroup(child.pid, 'SIGTERM');
      const done = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
      if (!done) {
        killGroup(child.pid, 'SIGKILL');
        await Promise.race([exited, delay(2000)]);
      }
    }
    // Extension hosts may outlive the server briefly: make sure the whole group is gone.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    if (!keepTemp) fs.rmSync(tempRoot, { recursive: true, force: true });
  };

  const waitForOutput = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = output.match(pattern);
        if (m) {
          cleanup();
          resolve(m);
        } else if (exitInfo) {
          cleanup();
          reject(new Error(`code-server exited (code ${exitInfo.code}, signal ${exitInfo.signal}) before ${pattern}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern} in code-server output`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const baseUrl = `http://${host}:${port}`;
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      if (exitInfo) {
        throw new Error(`code-server exited early (code ${exitInfo.code}, signal ${exitInfo.signal})`);
      }
      try {
        const status = await httpGetStatus(`${baseUrl}/healthz`, 2000);
        if (status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`code-server did not answer on ${baseUrl} in time`);
      await delay(200);
    }
  } catch (error) {
    const logs = output;
    await stop();
    throw new Error(`${(error as Error).message}\n--- code-server output ---\n${tail(logs, 80)}`);
  }

  const workbenchUrl = (payload?: PayloadOptions) =>
    buildWorkbenchUrl(baseUrl, workspaceFolder, payload ?? { extensionDevelopmentPath: options.extensionDevelopmentPath });

  return {
    url: workbenchUrl(),
    baseUrl,
    port,
    userDataDir,
    extensionsDir,
    workbenchUrl,
    waitForOutput,
    waitForExtensionHostExit: async (timeoutMs: number) => {
      const m = await waitForOutput(/Extension Host Process exited with code:\s*(-?\d+|null)/, timeoutMs);
      return m[1] === 'null' ? -1 : Number(m[1]);
    },
    stop,
    logs: () => output,
    process: child,
  };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

/** Last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}
