import { existsSync, linkSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { onExit } from 'signal-exit';

import { FlipbookError } from '../errors.js';
import { NAME_MAX, checkNameLength, checkOutput, removeQuietly, temporaryName } from './safe-output.js';

export interface FrameFilesOptions {
  overwrite: boolean;
  /** Files that must never be written over (the video). */
  inputs: readonly string[];
}

/** A file written under its temporary name, and where it goes at commit. */
interface Pending {
  file: string;
  temporary: string;
}

/**
 * A set of files written one by one (the frames of a split, and its manifest), all or nothing.
 * Each file is written under a temporary name beside its destination; none is moved into place
 * until commit(), which moves them all at once. Until then an error, an abort or the process
 * ending (Ctrl-C, SIGTERM, an exit) removes the temporary files and the directories created for
 * them, so the output folder is exactly as it was: files the run would replace (with
 * `overwrite`) keep their bytes.
 *
 * commit() is synchronous: no signal handler, exit hook or other task can run while it moves
 * the files, so a signal cannot stop it half way. If a move fails, the files already moved are
 * put back (the replaced ones from the backup names they were moved to) before it throws.
 */
export class FrameFiles {
  private readonly options: FrameFilesOptions;
  private readonly pending: Pending[] = [];
  /** Directories known to exist (made or checked by write). */
  private readonly directories = new Set<string>();
  /** Directories created for the output, deepest last. */
  private readonly created: string[] = [];
  private removeExitHook: (() => void) | undefined;
  private state: 'open' | 'committed' | 'removed' = 'open';
  /** Makes this run's temporary and backup names unique, also when long names are cut. */
  private readonly tag = randomBytes(4).toString('hex');

  constructor(options: FrameFilesOptions) {
    this.options = options;
    this.removeExitHook = onExit(() => {
      this.removeSync();
    });
  }

  /** Creates the directory (and its missing parents), remembering what it created. */
  async directory(dir: string): Promise<void> {
    try {
      const first = await mkdir(dir, { recursive: true });
      if (first !== undefined) {
        const chain: string[] = [];
        for (let d = resolve(dir); ; d = dirname(d)) {
          chain.unshift(d);
          if (d === resolve(first) || dirname(d) === d) break;
        }
        this.created.push(...chain);
      }
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot create the output directory ${dir}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file: dir, cause });
    }
  }

  /** Writes one file completely under a temporary name (making its directory); commit() moves it into place. */
  async write(file: string, bytes: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new FlipbookError('IO', `The frame files were already ${this.state}`);
    checkNameLength(file);
    await checkOutput(file, { overwrite: this.options.overwrite, inputs: this.options.inputs });
    const dir = resolve(dirname(file));
    if (!this.directories.has(dir)) {
      await this.directory(dir);
      this.directories.add(dir);
    }
    const entry = { file, temporary: temporaryName(resolve(file), `${this.tag}-${this.pending.length}`) };
    // Listed before it is written: whatever happens next, clean-up knows the name.
    this.pending.push(entry);
    try {
      await writeFile(entry.temporary, bytes, { flag: 'wx' });
    } catch (cause) {
      removeQuietly(entry.temporary);
      throw new FlipbookError('IO', `Cannot write ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file, cause });
    }
  }

  /** The destinations written so far (in place only after commit). */
  get files(): readonly string[] {
    return this.pending.map((p) => p.file);
  }

  /**
   * Moves every file into place, replacing existing ones only with `overwrite`; without it, a
   * file that appeared meanwhile is an error and nothing is moved. All or nothing.
   */
  commit(): void {
    if (this.state !== 'open') throw new FlipbookError('IO', `The frame files were already ${this.state}`);
    /** Files moved into place, and the backup name of the file each replaced. */
    const placed: { file: string; backup: string | undefined }[] = [];
    let current = '';
    try {
      for (const [index, { file, temporary }] of this.pending.entries()) {
        current = file;
        if (this.options.overwrite) {
          const backup = backupName(file, `${this.tag}-${index}`);
          let replaced = true;
          try {
            renameSync(file, backup);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
            replaced = false;
          }
          placed.push({ file, backup: replaced ? backup : undefined });
          renameSync(temporary, file);
        } else {
          placeNew(temporary, file);
          placed.push({ file, backup: undefined });
        }
      }
    } catch (cause) {
      // Put the folder back as it was: the new files out, the replaced ones back.
      for (const { file, backup } of placed.reverse()) {
        if (backup === undefined) removeQuietly(file);
        else {
          try {
            renameSync(backup, file);
          } catch {
            // The backup cannot be moved back; it stays under its name, beside the file.
          }
        }
      }
      this.removeSync();
      this.release('removed');
      const failed = current;
      if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new FlipbookError('OUTPUT_EXISTS', `The output ${failed} appeared while flipbook was writing it; no file was written`, {
          file: failed,
          option: 'overwrite',
          hint: 'Pass --overwrite (-y) to replace it',
        });
      }
      throw new FlipbookError('IO', `Cannot move the finished file to ${failed}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}; no file was written`, { file: failed, cause });
    }
    for (const { backup } of placed) if (backup !== undefined) removeQuietly(backup);
    this.release('committed');
  }

  /** Removes every temporary file and the directories created for them. Never throws. */
  async rollback(): Promise<void> {
    if (this.state !== 'open') return;
    for (const { temporary } of this.pending.splice(0)) removeQuietly(temporary);
    for (const dir of this.created.splice(0).reverse()) await rmdir(dir).catch(() => undefined);
    this.release('removed');
  }

  private release(state: 'committed' | 'removed'): void {
    this.state = state;
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }

  /** The exit hook's clean-up: synchronous, and it never throws. */
  private removeSync(): void {
    for (const { temporary } of this.pending.splice(0)) removeQuietly(temporary);
    for (const dir of this.created.splice(0).reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (someone else's files): leave it.
      }
    }
  }
}

/** Moves a finished file into place without replacing a file that appeared meanwhile. */
function placeNew(temporary: string, file: string): void {
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw error;
    // No hard links here (some file systems): check, then rename.
    if (existsSync(file)) throw Object.assign(new Error(`${file} exists`), { code: 'EEXIST' });
    renameSync(temporary, file);
    return;
  }
  unlinkSync(temporary);
}

/** Where a replaced file waits during commit: `.name.<tag>.flipbook.old`, cut to fit a name. */
function backupName(file: string, tag: string): string {
  const tail = `.${tag}.flipbook.old`;
  const bytes = Buffer.from(basename(file));
  let end = Math.min(bytes.length, NAME_MAX - 1 - Buffer.byteLength(tail));
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return join(dirname(file), `.${bytes.subarray(0, end).toString()}${tail}`);
}
