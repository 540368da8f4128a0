import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Starts the emulator CLI in its own process and resolves with its API URL (its first line). */
export async function startEmulatorProcess(key: string): Promise<{ apiUrl: string; process: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', 'test/emulator/cli.ts', '--key', key, '--processing-ms', '10'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return {
    apiUrl: firstLine.trim(),
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs a TypeScript script in a fresh Node process and returns its stdout. `env` replaces the environment. */
export function runScript(script: string, args: string[], nodeFlags: string[] = [], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '-r', 'tsx/cjs', script, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${script} exited with ${code}`))));
  });
}
