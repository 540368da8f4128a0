import { spawn } from 'node:child_process';
import * as readline from 'node:readline';
import { REPO_ROOT } from '../../unit/support/processes';

export interface ProbeProcess {
  /** Resolves when the probe prints exactly this line (its way to say "ready for the next step"). */
  line(text: string, timeoutMs: number): Promise<void>;
  /** Resolves with the last line the probe printed, once it exited with 0. */
  result(): Promise<string>;
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
  return {
    line(text, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (error?: Error) => {
          listeners.delete(check);
          clearTimeout(timer);
          if (error) reject(error);
          else resolve();
        };
        const check = () => {
          if (lines.includes(text)) done();
        };
        const timer = setTimeout(() => done(new Error(`${script} did not print "${text}" within ${timeoutMs} ms`)), timeoutMs);
        listeners.add(check);
        void exited.then((code) => done(new Error(`${script} exited with ${code} before printing "${text}"`)));
        check();
      });
    },
    async result() {
      const code = await exited;
      if (code !== 0) throw new Error(`${script} exited with ${code}`);
      return lines[lines.length - 1] ?? '';
    },
  };
}
