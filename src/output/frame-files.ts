import { existsSync, linkSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
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
 * Only SIGKILL (or a crash of the machine) can stop it half way: for that, commit() first
 * writes a journal beside the files (`.flipbook-commit.<tag>.json`: every move, and whether all
 * were made), and the next split into that folder finishes or undoes the commit from it
 * (recoverInterruptedCommits).
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
    const journal: Journal = {
      pid: process.pid,
      phase: 'moving',
      entries: this.pending.map(({ file, temporary }, index) => ({ file: resolve(file), temporary: resolve(temporary), backup: this.options.overwrite ? resolve(backupName(file, `${this.tag}-${index}`)) : undefined })),
    };
    const journalFile = this.pending.length ? join(dirname(resolve((this.pending[0] as Pending).file)), `${JOURNAL_PREFIX}${this.tag}${JOURNAL_SUFFIX}`) : undefined;
    try {
      if (journalFile) writeJournal(journalFile, journal);
      for (const [index, { file, temporary }] of this.pending.entries()) {
        current = file;
        if (this.options.overwrite) {
          const backup = journal.entries[index]?.backup as string;
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
      if (journalFile) removeQuietly(journalFile);
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
    // Every file is in place: from here a recovery finishes the commit rather than undoing it.
    if (journalFile) {
      try {
        writeJournal(journalFile, { ...journal, phase: 'placed' });
      } catch {
        // The journal still says 'moving' and lists the backups: they are removed just below.
      }
    }
    for (const { backup } of placed) if (backup !== undefined) removeQuietly(backup);
    if (journalFile) removeQuietly(journalFile);
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

/** The record of a commit in progress, for finishing or undoing it after a SIGKILL. */
interface Journal {
  /** The process that commits (a live one is left alone). */
  pid: number;
  /** `moving`: files may be half moved (undo); `placed`: all in place, backups to remove. */
  phase: 'moving' | 'placed';
  /** In commit order, absolute paths; `backup` where an existing file would be moved aside. */
  entries: { file: string; temporary: string; backup: string | undefined }[];
}

const JOURNAL_PREFIX = '.flipbook-commit.';
const JOURNAL_SUFFIX = '.json';
const BACKUP_SUFFIX = '.flipbook.old';

/** Writes the journal whole (a temporary name, then a rename), so it is never read half written. */
function writeJournal(file: string, journal: Journal): void {
  const temporary = `${file}.part`;
  writeFileSync(temporary, JSON.stringify(journal));
  renameSync(temporary, file);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Undoes a commit stopped while moving: the replaced files back, the new ones out. */
function undoCommit(journal: Journal): { restored: number; removed: number } {
  let restored = 0;
  let removed = 0;
  for (const { file, temporary, backup } of journal.entries) {
    const pending = exists(temporary);
    if (backup !== undefined && exists(backup)) {
      // The user's file, moved aside: back to its name (over the new file, if it was placed).
      renameSync(backup, file);
      restored++;
    } else if (!pending && exists(file)) {
      // Moved into place where no file was: the new file goes.
      unlinkSync(file);
      removed++;
    } else if (pending && sameFile(temporary, file)) {
      // Linked into place (no overwrite), its temporary name not yet removed.
      unlinkSync(file);
      removed++;
    }
    if (pending) removeQuietly(temporary);
  }
  return { restored, removed };
}

/**
 * After a split was killed (SIGKILL) while it committed its frames: finishes or undoes that
 * commit in `dir` from its journal, so the folder holds either all the old files or all the
 * new ones, never a mix, and no file of the user's is lost. A commit stopped while moving files
 * is undone (the replaced files get their names and bytes back, the new files go); one stopped
 * after every file was in place is finished (the replaced files' backups are removed, as the
 * run meant). A backup without a journal (`.name.<tag>.flipbook.old`, left by an older
 * version) is moved back when its file is missing, and otherwise left beside it. A journal of a
 * live process is left alone. Returns what was done, a sentence per commit, for a warning.
 */
export function recoverInterruptedCommits(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const said: string[] = [];
  const handled = new Set<string>();
  for (const name of names) {
    // A record, or the first one being written (`.json.part`: nothing was moved yet).
    const first = name.endsWith(`${JOURNAL_SUFFIX}.part`) && !names.includes(name.slice(0, -'.part'.length));
    if (!name.startsWith(JOURNAL_PREFIX) || !(name.endsWith(JOURNAL_SUFFIX) || first)) continue;
    const journalFile = join(dir, name);
    let journal: Journal;
    try {
      journal = JSON.parse(readFileSync(journalFile, 'utf8')) as Journal;
      if (!Array.isArray(journal.entries)) throw new Error('no entries');
    } catch {
      if (first) {
        // Cut short while written: the moves had not begun.
        removeQuietly(journalFile);
        continue;
      }
      said.push(`${journalFile} is the record of an interrupted split but cannot be read; it was left in place with the files beside it`);
      continue;
    }
    for (const entry of journal.entries) if (entry.backup) handled.add(entry.backup);
    if (processAlive(journal.pid)) continue;
    // The next version of the record, if the kill came while it was written.
    if (!first) removeQuietly(`${journalFile}.part`);
    try {
      if (journal.phase === 'placed') {
        const backups = journal.entries.filter((e) => e.backup !== undefined && exists(e.backup));
        for (const e of backups) removeQuietly(e.backup as string);
        removeQuietly(journalFile);
        said.push(
          `A split into ${dir} was stopped (killed) after it had put all ${journal.entries.length} new files in place: finished it, removing ${backups.length} backup file(s) of the files it replaced`,
        );
      } else {
        const { restored, removed } = undoCommit(journal);
        removeQuietly(journalFile);
        said.push(
          `A split into ${dir} was stopped (killed) while it moved its files into place: undid it, ${restored} replaced file(s) restored from their backups (.flipbook.old) and ${removed} new file(s) removed; the folder is as it was before that split`,
        );
      }
    } catch (cause) {
      said.push(`A split into ${dir} was stopped (killed) while it moved its files into place, and undoing it failed (${(cause as NodeJS.ErrnoException).code ?? String(cause)}): the files are as found, with the record ${journalFile}`);
    }
  }
  // Backups no journal accounts for.
  const orphans = names.filter((n) => n.startsWith('.') && n.endsWith(BACKUP_SUFFIX) && !handled.has(resolve(dir, n)));
  const left: string[] = [];
  let moved = 0;
  for (const name of orphans) {
    const match = /^\.(.+)\.[0-9a-f]{8}-\d+\.flipbook\.old$/.exec(name);
    const file = match ? join(dir, match[1] as string) : undefined;
    if (file !== undefined && !exists(file)) {
      try {
        renameSync(join(dir, name), file);
        moved++;
        continue;
      } catch {
        // Left where it is, and said below.
      }
    }
    left.push(join(dir, name));
  }
  if (moved) said.push(`${moved} file(s) in ${dir} were found under backup names (.flipbook.old) left by an interrupted split, with their own names free: moved back`);
  if (left.length) said.push(`${left.length} backup file(s) left by an interrupted split are in ${dir}, beside files of the same name, and were left alone: ${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}`);
  return said;
}
