import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

import { FlipbookError } from '../errors.js';
import { parseDuration } from '../options/values.js';

/** Extensions taken as a list file rather than an image. */
export const LIST_EXTENSIONS: ReadonlySet<string> = new Set(['.txt', '.ffconcat']);

export interface ListEntry {
  file: string;
  /** Seconds this image is shown; undefined: the run's default (hold, or one frame). */
  duration: number | undefined;
}

/**
 * Reads a slideshow list: one `path [duration]` per line (`photo.jpg 2.5s`), `#` comments,
 * blank lines ignored, paths relative to the list file. FFmpeg's concat syntax is read too
 * (`ffconcat version 1.0`, `file 'a.png'`, `duration 2`), so an existing list works as it is.
 */
export async function readListFile(list: string): Promise<ListEntry[]> {
  const text = await readFile(list, 'utf8').catch((cause: NodeJS.ErrnoException) => {
    throw new FlipbookError('INVALID_INPUT', `Cannot read the list ${list}: ${cause.code ?? String(cause)}`, { file: list, cause });
  });
  const base = dirname(list);
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(base, path).replace(`${process.cwd()}/`, ''));
  const entries: ListEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || /^ffconcat\s+version\b/i.test(line)) return;
    const where = `${list} line ${i + 1}`;
    const fail = (what: string): never => {
      throw new FlipbookError('INVALID_INPUT', `${where}: ${what}`, { file: list, hint: 'Write one "path [duration]" per line, such as: photo.jpg 2.5s' });
    };
    const directive = /^(file|duration)\s+(.+)$/i.exec(line);
    if (directive && directive[1]?.toLowerCase() === 'duration') {
      const last = entries.at(-1);
      if (!last) fail('a duration before any file');
      else last.duration = durationOn(directive[2] ?? '', fail);
      return;
    }
    const file = (path: string): string => {
      if (DATA_URI.test(path) && !existsSync(at(path))) fail(`${excerpt(path)} is a data: URI (${path.length} characters), not a file`);
      return at(path);
    };
    if (directive && directive[1]?.toLowerCase() === 'file') {
      entries.push({ file: file(unquote(directive[2] ?? '')), duration: undefined });
      return;
    }
    const split = /^(.*\S)\s+(\S+)$/.exec(line);
    if (split && /^\d/.test(split[2] ?? '')) entries.push({ file: file(unquote(split[1] ?? '')), duration: durationOn(split[2] ?? '', fail) });
    else entries.push({ file: file(unquote(line)), duration: undefined });
  });
  if (entries.length === 0) throw new FlipbookError('NO_INPUT', `The list ${list} names no image`, { file: list, hint: 'Write one "path [duration]" per line' });
  return entries;
}

/** `data:image/png;base64,...`: an image inside the list, which flipbook does not read. */
const DATA_URI = /^data:[^,]*,/i;

/** The start of a long entry for an error: its media type and a few characters, not kilobytes. */
function excerpt(text: string): string {
  const head = text.slice(0, text.indexOf(',') + 1 + 12);
  return head.length < text.length ? `"${head}..."` : `"${text}"`;
}

function durationOn(text: string, fail: (what: string) => never): number {
  try {
    return parseDuration(text, 'duration');
  } catch {
    return fail(`"${text}" is not a duration (2, 2.5s, 500ms)`);
  }
}

function unquote(text: string): string {
  const t = text.trim();
  return /^'.*'$|^".*"$/.test(t) ? t.slice(1, -1).replace(/'\\''/g, "'") : t;
}
