import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { isatty, WriteStream } from 'node:tty';

import type { Streams } from './reporter.js';

/**
 * Set by the guarding parent (stderr-guard.ts) in its child: the number of the descriptor that
 * is the terminal's standard error. The child's own fd 2 is then a pipe to the parent, where
 * whatever the engine writes there itself (x264's `malloc of size ... failed`) ends up.
 */
export const TERMINAL_FD_ENV = 'FLIPBOOK_TERMINAL_FD';

/** What the guarded child tells its parent through the pipe, one line each, after this mark. */
export const GUARD_MARK = '\u0000flipbook-guard ';

/** A message from the guarded child to its parent. */
export type GuardRecord =
  /** At the start of a command: how it reports, and the file it writes. */
  | { type: 'command'; output?: string; json: boolean; quiet: boolean; verbose: boolean }
  /** The command failed: its error line (with --verbose, the stack after it), for the parent to print. */
  | { type: 'error'; line: string };

function terminalFd(): number | undefined {
  const value = process.env[TERMINAL_FD_ENV];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** This process is the guarded child: its stderr is the parent's pipe, the terminal is another descriptor. */
export const guardedChild = terminalFd() !== undefined;

let stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; hasColors?: () => boolean } = process.stderr;
const fd = terminalFd();
if (fd !== undefined) {
  if (isatty(fd)) {
    // A terminal: a tty stream, so that the progress bar, the colours and the width are the ones
    // an unguarded run has.
    stderr = new WriteStream(fd);
  } else {
    const stat = fstatSync(fd);
    // A pipe or a socket as Node makes process.stderr of one; a file written synchronously.
    stderr = stat.isFIFO() || stat.isSocket() ? new Socket({ fd, readable: false, writable: true }) : fileStream(fd);
  }
}

function fileStream(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        writeSync(fd, chunk);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

/**
 * Where the command line writes what it says: stdout, and its standard error (the terminal's
 * in a guarded child, not the pipe to the parent). A guarded child's error line goes to the
 * parent, which prints it, or instead of it the out-of-memory error the engine's lines show.
 */
export const terminal: Streams = guardedChild ? { stdout: process.stdout, stderr, errorLine: (line) => tellGuard({ type: 'error', line }) } : { stdout: process.stdout, stderr };

/** In the guarded child, hands a record to the parent (synchronously, behind whatever the engine wrote before it). */
export function tellGuard(record: GuardRecord): void {
  if (!guardedChild) return;
  writeSync(2, `${GUARD_MARK}${JSON.stringify(record)}\n`);
}
