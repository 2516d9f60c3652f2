/** `512 B`, `56.7 kB`, `9.81 MB`: decimal units, as sizes are given (`maxSize: '8MB'`, `embedLimit`). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 'B';
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

/** A count and its noun, singular for one: `1 png file`, `2 png files`, `1 frame`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** Quotes a word for a POSIX shell where it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Sorted whole numbers as runs of consecutive ones: 3, 5, 6, 7 is [3, 3], [5, 7]. */
export function numberRuns(sorted: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const n of sorted) {
    const last = runs.at(-1);
    if (last && n === last[1] + 1) last[1] = n;
    else runs.push([n, n]);
  }
  return runs;
}

/** Sorted frame numbers as a frame list is written (`frameNumbers: "3,5-7"`): `3, 5-7`. */
export function formatNumbers(sorted: readonly number[]): string {
  return numberRuns(sorted)
    .map(([from, to]) => (from === to ? String(from) : `${from}-${to}`))
    .join(', ');
}
