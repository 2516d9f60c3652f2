/**
 * GIF's LZW coding of palette indices, pure and self-contained (no imports): a frame's last step
 * in gif-frame-coder.ts, on the writer's thread or on a coder thread (gif-coder-pool.ts).
 */

/** Candidates a palette entry may be swapped for under `lossy`: its nearest entries, nearest first. */
export const LOSSY_CANDIDATES = 8;

/**
 * For each palette entry, the entries within `distance` of it (RGB), nearest first, at most
 * LOSSY_CANDIDATES, 255 ending a list: rows of LOSSY_CANDIDATES.
 */
export function lossyCandidates(colors: Uint8Array, n: number, distance: number): Uint8Array {
  const out = new Uint8Array(256 * LOSSY_CANDIDATES).fill(255);
  const limit = distance * distance;
  for (let i = 0; i < n; i++) {
    const near: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = ((colors[i * 3] ?? 0) - (colors[j * 3] ?? 0)) ** 2 + ((colors[i * 3 + 1] ?? 0) - (colors[j * 3 + 1] ?? 0)) ** 2 + ((colors[i * 3 + 2] ?? 0) - (colors[j * 3 + 2] ?? 0)) ** 2;
      if (d <= limit) near.push([d, j]);
    }
    near.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    near.slice(0, LOSSY_CANDIDATES).forEach(([, j], c) => (out[i * LOSSY_CANDIDATES + c] = j));
  }
  return out;
}

/** Slots of the LZW dictionary's hash table: 4 x the 4096 codes, 96 kB, so it stays in the cache. */
const HASH_BITS = 14;
const HASH_MASK = (1 << HASH_BITS) - 1;

/**
 * The slot of `key` (stamped `stamp`) in the LZW dictionary's hash table, or, when it is not
 * there, ~slot of the empty (or older-generation) slot where its probe ended, for adding it.
 * Entries of this generation are never removed, so a key lies before the first slot that is
 * not of this generation.
 */
function probe(stamps: Int32Array, key: number, stamp: number, gen: number): number {
  let slot = Math.imul(key, 0x9e3779b1) >>> (32 - HASH_BITS);
  for (;;) {
    const there = stamps[slot] as number;
    if (there === stamp) return slot;
    if (there >>> 20 !== gen) return ~slot;
    slot = (slot + 1) & HASH_MASK;
  }
}

/**
 * GIF's variable-width LZW (codes up to 12 bits, a clear code when the table is full). The
 * dictionary is an open-addressing hash table of (prefix code, next index) keys, each valid
 * only when stamped with the current generation, so a clear costs nothing. (A direct table of
 * 4096 x 256 entries, 6 MB, was a cache miss a pixel: 40% slower.)
 *
 * Runs of one index (a transparent area, a flat colour) skip the table: the codes of an index
 * repeated 2, 3, ... times are kept in a list per index too (`runs`), and where a new string
 * starts on a run it follows the repetitions the dictionary knows with one comparison a pixel.
 * The dictionary's entries and the codes written are the same as without the lists.
 */
export class LzwEncoder {
  /** Per slot: generation << 20 | key, where key = prefix << 8 | index (20 bits). */
  private readonly stamps = new Int32Array(1 << HASH_BITS);
  private readonly codes = new Int16Array(1 << HASH_BITS);
  private generation = 0;
  /** Per index k: runs[k][r] is the code of k repeated r times (2 <= r <= runKnown[k]), of generation runGeneration[k]. */
  private readonly runs: (Int16Array | undefined)[] = [];
  /** Per index: the most repetitions of it the dictionary holds (1: the index alone), if runGeneration is the current one. */
  private readonly runKnown = new Int32Array(256);
  private readonly runGeneration = new Int32Array(256);
  private out = new Uint8Array(1 << 16);
  /** encode's codes before packing: width << 16 | code. */
  private sent = new Uint32Array(1 << 16);
  /** Lossy: per index the indices it may be written as instead (see lossyCandidates), or none. */
  private readonly swaps: Uint8Array | undefined;

  constructor(swaps?: Uint8Array) {
    this.swaps = swaps;
  }

  /**
   * The LZW code stream of `indices` (not yet cut into sub-blocks). Lossy: an index may be
   * swapped, in `indices`, for one of its candidates that continues a known string.
   */
  encode(indices: Uint8Array, minCode: number, swaps: Uint8Array | undefined = this.swaps): Uint8Array {
    const { stamps, codes } = this;
    const clearCode = 1 << minCode;
    const eoi = clearCode + 1;
    let size = minCode + 1;
    let nextCode = eoi + 1;
    // The codes first, each with its width (width << 16 | code), packed into bytes at the end: at
    // most one a pixel, a clear code every 3800 or more, and the first clear and the end.
    const room = indices.length + (indices.length >> 10) + 8;
    if (this.sent.length < room) this.sent = new Uint32Array(room);
    const sent = this.sent;
    let m = 0;
    let gen = this.nextGeneration();
    sent[m++] = (size << 16) | clearCode;
    const length = indices.length;
    const { runs, runKnown, runGeneration } = this;
    // Each string starts as `runOf` repeated `run` times; while no other index has been added to
    // it, prefix is still `runEnd`, that run's code.
    let prefix = length > 0 ? (indices[0] as number) : -1;
    let runOf = prefix;
    let run = 1;
    let runEnd = prefix;
    for (let i = 1; i < length; i++) {
      const k = indices[i] as number;
      const key = (prefix << 8) | k;
      const stamp = (gen << 20) | key;
      const slot = probe(stamps, key, stamp, gen);
      if (slot >= 0) {
        prefix = codes[slot] as number;
        continue;
      }
      if (swaps && k !== 255) {
        // A near colour whose string is known: written instead, the run goes on.
        let swapped = -1;
        for (let c = k * LOSSY_CANDIDATES, end = c + LOSSY_CANDIDATES; c < end; c++) {
          const alt = swaps[c] as number;
          if (alt === 255) break;
          swapped = probe(stamps, (prefix << 8) | alt, (gen << 20) | (prefix << 8) | alt, gen);
          if (swapped >= 0) {
            indices[i] = alt;
            break;
          }
        }
        if (swapped >= 0) {
          prefix = codes[swapped] as number;
          continue;
        }
      }
      sent[m++] = (size << 16) | prefix;
      if (nextCode === 4096) {
        sent[m++] = (size << 16) | clearCode;
        gen = this.nextGeneration();
        nextCode = eoi + 1;
        size = minCode + 1;
      } else {
        if (nextCode >= 1 << size) size++;
        // The string was a run of k, as long as the dictionary knew: one longer goes on the list too.
        if (prefix === runEnd && k === runOf && run === (runGeneration[k] === gen ? runKnown[k] : 1)) {
          const list = (runs[k] ??= new Int16Array(4096));
          list[run + 1] = nextCode;
          runKnown[k] = run + 1;
          runGeneration[k] = gen;
        }
        stamps[~slot] = stamp;
        codes[~slot] = nextCode++;
      }
      // A new string from k, along the repetitions of k the dictionary knows.
      runOf = k;
      run = 1;
      // (Past the end, indices[i + 1] is undefined.)
      if (indices[i + 1] === k) {
        const known = runGeneration[k] === gen ? (runKnown[k] as number) : 1;
        while (run < known && i + 1 < length && indices[i + 1] === k) {
          run++;
          i++;
        }
      }
      prefix = runEnd = run > 1 ? ((runs[k] as Int16Array)[run] as number) : k;
    }
    if (prefix >= 0) {
      sent[m++] = (size << 16) | prefix;
      // The decoder grows its code size one code later than the encoder adds an entry: the end
      // code is read at the size in force once the last code has added its entry.
      if (nextCode < 4096 && nextCode >= 1 << size) size++;
    }
    sent[m++] = (size << 16) | eoi;
    return this.pack(m);
  }

  /** The first `m` codes of `sent` as GIF's bit stream: each at its width, least significant bit first. */
  private pack(m: number): Uint8Array {
    const { sent } = this;
    // 12 bits a code at most.
    if (this.out.length < Math.ceil((m * 12) / 8) + 8) this.out = new Uint8Array(Math.ceil((m * 12) / 8) + 8);
    const out = this.out;
    let acc = 0;
    let bits = 0;
    let n = 0;
    for (let j = 0; j < m; j++) {
      const word = sent[j] as number;
      acc |= (word & 0xffff) << bits;
      bits += word >>> 16;
      while (bits >= 8) {
        out[n++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out[n++] = acc & 0xff;
    return out.subarray(0, n);
  }

  private nextGeneration(): number {
    // 11 bits of generation beside the 20-bit key, never 0 (the empty slots').
    if (this.generation === 0x7ff) {
      this.stamps.fill(0);
      this.runGeneration.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}
