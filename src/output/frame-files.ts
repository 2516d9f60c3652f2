import { rmdirSync } from 'node:fs';
import { mkdir, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { onExit } from 'signal-exit';

import { FlipbookError } from '../errors.js';
import { SafeOutput, removeQuietly } from './safe-output.js';

export interface FrameFilesOptions {
  overwrite: boolean;
  /** Files that must never be written over (the video). */
  inputs: readonly string[];
}

/**
 * A set of files written one by one (the frames of a split), all or nothing: each file goes
 * through SafeOutput (a temporary name, then renamed into place, never over an existing file
 * unless overwriting), and until commit() an error, an abort or the process ending removes
 * every file written so far and the directories that were created for them. No half-filled
 * output folder is left behind.
 */
export class FrameFiles {
  private readonly options: FrameFilesOptions;
  private readonly written: string[] = [];
  /** Directories created for the output, deepest last. */
  private readonly created: string[] = [];
  private removeExitHook: (() => void) | undefined;
  private finished = false;

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

  /** Writes one file completely, then moves it into place. */
  async write(file: string, bytes: Uint8Array): Promise<void> {
    if (this.finished) throw new FlipbookError('IO', `The frame files were already ${this.removeExitHook ? 'committed' : 'removed'}`);
    const out = await SafeOutput.create(file, { overwrite: this.options.overwrite, inputs: this.options.inputs });
    try {
      await writeFile(out.temporary, bytes);
    } catch (cause) {
      await out.discard();
      throw new FlipbookError('IO', `Cannot write ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file, cause });
    }
    await out.commit();
    this.written.push(file);
  }

  get files(): readonly string[] {
    return this.written;
  }

  /** Keeps the files. */
  commit(): void {
    this.finished = true;
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }

  /** Removes every file written and the directories created for them. */
  async rollback(): Promise<void> {
    this.finished = true;
    for (const file of this.written.splice(0)) await unlink(file).catch(() => undefined);
    for (const dir of this.created.splice(0).reverse()) await rmdir(dir).catch(() => undefined);
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }

  private removeSync(): void {
    for (const file of this.written.splice(0)) removeQuietly(file);
    for (const dir of this.created.splice(0).reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty (someone else's files): leave it.
      }
    }
  }
}
