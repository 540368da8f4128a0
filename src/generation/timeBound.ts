/**
 * Time bounds for the steps of result handling (REL-16): a step that never ends (a download that
 * never finishes, a workspace edit that never resolves) must not hold back every later outcome.
 * No vscode import: the service and the UI share it.
 */

/** A step did not settle within its bound; `step` says what was waited on, in words for the log. */
export class StepTimeoutError extends Error {
  override readonly name = 'StepTimeoutError';

  constructor(
    readonly step: string,
    readonly waitedMs: number,
  ) {
    super(`No answer from ${step} after ${formatWait(waitedMs)}.`);
  }
}

/** "30 s", "1.5 s", "250 ms": how long was waited, for log lines and messages. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/**
 * Runs `work` and settles as it does, unless `boundMs` passes first: then rejects with a
 * StepTimeoutError naming `step`. The work itself is not stopped (a promise cannot be); whoever
 * can abort it should do so on that error. A synchronous throw becomes a rejection. The timer
 * never keeps the process alive and is cleared as soon as the work settles.
 */
export function withinBound<T>(step: string, boundMs: number, work: () => T | PromiseLike<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StepTimeoutError(step, boundMs)), boundMs);
    timer.unref?.();
    let running: PromiseLike<T>;
    try {
      running = Promise.resolve(work());
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
