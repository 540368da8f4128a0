/** A timer that keeps the process alive (src/generation/delay.ts deliberately does not). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
