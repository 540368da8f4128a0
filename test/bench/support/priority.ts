import { readdirSync } from 'node:fs';
import * as os from 'node:os';

/**
 * Niceness for the measurements that time wall-clock latency. On a machine shared with other
 * work, a process woken by a socket otherwise waits behind the others' CPU time, and the figure
 * measures the machine's run queue rather than our code. Processes started meanwhile (probes, the
 * emulator) inherit it. CPU, request and memory figures run at the normal priority.
 */
const LATENCY_NICE = -10;

/**
 * Linux keeps a niceness per thread: every thread of this process is changed, or V8's garbage
 * collection helpers and the file-system thread pool would stay behind and stall the main
 * thread that waits for them. Elsewhere the process id stands for all of them.
 */
function threadIds(): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number);
  } catch {
    return [0];
  }
}

function setNiceness(nice: number): void {
  for (const id of threadIds()) os.setPriority(id, nice);
}

/** Runs `measure` at LATENCY_NICE where the system allows it; returns its result and a note saying which priority applied. */
export async function atLatencyPriority<T>(measure: () => Promise<T>): Promise<{ result: T; note: string }> {
  const normal = os.getPriority();
  let note = `Ran at nice ${LATENCY_NICE} (normally ${normal}), the processes it started too.`;
  let raised = false;
  try {
    setNiceness(LATENCY_NICE);
    raised = true;
  } catch {
    setNiceness(normal);
    note = `Ran at the normal priority (nice ${normal}): raising it to ${LATENCY_NICE} needs privileges, so other work on the machine shows in the tail figures.`;
  }
  try {
    return { result: await measure(), note };
  } finally {
    if (raised) setNiceness(normal);
  }
}
