import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, rmSync, statSync } from 'node:fs';
import { link, lstat, mkdir, readdir, readlink, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, normalize, resolve, sep } from 'node:path';
import { onExit } from 'signal-exit';

import { FlipbookError, opt, systemReason, text } from '../errors.js';
import { hostTag, ownOwner, ownerAlive } from './owner.js';

export interface OutputChecks {
  overwrite: boolean;
  /** Input files, which the output must never replace. */
  inputs: readonly string[];
}

/**
 * Refuses an output that exists (unless overwriting), that is one of the inputs, or whose
 * directory cannot be made because a file is in the way (seen from the stat it costs anyway:
 * ENOTDIR), before anything is decoded.
 */
export async function checkOutput(destination: string, { overwrite, inputs }: OutputChecks): Promise<void> {
  const existing = await stat(destination).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOTDIR') throw outputDirectoryError(dirname(destination), cause);
    return undefined;
  });
  if (!existing) {
    // A symbolic link whose target is gone is no file to stat, but a name in the folder all the
    // same: without overwrite, the final move refuses it (after all the work, as a file that
    // "appeared meanwhile"); with it, the link itself is replaced.
    const link = await lstat(destination).catch(() => undefined);
    if (link?.isSymbolicLink() && !overwrite) {
      throw new FlipbookError('OUTPUT_EXISTS', `The output ${destination} already exists, as a symbolic link to ${await readlink(destination)}, which does not exist`, {
        file: destination,
        option: 'overwrite',
        hint: text`Pass ${opt('overwrite', true)} to replace the link`,
      });
    }
    if (!link) checkClimb(destination);
  }
  // Inputs exist, so an output that does not cannot be one of them. One that does is compared
  // by device and inode, which sees through symbolic and hard links and costs one stat an input.
  if (existing) {
    const target = existing.ino === 0 ? await canonical(destination) : undefined;
    for (const input of new Set(inputs)) {
      const info = statSync(input, { throwIfNoEntry: false });
      const same = target === undefined ? info?.dev === existing.dev && info.ino === existing.ino : (await canonical(input)) === target;
      if (same) {
        throw new FlipbookError('OUTPUT_IS_INPUT', `The output ${destination} is one of the inputs`, {
          file: destination,
          option: 'output',
          hint: 'Choose another output path; flipbook never writes over an input',
        });
      }
    }
  }
  if (existing?.isDirectory()) {
    throw new FlipbookError('OUTPUT_EXISTS', `The output ${destination} is a directory`, { file: destination, option: 'output', hint: 'Give a file name such as movie.mp4' });
  }
  if (existing && !overwrite) {
    throw new FlipbookError('OUTPUT_EXISTS', `The output ${destination} already exists`, {
      file: destination,
      option: 'overwrite',
      hint: text`Pass ${opt('overwrite', true)} to replace it`,
    });
  }
  checkWritable(destination);
}

/**
 * Refuses an output whose directory (or, where that is still to be made, the nearest that
 * exists) this process cannot write in: no permission, or a read-only file system. Seen here,
 * before any work, rather than when the file is opened: a GIF, WebP or APNG opens it only after
 * every frame is spooled (480 frames of 720p: 24 s of work, then a bare EACCES naming the
 * temporary file). Synchronous: one access() call, also per frame of a split.
 */
function checkWritable(destination: string): void {
  for (let dir = dirname(resolve(destination)); ; dir = dirname(dir)) {
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
      return;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      // Not there yet: mkdir makes it inside the nearest that is.
      if (code === 'ENOENT' && dirname(dir) !== dir) continue;
      if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return;
      throw new FlipbookError('IO', `Cannot write ${destination}: ${code === 'EROFS' ? `${dir} is on a read-only file system` : `no permission to write in ${dir}`}`, {
        file: destination,
        option: 'output',
        cause,
        hint: code === 'EROFS' ? 'Choose an output on a writable disk' : 'Choose another output directory, or change its permissions',
      });
    }
  }
}

/**
 * Refuses an output path that goes up (`..`) out of a directory that does not exist:
 * `new/../movie.mp4`. The system resolves `..` after the folder before it, so such a path names
 * no file, while the folder flipbook makes and writes in is found by cutting `new/..` away: the
 * run would end, after all its work, with the finished file unable to move to its name; and
 * the checks made here (the output exists, it is an input) would have looked at no file.
 */
function checkClimb(destination: string): void {
  const parts = destination.split(sep);
  for (let i = 1; i < parts.length; i++) {
    if (parts[i] !== '..') continue;
    const missing = parts.slice(0, i).join(sep);
    if (missing !== '' && !existsSync(missing)) {
      throw new FlipbookError('INVALID_OPTION', `The output ${destination} goes up (..) out of ${missing}, which does not exist`, {
        file: destination,
        option: 'output',
        hint: `Write the path without that part: ${normalize(destination)}`,
      });
    }
  }
}

/**
 * The error for an output directory that cannot be made. A file where a directory should be
 * (`-o a/1.png/x.mp4`: EEXIST or ENOTDIR) is named, with the way out; anything else by its code.
 */
export function outputDirectoryError(dir: string, cause: unknown, file = dir): FlipbookError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const blocker = code === 'EEXIST' || code === 'ENOTDIR' ? fileInTheWay(dir) : undefined;
  if (blocker === undefined) return new FlipbookError('IO', `Cannot create the output directory ${dir}: ${systemReason(cause)}`, { file, cause });
  return new FlipbookError('IO', `Cannot create the output directory ${dir}: ${blocker === dir ? 'a file of that name is in the way' : `the file ${blocker} is in the way`}`, {
    file: blocker,
    option: 'output',
    cause,
    hint: 'Choose another output directory, or move the file',
  });
}

/** The file (not a directory) at `dir` or the nearest of its parents that exists, if it is one. */
function fileInTheWay(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    let info;
    try {
      info = statSync(d, { throwIfNoEntry: false });
    } catch {
      // ENOTDIR: a file further up; that one is named.
    }
    if (info) return info.isDirectory() ? undefined : d;
    if (dirname(d) === d) return undefined;
  }
}

/** Where `ino` means nothing (some file systems report 0): the real path. */
async function canonical(path: string): Promise<string> {
  const absolute = resolve(path);
  try {
    return await realpath(absolute);
  } catch {
    // Not there yet: resolve the directory, which may exist, and keep the name.
    try {
      return join(await realpath(dirname(absolute)), basename(absolute));
    } catch {
      return absolute;
    }
  }
}

/** The longest file name (in bytes) nearly every file system takes: Linux's and macOS's NAME_MAX. */
export const NAME_MAX = 255;

/** Refuses a path whose file name is longer than a file system takes, naming the option. */
export function checkNameLength(path: string, option = 'output'): void {
  const bytes = Buffer.byteLength(basename(path));
  if (bytes > NAME_MAX) {
    throw new FlipbookError('INVALID_OPTION', `The output name ${basename(path)} is ${bytes} bytes long; a file name holds at most ${NAME_MAX}`, {
      file: path,
      option,
      hint: 'Choose a shorter file name',
    });
  }
}

/**
 * A hidden name beside `destination` for it to be written under: `.name.1a2b3c4d.flipbook.part`,
 * unique by its random part (or `unique`, which the caller makes unique). It is as long as a file name may be at most (NAME_MAX bytes): a
 * long name is cut (at a whole character) so that the temporary name fits whenever the
 * destination's does.
 */
export function temporaryName(destination: string, unique = randomBytes(4).toString('hex')): string {
  const tail = `.${unique}${PART_SUFFIX}`;
  const room = NAME_MAX - 1 - Buffer.byteLength(tail);
  let base = basename(destination);
  if (Buffer.byteLength(base) > room) {
    const bytes = Buffer.from(base);
    // Cut before a character, never inside one (UTF-8 continuation bytes are 10xxxxxx).
    let end = room;
    while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    base = bytes.subarray(0, end).toString();
  }
  return join(dirname(destination), `.${base}${tail}`);
}

/** What every temporary output's name ends with. */
export const PART_SUFFIX = '.flipbook.part';

/** Removes a file, and says nothing whatever happens: for clean-up, which must never throw. */
export function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // Cannot be removed (gone, a bad name, no permission): nothing more can be done.
  }
}

/**
 * The owner part of a SafeOutput's temporary name: `<pid>-<host tag>-<start>` (owner.ts), so that
 * a later run can tell a file whose process is gone (sweepStaleParts).
 */
export function ownerToken(): string {
  const { pid, host, start } = ownOwner();
  return `${pid}-${hostTag(host)}-${start === undefined ? 'x' : Number(start).toString(36)}`;
}

/** `.name.<hex>-<pid>-<host tag>-<start>[.segments].flipbook.part`: a SafeOutput's or a segment directory's. */
const OWNED_PART = /^\..+\.[0-9a-f]{8}-(\d+)-([0-9a-f]{6})-([0-9a-z]+)(?:\.segments)?\.flipbook\.part$/;

/**
 * Removes from `dir` the temporary outputs (SafeOutput's files, segment directories) of
 * processes of this host that no longer run: a process killed outright (SIGKILL, the
 * out-of-memory killer) or aborted by native code cannot remove its own, as it does on an error,
 * Ctrl-C or SIGTERM. Files of running processes, of other hosts (a shared folder) and of other
 * names are left alone. Never throws; returns the names removed.
 */
export async function sweepStaleParts(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const self = ownOwner();
  const here = hostTag(self.host);
  const removed: string[] = [];
  for (const name of names) {
    const match = OWNED_PART.exec(name);
    if (!match || match[2] !== here) continue;
    const start = match[3] === 'x' ? undefined : parseInt(match[3] ?? '', 36).toString();
    if (ownerAlive({ pid: Number(match[1]), host: self.host, start })) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }
  return removed;
}

/**
 * A file written under a temporary name beside its destination and renamed into place only
 * when complete. Until then an error, an abort or the process ending (a signal, an exit)
 * removes it, so no half-written output is ever left; one left by a process killed outright is
 * removed by the next SafeOutput made in its folder (sweepStaleParts).
 */
export class SafeOutput {
  readonly destination: string;
  readonly temporary: string;
  private readonly overwrite: boolean;
  private removeExitHook: (() => void) | undefined;

  private constructor(destination: string, temporary: string, overwrite: boolean) {
    this.destination = destination;
    this.temporary = temporary;
    this.overwrite = overwrite;
    this.removeExitHook = onExit(() => {
      removeQuietly(this.temporary);
    });
  }

  static async create(destination: string, checks: OutputChecks): Promise<SafeOutput> {
    checkNameLength(destination);
    await checkOutput(destination, checks);
    const dir = dirname(resolve(destination));
    try {
      await mkdir(dir, { recursive: true });
    } catch (cause) {
      throw outputDirectoryError(dir, cause, destination);
    }
    await sweepStaleParts(dir);
    const temporary = temporaryName(join(dir, basename(destination)), `${randomBytes(4).toString('hex')}-${ownerToken()}`);
    return new SafeOutput(destination, temporary, checks.overwrite);
  }

  /** Writes the whole file under its temporary name; a failure (a full disk) names the output. */
  async write(bytes: Uint8Array | string): Promise<void> {
    try {
      await writeFile(this.temporary, bytes);
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot write ${this.destination}: ${systemReason(cause)}`, { file: this.destination, cause });
    }
  }

  /** Moves the finished file into place. Without overwrite, never replaces a file that appeared meanwhile. */
  async commit(): Promise<void> {
    try {
      if (this.overwrite) {
        await rename(this.temporary, this.destination);
      } else {
        try {
          await link(this.temporary, this.destination);
          await unlink(this.temporary);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw error;
          if (existsSync(this.destination)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
          await rename(this.temporary, this.destination);
        }
      }
    } catch (cause) {
      await this.discard();
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new FlipbookError('OUTPUT_EXISTS', `The output ${this.destination} appeared while flipbook was writing it`, {
          file: this.destination,
          option: 'overwrite',
          hint: text`Pass ${opt('overwrite', true)} to replace it`,
        });
      }
      throw new FlipbookError('IO', `Cannot move the finished file to ${this.destination}: ${systemReason(cause)}`, {
        file: this.destination,
        cause,
      });
    }
    this.release();
  }

  /** Removes the temporary file. Never throws: it runs on error paths, which keep their own error. */
  async discard(): Promise<void> {
    await rm(this.temporary, { force: true }).catch(() => undefined);
    this.release();
  }

  private release(): void {
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }
}
