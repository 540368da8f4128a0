/** The tail every real-VS Code runner shares (integration, e2e). */
import { PrerequisiteError } from './errors';
import { isCI } from './paths';

/**
 * Runs a runner's `main()` and exits with the code it returns. When it throws, says why (a
 * missing prerequisite plainly: in CI it is a failure, never a skip), prints `crashVerdict` as
 * the last line (what tooling reads) and exits 1.
 */
export function runMain(main: () => Promise<number>, crashVerdict: string): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof PrerequisiteError) {
        console.error(`Missing prerequisite${isCI() ? ' (CI: nothing is skipped)' : ''}: ${error.message}`);
      } else {
        console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      }
      console.log(crashVerdict);
      process.exit(1);
    },
  );
}
