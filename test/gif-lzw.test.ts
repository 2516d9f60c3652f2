/**
 * GIF's LZW coding (src/engine/lzw.ts) against a plain reference written here: a Map for the
 * dictionary, one step a pixel, no hash table and no run lists. The encoder must write the same
 * bytes, on runs (transparent areas, flat colours), noise, lossy swaps, full dictionaries (clear
 * codes) and after its generation counter wraps; and what it writes must decode to the indices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { LOSSY_CANDIDATES, LzwEncoder, lossyCandidates } from '../src/engine/lzw.js';

/** A deterministic pseudo-random sequence in [0, 1). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The reference: GIF LZW step by step, with the encoder's clear policy and lossy rule. Swaps are written into `indices`. */
function referenceLzw(indices: Uint8Array, minCode: number, swaps?: Uint8Array): Uint8Array {
  const clear = 1 << minCode;
  const eoi = clear + 1;
  let size = minCode + 1;
  let next = eoi + 1;
  let table = new Map<number, number>();
  const bytes: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (code: number, width: number): void => {
    acc |= code << bits;
    bits += width;
    while (bits >= 8) {
      bytes.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  };
  put(clear, size);
  let prefix = indices.length > 0 ? (indices[0] ?? 0) : -1;
  for (let i = 1; i < indices.length; i++) {
    const k = indices[i] ?? 0;
    const known = table.get(prefix * 256 + k);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    if (swaps && k !== 255) {
      let swapped: number | undefined;
      for (let c = 0; c < LOSSY_CANDIDATES; c++) {
        const alt = swaps[k * LOSSY_CANDIDATES + c] ?? 255;
        if (alt === 255) break;
        swapped = table.get(prefix * 256 + alt);
        if (swapped !== undefined) {
          indices[i] = alt;
          break;
        }
      }
      if (swapped !== undefined) {
        prefix = swapped;
        continue;
      }
    }
    put(prefix, size);
    if (next === 4096) {
      put(clear, size);
      table = new Map();
      next = eoi + 1;
      size = minCode + 1;
    } else {
      if (next >= 1 << size) size++;
      table.set(prefix * 256 + k, next++);
    }
    prefix = k;
  }
  if (prefix >= 0) {
    put(prefix, size);
    if (next < 4096 && next >= 1 << size) size++;
  }
  put(eoi, size);
  if (bits > 0) bytes.push(acc & 0xff);
  return Uint8Array.from(bytes);
}

/** Decodes a GIF LZW stream (the decoder's side of the code-size rule), for `count` indices. */
function decodeLzw(data: Uint8Array, minCode: number): number[] {
  const clear = 1 << minCode;
  const eoi = clear + 1;
  let size = minCode + 1;
  let strings: number[][] = [];
  const reset = (): void => {
    strings = Array.from({ length: clear + 2 }, (_, i) => [i]);
    size = minCode + 1;
  };
  reset();
  const out: number[] = [];
  let bitPos = 0;
  let previous: number[] | undefined;
  for (;;) {
    let code = 0;
    for (let b = 0; b < size; b++, bitPos++) code |= (((data[bitPos >> 3] ?? 0) >> (bitPos & 7)) & 1) << b;
    if (code === clear) {
      reset();
      previous = undefined;
      continue;
    }
    if (code === eoi) return out;
    let entry = strings[code];
    if (!entry) {
      assert.ok(previous && code === strings.length, `code ${code} is not yet in the table`);
      entry = [...previous, previous[0] ?? 0];
    }
    out.push(...entry);
    if (previous && strings.length < 4096) strings.push([...previous, entry[0] ?? 0]);
    if (strings.length === 1 << size && size < 12) size++;
    previous = entry;
  }
}

/** Runs of one index, of lengths up to `longest`, among `colors` indices; `noise` of the pixels a random index. */
function runsOf(length: number, colors: number, longest: number, noise: number, seed: number): Uint8Array {
  const next = random(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; ) {
    const k = Math.floor(next() * colors);
    const n = 1 + Math.floor(next() * longest);
    for (let j = 0; j < n && i < length; j++, i++) out[i] = next() < noise ? Math.floor(next() * colors) : k;
  }
  return out;
}

/** Encodes a copy with the encoder and one with the reference; both must agree, bytes and (lossy) swapped indices, and decode to them. */
function agree(encoder: LzwEncoder, indices: Uint8Array, minCode: number, what: string, swaps?: Uint8Array): void {
  const mine = indices.slice();
  const theirs = indices.slice();
  const bytes = encoder.encode(mine, minCode, swaps).slice();
  const expected = referenceLzw(theirs, minCode, swaps);
  assert.deepEqual(mine, theirs, `${what}: the same indices swapped`);
  assert.equal(bytes.length, expected.length, `${what}: ${bytes.length} bytes, the reference ${expected.length}`);
  assert.ok(
    bytes.every((b, i) => b === expected[i]),
    `${what}: the same bytes as the reference`,
  );
  assert.deepEqual(decodeLzw(bytes, minCode), [...mine], `${what}: decodes to the indices written`);
}

describe('GIF LZW', () => {
  it('writes the reference bytes on long runs, runs with noise, noise, and full dictionaries', () => {
    const encoder = new LzwEncoder();
    agree(encoder, runsOf(200_000, 3, 3000, 0, 1), 2, 'long runs of 3 indices');
    agree(encoder, runsOf(200_000, 256, 400, 0.02, 2), 8, 'runs of 256 indices, 2% noise');
    agree(encoder, runsOf(100_000, 16, 6, 0.3, 3), 4, 'short runs, 30% noise');
    agree(encoder, runsOf(100_000, 256, 1, 0, 4), 8, 'noise');
    agree(encoder, new Uint8Array(300_000).fill(7), 8, 'one index throughout (runs past 4,096 codes)');
    agree(encoder, Uint8Array.of(5), 8, 'one pixel');
    agree(encoder, new Uint8Array(0), 8, 'no pixel');
  });

  it('writes the reference bytes with lossy swaps (near colours continuing a run or a string)', () => {
    const next = random(9);
    const palette = Uint8Array.from({ length: 3 * 64 }, () => Math.floor(next() * 256));
    for (const distance of [20, 60, 200]) {
      const swaps = lossyCandidates(palette, 64, distance);
      const encoder = new LzwEncoder(swaps);
      agree(encoder, runsOf(150_000, 64, 500, 0.1, 10 + distance), 6, `lossy within ${distance}`, swaps);
      agree(encoder, runsOf(150_000, 64, 3, 0.5, 20 + distance), 6, `lossy within ${distance}, short runs`, swaps);
    }
  });

  it('keeps writing the reference bytes after its generation counter wraps (2,047 dictionaries)', () => {
    // Each call below starts one dictionary (a generation; none fills up). The first uses runs of
    // index 3, the next 2,046 never do, and the first call after the counter wraps uses them
    // again in a generation of the same number: what the encoder knew of index 3's runs then is
    // stale and must not be used.
    const encoder = new LzwEncoder();
    const withThree = runsOf(2000, 4, 300, 0, 40).map((k) => (k === 0 ? 3 : k));
    const withoutThree = runsOf(2000, 3, 300, 0.05, 41);
    agree(encoder, withThree, 2, 'call 1');
    for (let n = 2; n <= 2047; n++) {
      if (n % 211 === 0) agree(encoder, withoutThree, 2, `call ${n}`);
      else encoder.encode(withoutThree.slice(), 2);
    }
    for (let n = 2048; n <= 2052; n++) agree(encoder, withThree, 2, `call ${n}, after the wrap`);
  });
});
