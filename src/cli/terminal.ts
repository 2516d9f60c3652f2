import { fstatSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { isatty, WriteStream } from 'node:tty';

import { GUARD_MARK, type GuardRecord, TERMINAL_FD_ENV } from './guard-protocol.js';
import type { Streams } from './reporter.js';

/**
 * The command's own standard error. In the guarded child (see stderr-guard.ts) that is the
 * descriptor named by FLIPBOOK_TERMINAL_FD, the terminal's, not fd 2, which is the pipe to the
 * parent where x264's own lines go.
 */
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
