import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** `%d`, `%05d` (and `%%` for a literal percent sign), as ffmpeg's image2 pattern. */
const PRINTF = /%(0?\d*)d/;

export function isSequencePattern(input: string): boolean {
  return PRINTF.test(input.replaceAll('%%', ''));
}

export function formatSequence(pattern: string, n: number): string {
  return pattern.replace(/%%|%0?(\d*)d/g, (match, width: string | undefined) => {
    if (match === '%%') return '%';
    const digits = String(n);
    // Padded with zeros whether or not the width starts with 0, as ffmpeg's image2 reads and
    // writes (av_get_frame_filename2 prints every `%Nd` as `%0Nd`), and as split writes.
    // A width past a file name's longest (255 bytes) names no file: padded to one more, which
    // exists nowhere, rather than to %999999999d's billion (a RangeError, Invalid string length).
    return width ? digits.padStart(Math.min(Number(width), 256), '0') : digits;
  });
}

/**
 * The files of a printf-style sequence, from `startNumber` (or, as ffmpeg does, the first of
 * 0 to 4 that exists) up to the first gap; `beyondGap`: the matching files numbered after it.
 */
export function expandSequence(pattern: string, startNumber?: number): { files: string[]; start: number; beyondGap?: { count: number; first: string } | undefined } {
  let start = startNumber;
  if (start === undefined) {
    start = 0;
    for (let n = 0; n <= 4; n++) {
      if (existsSync(formatSequence(pattern, n))) {
        start = n;
        break;
      }
    }
  }
  const files: string[] = [];
  let n = start;
  for (; ; n++) {
    const file = formatSequence(pattern, n);
    if (!existsSync(file)) break;
    files.push(file);
  }
  return { files, start, beyondGap: files.length ? filesBeyond(pattern, n) : undefined };
}

/** The glob that matches every number of a sequence: `img_%05d.png` -> `img_*.png`. */
export function sequenceGlob(pattern: string): string {
  return pattern.replace(/%%|%(0?)(\d*)d/g, (match) => (match === '%%' ? '%' : '*'));
}

/**
 * The files of the sequence numbered after `gap` (the first missing number), in the
 * pattern's folder: how many, and the first of them.
 */
function filesBeyond(pattern: string, gap: number): { count: number; first: string } | undefined {
  const dir = dirname(pattern);
  const name = basename(pattern);
  if (isSequencePattern(dir) || !isSequencePattern(name)) return undefined;
  const source = name
    .split(/(%%|%0?\d*d)/)
    .map((part, i) => (i % 2 === 0 ? part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : part === '%%' ? '%' : '(\\d+)'))
    .join('');
  const re = new RegExp(`^${source}$`);
  let entries: string[];
  try {
    entries = readdirSync(dir === '' ? '.' : dir);
  } catch {
    return undefined;
  }
  let count = 0;
  let first: { n: number; file: string } | undefined;
  for (const entry of entries) {
    const m = re.exec(entry);
    if (!m?.[1]) continue;
    const n = Number(m[1]);
    // Exactly as the pattern writes that number (img_007.png is not img_%05d.png's 7).
    if (n <= gap || formatSequence(name, n) !== entry) continue;
    count++;
    if (!first || n < first.n) first = { n, file: join(dir, entry) };
  }
  return first ? { count, first: first.file } : undefined;
}
