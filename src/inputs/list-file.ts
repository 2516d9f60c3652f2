import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';

import { FlipbookError, systemReason } from '../errors.js';
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
    throw new FlipbookError('INVALID_INPUT', `Cannot read the list ${list}: ${systemReason(cause)}`, { file: list, cause });
  });
  const base = dirname(list);
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(base, path).replace(`${process.cwd()}/`, ''));
  const entries: ListEntry[] = [];
  // FFmpeg's concat syntax: its directives, its quoting and escapes (av_get_token).
  const concat = list.toLowerCase().endsWith('.ffconcat') || /^\uFEFF?\s*ffconcat\s+version\b/i.test(text);
  text.split(/\r?\n/).forEach((raw, i) => {
    const whole = raw.replace(/^\uFEFF/, '').trim();
    if (whole === '' || whole.startsWith('#') || /^ffconcat\s+version\b/i.test(whole)) return;
    const where = `${list} line ${i + 1}`;
    const fail = (what: string): never => {
      throw new FlipbookError('INVALID_INPUT', `${where}: ${what}`, { file: list, hint: 'Write one "path [duration]" per line, such as: photo.jpg 2.5s' });
    };
    const file = (path: string): string => {
      if (DATA_URI.test(path) && !existsSync(at(path))) fail(`${excerpt(path)} is a data: URI (${path.length} characters), not a file`);
      return at(path);
    };
    const directive = /^(\w+)\s+(.+)$/.exec(whole);
    const keyword = directive?.[1]?.toLowerCase();
    if (directive && keyword === 'duration') {
      const last = entries.at(-1);
      if (!last) fail('a duration before any file');
      else last.duration = durationOn(withoutComment(directive[2] ?? ''), fail);
      return;
    }
    if (directive && keyword === 'file') {
      const { token, rest } = concatToken(directive[2] ?? '', fail);
      if (rest !== '' && !rest.startsWith('#')) fail(`one file a "file" line, then nothing but a comment (found ${JSON.stringify(rest)})`);
      entries.push({ file: file(token), duration: undefined });
      return;
    }
    if (concat && directive && keyword !== undefined && CONCAT_DIRECTIVES.has(keyword)) {
      fail(`flipbook reads the concat directives file and duration, not ${keyword}`);
    }
    // A quoted path (spaces, # in it), then perhaps a duration and a comment.
    const quoted = /^(['"])(.*)\1(?:\s+([^\s#]\S*))?\s*(?:#.*)?$/.exec(whole);
    if (quoted) {
      const path = quoted[1] === "'" ? (quoted[2] ?? '').replace(/'\\''/g, "'") : (quoted[2] ?? '');
      entries.push({ file: file(path), duration: quoted[3] === undefined ? undefined : durationOn(quoted[3], fail) });
      return;
    }
    const line = withoutComment(whole);
    if (line === '') return;
    const split = /^(.*\S)\s+(\S+)$/.exec(line);
    if (split && /^\d/.test(split[2] ?? '')) entries.push({ file: file(split[1] ?? ''), duration: durationOn(split[2] ?? '', fail) });
    else entries.push({ file: file(line), duration: undefined });
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

/** A line without its comment: from a # at its start or after a space. */
function withoutComment(text: string): string {
  return text.replace(/(^|\s)#.*$/, '').trim();
}

/** FFmpeg's concat directives other than file and duration, which flipbook does not read. */
const CONCAT_DIRECTIVES: ReadonlySet<string> = new Set(['inpoint', 'outpoint', 'file_packet_meta', 'file_packet_metadata', 'option', 'stream', 'exact_stream_id', 'stream_meta', 'stream_codec', 'stream_extradata', 'chapter']);

/**
 * The first token of a concat line, as FFmpeg's av_get_token reads it: a backslash makes the
 * next character plain, single quotes keep what is between them (spaces, #) as it is; it ends
 * at a blank outside quotes. `rest`: what follows it, trimmed.
 */
function concatToken(text: string, fail: (what: string) => never): { token: string; rest: string } {
  let token = '';
  let i = 0;
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  for (; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '\\' && i + 1 < text.length) {
      token += text[++i];
      continue;
    }
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail(`a quote that is not closed: ${text}`);
      token += text.slice(i + 1, end);
      i = end;
      continue;
    }
    if (/\s/.test(c)) break;
    token += c;
  }
  return { token, rest: text.slice(i).trim() };
}
