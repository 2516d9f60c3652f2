import { readdir as readdirCallback, realpath as realpathCallback, stat as statCallback } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

import { FlipbookError, NOT_UTF8_HINT, NOT_UTF8_REASON, type Text, notUtf8, opt, text } from '../errors.js';
import { HEIF_EXTENSIONS, IMAGE_EXTENSIONS } from './image-types.js';
import { LIST_EXTENSIONS, readListFile } from './list-file.js';
import { expandSequence, isSequencePattern, sequenceGlob } from './sequence.js';
import { type SortOrder, naturalCompare, numberedOrder, sortPaths } from './sort.js';

export type InputKind = 'file' | 'glob' | 'directory' | 'sequence' | 'list';

export interface DiscoveredInputs {
  /** The files in the order they become frames (a path may repeat). */
  files: string[];
  /** Per input argument: what it was taken as and how many files it gave. */
  sources: { input: string; kind: InputKind; count: number }[];
  /** Files that a glob or a directory matched but are not images, skipped. */
  notImages: string[];
  /** HEIC/HEIF/AVIF files a glob or a directory matched, skipped (flipbook does not read them). */
  heifImages: string[];
  /** Notes for the user (said once each). */
  notices: Text[];
  /** Seconds per file, parallel to `files`, where a list file gives one. */
  durations: (number | undefined)[];
}

export interface DiscoverOptions {
  /** Order of glob and directory matches; given explicitly, it orders the whole list. */
  sort?: SortOrder | undefined;
  /** First number of a `%05d` sequence. */
  startNumber?: number | undefined;
}

/**
 * Turns the user's inputs (paths, globs, directories, printf sequences) into the list of
 * files, in frame order. Globs are expanded here, not by FFmpeg or the shell, so they work
 * the same on every platform.
 */
export async function discoverInputs(inputs: readonly string[], options: DiscoverOptions = {}): Promise<DiscoveredInputs> {
  if (inputs.length === 0) {
    throw new FlipbookError('NO_INPUT', 'No inputs were given', {
      option: 'inputs',
      hint: 'Pass image files, a directory, a glob such as "frames/*.png" or a sequence such as img_%05d.png',
    });
  }
  const result: DiscoveredInputs = { files: [], sources: [], notImages: [], heifImages: [], notices: [], durations: [] };
  const groupOrder = options.sort ?? 'natural';
  let literalCount = 0;
  for (const input of inputs) {
    const kind = await classify(input);
    let files: string[];
    let durations: (number | undefined)[] | undefined;
    if (kind === 'list') {
      const entries = await readListFile(input);
      files = entries.map((e) => e.file);
      durations = entries.map((e) => e.duration);
    } else if (kind === 'file') {
      files = [input];
      literalCount++;
    } else if (kind === 'sequence') {
      const { files: seq, start, beyondGap } = expandSequence(input, options.startNumber);
      if (seq.length === 0) {
        throw new FlipbookError('NO_INPUT', `The sequence ${input} matched no file (looked for number ${start}${options.startNumber === undefined ? ' to 4' : ''})`, {
          file: input,
          hint: text`Check the pattern and the start number (${opt('startNumber')})`,
        });
      }
      files = seq;
      if (beyondGap) {
        result.notices.push(
          `The sequence ${input} stops at ${seq[seq.length - 1]}: ${beyondGap.count} more matching file(s) come after the gap, from ${beyondGap.first}. To include them, pass the glob "${sequenceGlob(input)}" (quoted) instead`,
        );
      }
    } else {
      const unread: UnreadFolder[] = [];
      const broken: string[] = [];
      const matched = kind === 'directory' ? await listDirectory(input, broken) : await expandGlob(input, unread, broken);
      if (broken.length) {
        broken.sort();
        result.notices.push(`Skipped ${broken.length} broken symbolic link(s) in ${input}: ${broken.slice(0, 3).join(', ')}${broken.length > 3 ? ', ...' : ''}`);
      }
      const tooLong = unread.filter((u) => u.code === 'ENAMETOOLONG');
      if (tooLong.length) result.notices.push(tooLongNotice(input, tooLong));
      const images = matched.filter((file) => IMAGE_EXTENSIONS.has(extname(file).toLowerCase()));
      const others = matched.filter((file) => !images.includes(file));
      const heif = others.filter((file) => HEIF_EXTENSIONS.has(extname(file).toLowerCase()));
      result.heifImages.push(...heif);
      result.notImages.push(...others.filter((file) => !heif.includes(file)));
      if (images.length === 0) {
        const what = kind === 'directory' ? `The directory ${input} holds no image file` : `The pattern ${input} matched no image file`;
        const held = heif.length ? ` (${heif.length} HEIC/HEIF/AVIF file(s), a format flipbook does not read: convert them to JPEG or PNG${others.length > heif.length ? `; ${others.length - heif.length} other files` : ''})` : others.length ? ` (${others.length} other files)` : '';
        throw new FlipbookError('NO_INPUT', what + held, {
          file: input,
          hint: `flipbook reads ${[...IMAGE_EXTENSIONS].join(' ')}; check the path${kind === 'glob' ? ' and quote the pattern so the shell does not expand it' : ''}`,
        });
      }
      files = await sortPaths(images, groupOrder);
    }
    result.sources.push({ input, kind, count: files.length });
    result.files.push(...files);
    result.durations.push(...(durations ?? files.map(() => undefined)));
  }
  if (options.sort !== undefined && result.sources.some((s) => s.kind === 'list')) {
    throw new FlipbookError('INVALID_OPTION', text`A list file keeps its own order: ${opt('sort')} cannot reorder it`, { option: 'sort', hint: text`Drop ${opt('sort')}, or order the lines of the list` });
  }
  if (options.sort !== undefined && result.sources.some((s) => s.kind === 'file')) {
    result.files = await sortPaths(result.files, options.sort);
  } else if (literalCount > 2 && looksShellExpanded(result.files)) {
    result.notices.push(
      text`The files are in lexical order (1, 10, 2): a shell expanded the pattern. flipbook keeps the order given; quote the pattern ("frames/*.png") or pass ${opt('sort', 'natural')} for 1, 2, 10`,
    );
  }
  if (result.heifImages.length) {
    const sample = result.heifImages.slice(0, 3).join(', ');
    result.notices.push(
      `Skipped ${result.heifImages.length} HEIC/HEIF/AVIF image(s), a format flipbook does not read: ${sample}${result.heifImages.length > 3 ? ', ...' : ''}. Convert them to JPEG or PNG to include them`,
    );
  }
  if (result.notImages.length) {
    const sample = result.notImages.slice(0, 3).join(', ');
    result.notices.push(`Skipped ${result.notImages.length} file(s) that are not images: ${sample}${result.notImages.length > 3 ? ', ...' : ''}`);
  }
  return result;
}

async function classify(input: string): Promise<InputKind> {
  const info = await stat(input).catch(() => undefined);
  if (info?.isDirectory()) return 'directory';
  if (info?.isFile()) return LIST_EXTENSIONS.has(extname(input).toLowerCase()) ? 'list' : 'file';
  if (isSequencePattern(input)) return 'sequence';
  // A pattern with its special characters escaped (a \[1\].png, for the file "a [1].png") is no
  // wildcard, but a glob all the same: it matches that name.
  if (isDynamicPattern(toGlobPattern(input)) || (process.platform !== 'win32' && /\\[[\]*?{}()!]/.test(input))) return 'glob';
  if (!info && notUtf8(input)) throw new FlipbookError('NO_INPUT', `Input not found: ${input}; ${NOT_UTF8_REASON}`, { file: input, hint: NOT_UTF8_HINT });
  throw new FlipbookError('NO_INPUT', info ? `${input} is not a file or a directory` : `Input not found: ${input}`, {
    file: input,
    hint: 'Check the path; a glob needs a wildcard such as frames/*.png',
  });
}

/** Backslashes are path separators on Windows, escapes in a glob: make them slashes there. */
function toGlobPattern(input: string): string {
  return process.platform === 'win32' ? input.replaceAll('\\', '/') : input;
}

/** A folder a glob walked into but could not list, and why (an errno code). */
interface UnreadFolder {
  path: string;
  code: string;
}

/**
 * The glob's matches. tinyglobby (through fdir) skips a folder it cannot list without a word;
 * its `fs` option lets the walk's own readdir/realpath calls report such folders in `unread`,
 * so a folder whose path is past PATH_MAX is said rather than silently left out.
 */
async function expandGlob(pattern: string, unread: UnreadFolder[], broken: string[]): Promise<string[]> {
  /** Symbolic links to images the walk could not follow (target gone, a loop), by absolute path. */
  const links = new Map<string, string>();
  const noted = (path: unknown, error: NodeJS.ErrnoException | null): void => {
    if (error?.code && error.code !== 'ENOENT' && error.code !== 'ENOTDIR') unread.push({ path: withoutTrailingSlash(String(path)), code: error.code });
  };
  const fs = {
    readdir: ((path: string, options: object, callback: (error: NodeJS.ErrnoException | null, entries: unknown) => void) =>
      readdirCallback(path, options as { withFileTypes: true }, (error, entries) => {
        noted(path, error);
        callback(error, entries);
      })) as unknown as typeof readdirCallback,
    // fdir resolves every symbolic link it meets with realpath, and leaves out one that fails.
    realpath: ((path: string, callback: (error: NodeJS.ErrnoException | null, resolved: string) => void) =>
      realpathCallback(path, (error, resolved) => {
        noted(path, error);
        if ((error?.code === 'ENOENT' || error?.code === 'ELOOP') && IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) links.set(resolve(path), error.code);
        callback(error, resolved);
      })) as unknown as typeof realpathCallback,
  };
  const options = { onlyFiles: true, dot: false, expandDirectories: false, absolute: isAbsolute(pattern) };
  const matched = await glob(toGlobPattern(pattern), { ...options, fs });
  if (links.size > 0) {
    // Which of those links the pattern names: the walk again, with them shown as files. Rare
    // (a broken link among the folders walked), so the common walk costs nothing more.
    const asFiles = {
      ...fs,
      realpath: ((path: string, callback: (error: NodeJS.ErrnoException | null, resolved: string) => void) => {
        if (links.has(resolve(path))) callback(null, path);
        else realpathCallback(path, callback);
      }) as unknown as typeof realpathCallback,
      stat: ((path: string, callback: (error: NodeJS.ErrnoException | null, stats: unknown) => void) => {
        if (links.has(resolve(path))) callback(null, { isDirectory: () => false, isFile: () => true });
        else statCallback(path, callback);
      }) as unknown as typeof statCallback,
    };
    const found = new Set(matched);
    for (const file of await glob(toGlobPattern(pattern), { ...options, fs: asFiles })) {
      const why = links.get(resolve(file));
      if (!found.has(file) && why !== undefined) broken.push(`${file} (${why === 'ELOOP' ? 'a loop of links' : 'its target does not exist'})`);
    }
  }
  return matched;
}

/** fdir walks `dir/`: the folder is `dir`. */
function withoutTrailingSlash(path: string): string {
  let end = path.length;
  while (end > 1 && (path[end - 1] === '/' || path[end - 1] === sep)) end--;
  return path.slice(0, end);
}

/** Folders a glob could not enter because their path is longer than the system allows. */
function tooLongNotice(input: string, folders: readonly UnreadFolder[]): string {
  const first = folders[0] as UnreadFolder;
  const more = folders.length > 1 ? ` and ${folders.length - 1} more folder(s)` : '';
  return `The pattern ${input} left out what is in the folder ${shortPath(first.path)}${more}: its path is too long (${first.path.length} characters, past the system's path limit, ENAMETOOLONG), so it could not be read. Move those files to a shorter path to include them`;
}

/** A path of thousands of characters, cut in the middle so a warning stays readable. */
function shortPath(path: string): string {
  return path.length <= 160 ? path : `${path.slice(0, 60)}...${path.slice(-90)}`;
}

/**
 * A directory's files, symbolic links to files included (followed). A broken link (its target
 * gone, or a loop of links) is left out, and listed in `broken` with why, so that a frame
 * missing from the folder is said rather than silently dropped.
 */
async function listDirectory(dir: string, broken: string[]): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isFile()) files.push(path);
    else if (e.isSymbolicLink()) {
      const target = await stat(path).catch((cause: NodeJS.ErrnoException) => cause);
      if (!(target instanceof Error)) {
        if (target.isFile()) files.push(path);
      } else if (IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) {
        broken.push(`${path} (${target.code === 'ELOOP' ? 'a loop of links' : target.code === 'ENOENT' ? 'its target does not exist' : (target.code ?? 'unreadable')})`);
      }
    }
  }
  return files;
}

function looksShellExpanded(files: readonly string[]): boolean {
  if (new Set(files).size !== files.length) return false;
  const lexical = [...files].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const naturalOrder = numberedOrder(files) ?? [...files].sort(naturalCompare);
  return files.every((f, i) => f === lexical[i]) && files.some((f, i) => f !== naturalOrder[i]);
}
