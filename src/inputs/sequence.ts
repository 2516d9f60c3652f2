import { existsSync } from 'node:fs';

/** `%d`, `%05d` (and `%%` for a literal percent sign), as ffmpeg's image2 pattern. */
const PRINTF = /%(0?\d*)d/;

export function isSequencePattern(input: string): boolean {
  return PRINTF.test(input.replaceAll('%%', ''));
}

export function formatSequence(pattern: string, n: number): string {
  return pattern.replace(/%%|%(0?)(\d*)d/g, (match, zero: string | undefined, width: string | undefined) => {
    if (match === '%%') return '%';
    const digits = String(n);
    return width ? digits.padStart(Number(width), zero ? '0' : ' ') : digits;
  });
}

/**
 * The files of a printf-style sequence, from `startNumber` (or, as ffmpeg does, the first of
 * 0 to 4 that exists) up to the first gap.
 */
export function expandSequence(pattern: string, startNumber?: number): { files: string[]; start: number } {
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
  for (let n = start; ; n++) {
    const file = formatSequence(pattern, n);
    if (!existsSync(file)) break;
    files.push(file);
  }
  return { files, start };
}
