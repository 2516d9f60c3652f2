import { existsSync, linkSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { onExit } from 'signal-exit';

import { FlipbookError, opt, systemReason, text } from '../errors.js';
import { type Owner, ownOwner, ownerAlive } from './owner.js';
import { NAME_MAX, PART_SUFFIX, checkNameLength, checkOutput, outputDirectoryError, removeQuietly, temporaryName } from './safe-output.js';

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
 *
 * A SIGKILL before the commit leaves temporary files that nothing removes. So that the next
 * split can tell them from those of a split still running, every directory gets a lock file
 * (`.flipbook-split.<tag>.lock`: the writing process's id, host and start time) before the
 * first temporary file of the run is written there, and the temporary names carry the same
 * tag; removeLeftovers() removes the temporaries of a tag whose process is gone.
 */
export class FrameFiles {
  private readonly options: FrameFilesOptions;
  private readonly pending: Pending[] = [];
  /** Directories made (or being made) ready by write, with their lock file. */
  private readonly directories = new Map<string, Promise<void>>();
  /** Directories created for the output, deepest last. */
  private readonly created: string[] = [];
  private removeExitHook: (() => void) | undefined;
  private state: 'open' | 'committed' | 'removed' = 'open';
  /** Makes this run's temporary and backup names unique, also when long names are cut. */
  private readonly tag = randomBytes(4).toString('hex');
  /** The lock files written, one per directory (removed after the temporaries). */
  private readonly locks: string[] = [];

  constructor(options: FrameFilesOptions) {
    this.options = options;
    liveTags.add(this.tag);
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
      throw outputDirectoryError(dir, cause);
    }
  }

  /** Writes one file completely under a temporary name (making its directory); commit() moves it into place. */
  async write(file: string, bytes: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new FlipbookError('IO', `The frame files were already ${this.state}`);
    checkNameLength(file);
    await checkOutput(file, { overwrite: this.options.overwrite, inputs: this.options.inputs });
    const dir = resolve(dirname(file));
    // Once a directory, also for writes that run side by side: the first one prepares it, the others wait.
    let ready = this.directories.get(dir);
    if (!ready) {
      ready = this.prepare(dir, file);
      this.directories.set(dir, ready);
    }
    await ready;
    const entry = { file, temporary: temporaryName(resolve(file), `${this.tag}-${this.pending.length}`) };
    // Listed before it is written: whatever happens next, clean-up knows the name.
    this.pending.push(entry);
    try {
      await writeFile(entry.temporary, bytes, { flag: 'wx' });
    } catch (cause) {
      removeQuietly(entry.temporary);
      throw new FlipbookError('IO', `Cannot write ${file}: ${systemReason(cause)}`, { file, cause });
    }
  }

  /** Makes the directory and, before the first temporary file there, the lock that says whose they are. */
  private async prepare(dir: string, file: string): Promise<void> {
    await this.directory(dir);
    const lock = join(dir, lockName(this.tag));
    this.locks.push(lock);
    try {
      await writeFile(lock, JSON.stringify(ownOwner()), { flag: 'wx' });
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot write ${file}: ${systemReason(cause)}`, { file, cause });
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
          hint: text`Pass ${opt('overwrite', true)} to replace it`,
        });
      }
      throw new FlipbookError('IO', `Cannot move the finished file to ${failed}: ${systemReason(cause)}; no file was written`, { file: failed, cause });
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
    for (const lock of this.locks.splice(0)) removeQuietly(lock);
    this.release('committed');
  }

  /** Removes every temporary file and the directories created for them. Never throws. */
  async rollback(): Promise<void> {
    if (this.state !== 'open') return;
    for (const { temporary } of this.pending.splice(0)) removeQuietly(temporary);
    for (const lock of this.locks.splice(0)) removeQuietly(lock);
    for (const dir of this.created.splice(0).reverse()) await rmdir(dir).catch(() => undefined);
    this.release('removed');
  }

  private release(state: 'committed' | 'removed'): void {
    this.state = state;
    liveTags.delete(this.tag);
    this.removeExitHook?.();
    this.removeExitHook = undefined;
  }

  /** The exit hook's clean-up: synchronous, and it never throws. */
  private removeSync(): void {
    for (const { temporary } of this.pending.splice(0)) removeQuietly(temporary);
    for (const lock of this.locks.splice(0)) removeQuietly(lock);
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

/** Undoes a commit stopped while moving: the replaced files back, the new ones out (with `act` false, only counts). */
function undoCommit(journal: Journal, act: boolean): { restored: number; removed: number } {
  let restored = 0;
  let removed = 0;
  for (const { file, temporary, backup } of journal.entries) {
    const pending = exists(temporary);
    if (backup !== undefined && exists(backup)) {
      // The user's file, moved aside: back to its name (over the new file, if it was placed).
      if (act) renameSync(backup, file);
      restored++;
    } else if (!pending && exists(file)) {
      // Moved into place where no file was: the new file goes.
      if (act) unlinkSync(file);
      removed++;
    } else if (pending && sameFile(temporary, file)) {
      // Linked into place (no overwrite), its temporary name not yet removed.
      if (act) unlinkSync(file);
      removed++;
    }
    if (pending && act) removeQuietly(temporary);
  }
  return { restored, removed };
}

/** What the recoveries are told: with `dryRun`, they only say what they would do. */
export interface RecoveryOptions {
  dryRun?: boolean;
}

/** The dry run's words at the end of a sentence. */
const NOTHING_CHANGED = ' (dry run: nothing was changed)';

/**
 * After a split was killed (SIGKILL) while it committed its frames: finishes or undoes that
 * commit in `dir` from its journal, so the folder holds either all the old files or all the
 * new ones, never a mix, and no file of the user's is lost. A commit stopped while moving files
 * is undone (the replaced files get their names and bytes back, the new files go); one stopped
 * after every file was in place is finished (the replaced files' backups are removed, as the
 * run meant). A backup without a journal (`.name.<tag>.flipbook.old`, left by an older
 * version) is moved back when its file is missing, and otherwise left beside it. A journal of a
 * live process is left alone. Returns what was done, a sentence per commit, for a warning;
 * with `dryRun`, changes nothing and says what it would do.
 */
export function recoverInterruptedCommits(dir: string, { dryRun = false }: RecoveryOptions = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const act = !dryRun;
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
        if (act) removeQuietly(journalFile);
        continue;
      }
      said.push(`${journalFile} is the record of an interrupted split but cannot be read; it was left in place with the files beside it`);
      continue;
    }
    for (const entry of journal.entries) if (entry.backup) handled.add(entry.backup);
    if (processAlive(journal.pid)) continue;
    // The next version of the record, if the kill came while it was written.
    if (!first && act) removeQuietly(`${journalFile}.part`);
    try {
      if (journal.phase === 'placed') {
        const backups = journal.entries.filter((e) => e.backup !== undefined && exists(e.backup));
        if (act) {
          for (const e of backups) removeQuietly(e.backup as string);
          removeQuietly(journalFile);
        }
        said.push(
          act
            ? `A split into ${dir} was stopped (killed) after it had put all ${journal.entries.length} new files in place: finished it, removing ${backups.length} backup file(s) of the files it replaced`
            : `A split into ${dir} was stopped (killed) after it had put all ${journal.entries.length} new files in place: a split would finish it, removing ${backups.length} backup file(s) of the files it replaced${NOTHING_CHANGED}`,
        );
      } else {
        const { restored, removed } = undoCommit(journal, act);
        if (act) removeQuietly(journalFile);
        said.push(
          act
            ? `A split into ${dir} was stopped (killed) while it moved its files into place: undid it, ${restored} replaced file(s) restored from their backups (.flipbook.old) and ${removed} new file(s) removed; the folder is as it was before that split`
            : `A split into ${dir} was stopped (killed) while it moved its files into place: a split would undo it, restoring ${restored} replaced file(s) from their backups (.flipbook.old) and removing ${removed} new file(s)${NOTHING_CHANGED}`,
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
        if (act) renameSync(join(dir, name), file);
        moved++;
        continue;
      } catch {
        // Left where it is, and said below.
      }
    }
    left.push(join(dir, name));
  }
  if (moved) {
    said.push(
      `${moved} file(s) in ${dir} were found under backup names (.flipbook.old) left by an interrupted split, with their own names free: ${act ? 'moved back' : `a split would move them back${NOTHING_CHANGED}`}`,
    );
  }
  if (left.length) said.push(`${left.length} backup file(s) left by an interrupted split are in ${dir}, beside files of the same name, and were left alone: ${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}`);
  return said;
}

/** The lock file of a run's temporary files in one directory. */
function lockName(tag: string): string {
  return `${LOCK_PREFIX}${tag}${LOCK_SUFFIX}`;
}

const LOCK_PREFIX = '.flipbook-split.';
const LOCK_SUFFIX = '.lock';

/** Who writes a run's temporary files (owner.ts). */
type Lock = Owner;

/** Tags of this process's runs still open: the pid is ours, and only these are alive. */
const liveTags = new Set<string>();

/**
 * Whether the run that wrote `lock` may still be writing (ownerAlive). This process's own pid is
 * a run of this process only while that run is open.
 */
function lockHolderAlive(lock: Lock, tag: string): boolean {
  const self = ownOwner();
  if (lock.host === self.host && lock.pid === self.pid) return ownerAlive(lock) && liveTags.has(tag);
  return ownerAlive(lock);
}

/** A lock file that cannot be read this long after it was made was cut short by a kill, not being written. */
const UNREADABLE_LOCK_AGE_MS = 60_000;

/**
 * Removes the temporary files (`.name.<tag>-<n>.flipbook.part`) that a split killed before its
 * commit (SIGKILL, a crash) left in `dir`, with their lock files. Temporaries whose lock names a
 * process that still runs (or one on another host) are left alone, and so are those of a commit
 * with a journal (recoverInterruptedCommits' work, which runs first) and those without a lock
 * (older versions, other tools). Returns one sentence for a warning, or nothing when no
 * temporary file was found; with `dryRun`, removes nothing and says what it would remove.
 */
export function removeLeftovers(dir: string, { dryRun = false }: RecoveryOptions = {}): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  let removed = 0;
  const pids = new Set<number>();
  for (const name of names) {
    if (!name.startsWith(LOCK_PREFIX) || !name.endsWith(LOCK_SUFFIX)) continue;
    const tag = name.slice(LOCK_PREFIX.length, -LOCK_SUFFIX.length);
    if (!/^[0-9a-f]{8}$/.test(tag)) continue;
    // A commit's journal of this run is still there: the commit recovery's (it is live or failed).
    if (names.some((n) => n.startsWith(`${JOURNAL_PREFIX}${tag}${JOURNAL_SUFFIX}`))) continue;
    const lockFile = join(dir, name);
    let lock: Lock | undefined;
    try {
      lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Lock;
      if (typeof lock.pid !== 'number' || typeof lock.host !== 'string') throw new Error('not a lock');
    } catch {
      lock = undefined;
      // Empty or cut: being written this instant, or cut by a kill as it was; only age tells.
      const made = statSync(lockFile, { throwIfNoEntry: false });
      if (!made || Date.now() - made.mtimeMs < UNREADABLE_LOCK_AGE_MS) continue;
    }
    if (lock && lockHolderAlive(lock, tag)) continue;
    // temporaryName()'s `.name.<tag>-<n>.flipbook.part`, the name cut or not (the tag is hex).
    const partOfTag = new RegExp(`^\\.[^]*\\.${tag}-\\d+${PART_SUFFIX.replaceAll('.', '\\.')}$`);
    const parts = names.filter((n) => partOfTag.test(n));
    if (!dryRun) {
      for (const part of parts) removeQuietly(join(dir, part));
      removeQuietly(lockFile);
    }
    removed += parts.length;
    if (parts.length && lock) pids.add(lock.pid);
  }
  if (removed === 0) return [];
  const who = pids.size ? ` (process ${[...pids].join(', ')}, no longer running)` : '';
  return [
    dryRun
      ? `${removed} temporary file(s) (.flipbook.part) in ${dir} were left by a split killed while writing${who}: a split would remove them${NOTHING_CHANGED}`
      : `Removed ${removed} temporary file(s) (.flipbook.part) from ${dir}, left by a split killed while writing${who}`,
  ];
}

/** Both recoveries of a folder, in order: an interrupted commit first, then the leftovers of an interrupted write. */
export function recoverInterruptedSplits(dir: string, options: RecoveryOptions = {}): string[] {
  return [...recoverInterruptedCommits(dir, options), ...removeLeftovers(dir, options)];
}
