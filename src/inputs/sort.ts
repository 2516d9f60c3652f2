import { stat } from 'node:fs/promises';

export const SORT_ORDERS = ['natural', 'lexical', 'mtime', 'none'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * Natural order: digits compare as numbers, so 2.png comes before 10.png. Locale-independent.
 * Made at the first comparison: making it loads ICU's collation data (10-12 ms), which a
 * command that sorts nothing (info, split, --help) need not pay.
 */
let natural: Intl.Collator | undefined;

export function naturalCompare(a: string, b: string): number {
  natural ??= new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });
  return natural.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Paths that differ only in one number (`frame_1.png` ... `frame_480.png`, `00001.png` ...: a
 * folder of frames) in natural order without the collator, or undefined for any others: the
 * collator's order, which a test holds it to, without loading ICU's collation data (7 ms of a
 * stitch's start). The number is the last run of digits; what comes before it must be the same in
 * every path and not end in a digit of another script, what comes after the same and not start with
 * one or with a combining mark; numbers of different widths must have no leading zeros (the
 * collator holds 01 and 1 equal, then orders them as text).
 */
export function numberedOrder(paths: readonly string[]): string[] | undefined {
  const [first] = paths;
  if (first === undefined) return [];
  const shape = /^(.*?)([0-9]{1,15})([^0-9]*)$/s;
  const head = shape.exec(first);
  if (!head) return undefined;
  const [, prefix, , suffix] = head as unknown as [string, string, string, string];
  if (/\p{Nd}$/u.test(prefix) || /^[\p{Nd}\p{M}]/u.test(suffix)) return undefined;
  const numbers = new Map<string, string>();
  let width = -1;
  let sameWidth = true;
  let leadingZero = false;
  for (const path of paths) {
    if (!path.startsWith(prefix) || !path.endsWith(suffix) || path.length <= prefix.length + suffix.length) return undefined;
    const digits = path.slice(prefix.length, path.length - suffix.length);
    if (!/^[0-9]{1,15}$/.test(digits)) return undefined;
    if (width !== -1 && digits.length !== width) sameWidth = false;
    width = digits.length;
    if (digits.length > 1 && digits.startsWith('0')) leadingZero = true;
    numbers.set(path, digits);
  }
  if (leadingZero && !sameWidth) return undefined;
  const value = (path: string): number => Number(numbers.get(path));
  return [...paths].sort((a, b) => value(a) - value(b));
}

/** Returns a new array in the asked order; `none` keeps the order given. */
export async function sortPaths(paths: readonly string[], order: SortOrder): Promise<string[]> {
  switch (order) {
    case 'none':
      return [...paths];
    case 'lexical':
      return [...paths].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    case 'natural':
      return numberedOrder(paths) ?? [...paths].sort(naturalCompare);
    case 'mtime': {
      const times = new Map<string, number>();
      for (const path of new Set(paths)) times.set(path, (await stat(path)).mtimeMs);
      return [...paths].sort((a, b) => (times.get(a) ?? 0) - (times.get(b) ?? 0) || naturalCompare(a, b));
    }
  }
}
