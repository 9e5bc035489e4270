/**
 * Makes a supervised Janus die with the sentinel even when the sentinel is SIGKILLed (or crashes):
 * the command is run through util-linux `setpriv --pdeathsig`, which sets the kernel's
 * parent-death signal and then execs Janus in place, so the pid stays Janus's. Without this, a
 * restarted sentinel would find an orphan Janus holding the ports and crash-loop its own.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** argv that delivers SIGTERM to Janus when its parent dies; unchanged when setpriv is missing. */
export function withParentDeathSignal(argv: readonly string[], setpriv = findOnPath('setpriv')): readonly string[] {
  return setpriv === undefined ? argv : [setpriv, '--pdeathsig', 'SIGTERM', '--', ...argv];
}
