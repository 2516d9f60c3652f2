/**
 * Which process wrote a temporary file, and whether it still runs: for the files a process killed
 * outright (SIGKILL, the kernel's out-of-memory killer) or aborted by native code (a canvas
 * library's panic inside a draw function) could not remove itself. Split records its owner in a
 * lock file (frame-files.ts); a SafeOutput in the temporary file's name (safe-output.ts).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who writes a run's temporary files: enough to tell, later, whether that process still runs. */
export interface Owner {
  pid: number;
  host: string;
  /** When the process started, as the kernel counts it (Linux); a reused pid has another. */
  start: string | undefined;
}

/** A process's start time in clock ticks since boot (`/proc/<pid>/stat`, field 22), where there is a /proc. */
export function startTime(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

let own: Owner | undefined;

/** This process. */
export function ownOwner(): Owner {
  own ??= { pid: process.pid, host: hostname(), start: startTime('self') };
  return own;
}

/**
 * Whether `owner` may still run. Another host's process cannot be checked from here: it counts
 * as running. A pid that exists counts as running unless its start time differs from the one
 * recorded (the pid was reused). This process counts as running: its caller knows which of its
 * own runs are open.
 */
export function ownerAlive(owner: Owner): boolean {
  const self = ownOwner();
  if (owner.host !== self.host) return true;
  const sameStart = (start: string | undefined): boolean => owner.start === undefined || start === undefined || owner.start === start;
  if (owner.pid === self.pid) return sameStart(self.start);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return sameStart(startTime(owner.pid));
}

/** A short tag of a host name (6 hex digits), for a file name: the same host, the same tag. */
export function hostTag(host: string): string {
  return createHash('sha1').update(host).digest('hex').slice(0, 6);
}
