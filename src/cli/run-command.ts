/** The process side of a command: its exit code, or no exit at all while it serves. */

/** What a command's main returns when it has started a server that runs until a signal. */
export const KEEP_RUNNING = -1;

/** Runs `main` and exits with its code; an unexpected error is printed on one line (no stack) and exits 1. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      if (code !== KEEP_RUNNING) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
