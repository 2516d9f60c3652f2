import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { link, mkdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { onExit } from 'signal-exit';

import { FlipbookError, text, opt } from '../errors.js';

export interface OutputChecks {
  overwrite: boolean;
  /** Input files, which the output must never replace. */
  inputs: readonly string[];
}

/** Refuses an output that exists (unless overwriting) or that is one of the inputs. */
export async function checkOutput(destination: string, { overwrite, inputs }: OutputChecks): Promise<void> {
  const existing = await stat(destination).catch(() => undefined);
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

/**
 * A file written under a temporary name beside its destination and renamed into place only
 * when complete. Until then an error, an abort or the process ending (a signal, an exit)
 * removes it, so no half-written output is ever left.
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
      rmSync(this.temporary, { force: true });
    });
  }

  static async create(destination: string, checks: OutputChecks): Promise<SafeOutput> {
    await checkOutput(destination, checks);
    const dir = dirname(resolve(destination));
    try {
      await mkdir(dir, { recursive: true });
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot create the output directory ${dir}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
        file: destination,
        cause,
      });
    }
    const temporary = join(dir, `.${basename(destination)}.${randomBytes(4).toString('hex')}.flipbook.part`);
    return new SafeOutput(destination, temporary, checks.overwrite);
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
      throw new FlipbookError('IO', `Cannot move the finished file to ${this.destination}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, {
        file: this.destination,
        cause,
      });
    }
    this.release();
  }

  /** Removes the temporary file. */
  async discard(): Promise<void> {
    await rm(this.temporary, { force: true });
    this.release();
  }

  private release(): void {
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }
}
