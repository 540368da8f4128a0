import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { REPO_ROOT } from '../../unit/support/processes';

export interface ProbeProcess {
  /** Resolves when the probe prints exactly this line (its way to say "ready for the next step"). */
  line(text: string, timeoutMs: number): Promise<void>;
  /** Resolves with the first line the probe prints (a server's address, say). */
  firstLine(timeoutMs: number): Promise<string>;
  /** Resolves with the last line the probe printed, once it exited with 0. */
  result(): Promise<string>;
  /** Sends SIGTERM (unless it already exited) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Runs a TypeScript probe in a fresh Node process that talks back line by line while it runs
 * (runScript in test/unit/support/processes.ts only hands over the output at the end).
 */
export function startProbe(script: string, args: readonly string[], nodeFlags: readonly string[] = []): ProbeProcess {
  const child = spawn(process.execPath, [...nodeFlags, '-r', 'tsx/cjs', script, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener();
  });
  // 'close', not 'exit': it fires only after every line of output has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  /** Resolves with what `find` finds in the lines printed so far, as soon as it finds something. */
  function until<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = (found: T | undefined, error?: Error) => {
        listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(found as T);
      };
      const check = () => {
        const found = find();
        if (found !== undefined) done(found);
      };
      const timer = setTimeout(() => done(undefined, new Error(`${script} did not print ${what} within ${timeoutMs} ms`)), timeoutMs);
      listeners.add(check);
      void exited.then((code) => done(undefined, new Error(`${script} exited with ${code} before printing ${what}`)));
      check();
    });
  }
  return {
    async line(text, timeoutMs) {
      await until(() => (lines.includes(text) ? true : undefined), `"${text}"`, timeoutMs);
    },
    firstLine(timeoutMs) {
      return until(() => lines[0], 'a line', timeoutMs);
    },
    async result() {
      const code = await exited;
      if (code !== 0) throw new Error(`${script} exited with ${code}`);
      return lines[lines.length - 1] ?? '';
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
