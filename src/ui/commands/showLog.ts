import type { RedactingLog } from '../../host/log';

/** `oxenImageStudio.showLog`: opens the log channel (keys redacted). */
export function showLogCommand(log: RedactingLog) {
  return (): void => log.show();
}
