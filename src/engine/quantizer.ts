/**
 * GIF colours in RGB: a palette from the colour statistics of every frame, and the frames mapped
 * to it by nearest colour in RGB with paletteuse's error diffusion. Pure JavaScript over RGBA
 * rows: no FFmpeg here.
 *
 * Why not FFmpeg's palettegen and paletteuse: since FFmpeg 6 both work in OkLab (palettegen
 * cuts and averages its boxes in OkLab, paletteuse picks the nearest entry in OkLab) while the
 * dithering still diffuses the error in RGB. On FFmpeg 8.1 that scored 0.005 to 0.016 SSIM (RGB)
 * and 2 to 4 dB of PSNR (after a blur, the colour a viewer sees) below FFmpeg 5.1's RGB recipe on
 * the sample, a photo pan and mandelbrot; luma alone was within 0.001. Here it is all RGB, as in
 * FFmpeg 5, with a better palette: Wu's cuts (each cut the one that lowers the squared error the
 * most, where median cut halves the pixel count) refined by a few k-means rounds.
 */

/** How colours between palette entries are dithered: paletteuse's names. */
export type Dither = 'sierra2_4a' | 'floyd_steinberg' | 'bayer' | 'none';

/** Pixels with alpha below this are transparent (paletteuse's alpha_threshold). */
export const ALPHA_THRESHOLD = 128;

/**
 * Bits per channel of the histogram grid: 64 levels, 65 with the zero plane of the running
 * sums; 11 MB of moments. Against 5 bits: +0.0004 to +0.003 SSIM on the bench's frames.
 */
const BITS = 6;
const SIDE = (1 << BITS) + 1;
const CELLS = SIDE * SIDE * SIDE;
const R_STEP = SIDE * SIDE;
const G_STEP = SIDE;
const DROP = 8 - BITS;

/** k-means rounds after Wu's cuts: the gain flattens out after about 6 (+0.001 to +0.004 SSIM). */
const REFINE_ROUNDS = 6;

/** An RGBA picture in memory: `data` rows `stride` bytes apart. */
export interface RgbaRows {
  data: Uint8Array;
  width: number;
  height: number;
  stride: number;
}

/**
 * Colour statistics of every frame, in constant memory: per grid cell the pixel count and the
 * sums of R, G, B and R²+G²+B² (Wu's moments), so box means and variances are exact.
 */
export class ColorHistogram {
  /**
   * Per cell its five moments side by side (count, sum of R, G, B, sum of squares), so that
   * counting a pixel touches one place in memory, not five 2 MB arrays (twice as fast).
   */
  private readonly moments = new Float64Array(CELLS * 5);
  private pixels = 0;

  /**
   * Forgets every count: the same 11 MB again (a GIF's tries under maxSize), for a memset
   * instead of fresh memory (some 35 ms of page faults here) and its garbage collection.
   */
  clear(): void {
    this.moments.fill(0);
    this.pixels = 0;
  }

  /**
   * Counts a picture's opaque pixels (transparent ones need no colour). With `sample` true,
   * every other pixel in a checkerboard (half the CPU) whose squares swap with `phase` from
   * frame to frame, so a still picture's pixels are all counted over two frames, and a line or
   * an edge never drops out.
   */
  add(picture: RgbaRows, sample = false, phase = 0): void {
    const { data, width, height, stride } = picture;
    if (data.byteOffset % 4 !== 0 || stride % 4 !== 0) {
      this.addBytes(picture, sample, phase);
      return;
    }
    // Runs of one RGBA word (flat content: bars, charts, UI) are counted once, with their
    // length as the weight: the same sums (whole numbers, exact in any order).
    const words = new Uint32Array(data.buffer, data.byteOffset, (stride * (height - 1)) / 4 + width);
    const rowWords = stride >> 2;
    const step = sample ? 2 : 1;
    // Opaque enough: alpha (the high byte) at least ALPHA_THRESHOLD.
    const minWord = ALPHA_THRESHOLD * 2 ** 24;
    let counted = 0;
    let run = 0;
    let last = 0;
    for (let y = 0; y < height; y++) {
      const end = y * rowWords + width;
      for (let i = y * rowWords + (sample ? (y + phase) & 1 : 0); i < end; i += step) {
        const word = words[i] as number;
        if (word < minWord) continue;
        counted++;
        if (word === last && run > 0) {
          run++;
          continue;
        }
        if (run > 0) this.addRun(last, run);
        last = word;
        run = 1;
      }
    }
    if (run > 0) this.addRun(last, run);
    this.pixels += counted;
  }

  /** Counts `n` pixels of one RGBA word (R in the low byte). */
  private addRun(word: number, n: number): void {
    const { moments } = this;
    const r = word & 0xff;
    const g = (word >>> 8) & 0xff;
    const b = (word >>> 16) & 0xff;
    const k = (((r >> DROP) + 1) * R_STEP + ((g >> DROP) + 1) * G_STEP + (b >> DROP) + 1) * 5;
    moments[k] = (moments[k] as number) + n;
    moments[k + 1] = (moments[k + 1] as number) + r * n;
    moments[k + 2] = (moments[k + 2] as number) + g * n;
    moments[k + 3] = (moments[k + 3] as number) + b * n;
    moments[k + 4] = (moments[k + 4] as number) + (r * r + g * g + b * b) * n;
  }

  /** add() for pictures whose rows are not whole 32-bit words apart: pixel by pixel. */
  private addBytes(picture: RgbaRows, sample: boolean, phase: number): void {
    const { data, width, height, stride } = picture;
    const step = sample ? 8 : 4;
    let counted = 0;
    for (let y = 0; y < height; y++) {
      const end = y * stride + width * 4;
      for (let i = y * stride + (sample ? ((y + phase) & 1) * 4 : 0); i < end; i += step) {
        if ((data[i + 3] as number) < ALPHA_THRESHOLD) continue;
        this.addRun((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16), 1);
        counted++;
      }
    }
    this.pixels += counted;
  }

  /**
   * The counts to carry to another process (a segment's worker), the non-empty cells only:
   * the pixel count, then each used cell's index and its five moments (six numbers a cell). A
   * picture of a few thousand colours gives some 100 kB instead of the whole grid's 11 MB, which
   * took the coordinator of a parallel GIF about 0.25 s to read and add up. Sums of whole
   * numbers, so merging them loses nothing.
   */
  counts(): Float64Array {
    const { moments } = this;
    let used = 0;
    for (let k = 0; k < moments.length; k += 5) if ((moments[k] as number) > 0) used++;
    const out = new Float64Array(1 + used * 6);
    out[0] = this.pixels;
    let o = 1;
    for (let k = 0; k < moments.length; k += 5) {
      if (!((moments[k] as number) > 0)) continue;
      out[o] = k / 5;
      out.set(moments.subarray(k, k + 5), o + 1);
      o += 6;
    }
    return out;
  }

  /** Adds the counts of another histogram (from counts()): the palette is then the one of both sets of frames. */
  merge(counts: Float64Array): void {
    const { moments } = this;
    if (counts.length % 6 !== 1) throw new RangeError(`Colour counts of ${counts.length} values, not 1 + 6 a cell`);
    for (let o = 1; o < counts.length; o += 6) {
      const cell = counts[o] as number;
      if (!Number.isInteger(cell) || cell < 0 || cell >= CELLS) throw new RangeError(`Colour counts name cell ${cell}, outside the grid of ${CELLS}`);
      const k = cell * 5;
      for (let m = 0; m < 5; m++) moments[k + m] = (moments[k + m] as number) + (counts[o + 1 + m] as number);
    }
    this.pixels += counts[0] as number;
  }

  /**
   * At most `colors` colours as RGB triplets (fewer when the frames have fewer distinct cells;
   * none when no pixel was opaque): Wu's quantizer, then k-means rounds over the cells. The
   * counts are kept: a palette of another size can follow.
   */
  palette(colors: number): Uint8Array {
    if (this.pixels === 0) return new Uint8Array(0);
    const used = this.used();
    const means = wuCut(used, colors);
    const n = used.w.length;
    const cells: Cells = { w: used.w, r: new Float64Array(n), g: new Float64Array(n), b: new Float64Array(n) };
    for (let i = 0; i < n; i++) {
      const w = used.w[i] as number;
      cells.r[i] = (used.r[i] as number) / w;
      cells.g[i] = (used.g[i] as number) / w;
      cells.b[i] = (used.b[i] as number) / w;
    }
    kmeans(means, cells, REFINE_ROUNDS, false);
    return Uint8Array.from(means, (v) => Math.round(v));
  }

  /** The non-empty cells: their grid levels and moments. */
  private used(): GridCells {
    const { moments } = this;
    let n = 0;
    for (let k = 0; k < moments.length; k += 5) if ((moments[k] as number) > 0) n++;
    const cells: GridCells = { levels: new Uint8Array(n * 3), w: new Float64Array(n), r: new Float64Array(n), g: new Float64Array(n), b: new Float64Array(n), q: new Float64Array(n) };
    let i = 0;
    for (let k = 0; k < moments.length; k += 5) {
      const w = moments[k] as number;
      if (!(w > 0)) continue;
      const cell = k / 5;
      cells.levels[i * 3] = Math.floor(cell / R_STEP);
      cells.levels[i * 3 + 1] = Math.floor(cell / G_STEP) % SIDE;
      cells.levels[i * 3 + 2] = cell % SIDE;
      cells.w[i] = w;
      cells.r[i] = moments[k + 1] as number;
      cells.g[i] = moments[k + 2] as number;
      cells.b[i] = moments[k + 3] as number;
      cells.q[i] = moments[k + 4] as number;
      i++;
    }
    return cells;
  }
}

/**
 * Cells to cut: each one's levels (R, G, B, three a cell: 1 to 64 on the histogram's grid, or a
 * frame's exact values) and its moments: pixel count, sums of R, G and B, sum of R² + G² + B².
 */
export interface GridCells {
  levels: Uint8Array;
  w: Float64Array;
  r: Float64Array;
  g: Float64Array;
  b: Float64Array;
  q: Float64Array;
}

/**
 * Wu's cuts over the grid's non-empty cells: the box of the largest squared error is cut where
 * the two halves' weighted squared means add up to the most (which is where their squared error
 * is least), at a level of the best of the three axes (the lowest level and the first axis on a
 * tie), until there are `colors` boxes or none can be cut. The boxes' mean colours. `side`:
 * levels an axis has (the histogram's 65; 256 for a frame's exact colours, each value a level).
 *
 * A box is a range of the cells (kept in an order that a cut partitions) and its sums. To cut
 * one, its cells' moments are added up per level on each axis (one pass), and the levels then
 * scanned in order; only cells are visited, never the empty grid around them (the grid's 11 MB
 * of running sums took some 70 ms to build and undo, most of it first touches of its pages).
 * Sums of whole numbers far below 2^53: exact in any order.
 */
export function wuCut(cells: GridCells, colors: number, side = SIDE): Float64Array {
  const n = cells.w.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const perLevel = new Float64Array(3 * side * 5);
  const range = new Int32Array(6);
  /** The best cut so far: score, axis, level, then the lower half's five sums. */
  const best = new Float64Array(8);
  // The boxes: a range of the order each, its five sums and its squared error.
  const room = Math.max(1, colors);
  const starts = new Int32Array(room);
  const ends = new Int32Array(room);
  const sums = new Float64Array(room * 5);
  const errors = new Float64Array(room);
  for (let i = 0; i < n; i++) addMoments(sums, 0, cells.w[i] as number, cells.r[i] as number, cells.g[i] as number, cells.b[i] as number, cells.q[i] as number);
  ends[0] = n;
  errors[0] = boxError(sums, 0);
  let count = 1;
  while (count < colors) {
    let next = -1;
    let top = 0;
    for (let i = 0; i < count; i++) {
      const e = errors[i] as number;
      if (e > 0 && (next < 0 || e > top)) {
        next = i;
        top = e;
      }
    }
    if (next < 0) break;
    const start = starts[next] as number;
    const end = ends[next] as number;
    addLevels(cells, order, start, end, perLevel, range, side);
    best[0] = 0;
    best[1] = -1;
    for (let axis = 0; axis < 3; axis++) bestLevel(perLevel, axis * side, axis, range[axis * 2] as number, range[axis * 2 + 1] as number, sums, next * 5, best);
    if ((best[1] as number) < 0) {
      errors[next] = 0;
      continue;
    }
    const split = partition(cells.levels, order, start, end, best[1] as number, best[2] as number);
    for (let t = 0; t < 5; t++) {
      sums[count * 5 + t] = (sums[next * 5 + t] as number) - (best[3 + t] as number);
      sums[next * 5 + t] = best[3 + t] as number;
    }
    starts[count] = split;
    ends[count] = end;
    ends[next] = split;
    errors[next] = boxError(sums, next * 5);
    errors[count] = boxError(sums, count * 5);
    count++;
  }
  const means: number[] = [];
  for (let j = 0; j < count; j++) {
    const W = sums[j * 5] as number;
    if (W > 0) means.push((sums[j * 5 + 1] as number) / W, (sums[j * 5 + 2] as number) / W, (sums[j * 5 + 3] as number) / W);
  }
  return Float64Array.from(means);
}

/** The squared error of cells whose five sums (pixels, R, G, B, R² + G² + B²) are at `at`. */
function boxError(sums: Float64Array, at: number): number {
  const W = sums[at] as number;
  if (W <= 0) return 0;
  return (sums[at + 4] as number) - ((sums[at + 1] as number) ** 2 + (sums[at + 2] as number) ** 2 + (sums[at + 3] as number) ** 2) / W;
}

/**
 * Adds up the moments of cells order[start, end) per level on each axis into `perLevel` (which
 * is zero where they land), and their lowest and highest level on each axis into `range`.
 */
function addLevels(cells: GridCells, order: Int32Array, start: number, end: number, perLevel: Float64Array, range: Int32Array, side: number): void {
  const { levels, w, r, g, b, q } = cells;
  let r0 = side;
  let r1 = -1;
  let g0 = side;
  let g1 = -1;
  let b0 = side;
  let b1 = -1;
  for (let k = start; k < end; k++) {
    const i = order[k] as number;
    const lr = levels[i * 3] as number;
    const lg = levels[i * 3 + 1] as number;
    const lb = levels[i * 3 + 2] as number;
    if (lr < r0) r0 = lr;
    if (lr > r1) r1 = lr;
    if (lg < g0) g0 = lg;
    if (lg > g1) g1 = lg;
    if (lb < b0) b0 = lb;
    if (lb > b1) b1 = lb;
    addMoments(perLevel, lr * 5, w[i] as number, r[i] as number, g[i] as number, b[i] as number, q[i] as number);
    addMoments(perLevel, (side + lg) * 5, w[i] as number, r[i] as number, g[i] as number, b[i] as number, q[i] as number);
    addMoments(perLevel, (2 * side + lb) * 5, w[i] as number, r[i] as number, g[i] as number, b[i] as number, q[i] as number);
  }
  range.set([r0, r1, g0, g1, b0, b1]);
}

/** Adds one cell's five moments at `at`. */
function addMoments(perLevel: Float64Array, at: number, w: number, r: number, g: number, b: number, q: number): void {
  perLevel[at] = (perLevel[at] as number) + w;
  perLevel[at + 1] = (perLevel[at + 1] as number) + r;
  perLevel[at + 2] = (perLevel[at + 2] as number) + g;
  perLevel[at + 3] = (perLevel[at + 3] as number) + b;
  perLevel[at + 4] = (perLevel[at + 4] as number) + q;
}

/**
 * Scans an axis's levels lo..hi of a box (its sums at `sums[box]`) for the cut that beats `best` (score,
 * axis, level, lower half's sums; a higher score only, so the lowest level and the first axis
 * win a tie), and zeroes those levels of `perLevel` again. The box's other levels are empty, and
 * so are many between (a frame's exact colours): an empty level cuts as the one before it, so
 * it is passed over.
 */
function bestLevel(perLevel: Float64Array, first: number, axis: number, lo: number, hi: number, sums: Float64Array, box: number, best: Float64Array): void {
  const W = sums[box] as number;
  const R = sums[box + 1] as number;
  const G = sums[box + 2] as number;
  const B = sums[box + 3] as number;
  let lw = 0;
  let lr = 0;
  let lg = 0;
  let lb = 0;
  let lq = 0;
  for (let level = lo; level <= hi; level++) {
    const at = (first + level) * 5;
    const w = perLevel[at] as number;
    if (w === 0) continue;
    lw += w;
    lr += perLevel[at + 1] as number;
    lg += perLevel[at + 2] as number;
    lb += perLevel[at + 3] as number;
    lq += perLevel[at + 4] as number;
    perLevel.fill(0, at, at + 5);
    if (lw >= W) continue;
    const score = (lr * lr + lg * lg + lb * lb) / lw + ((R - lr) ** 2 + (G - lg) ** 2 + (B - lb) ** 2) / (W - lw);
    if (score > (best[0] as number)) {
      best[0] = score;
      best[1] = axis;
      best[2] = level;
      best[3] = lw;
      best[4] = lr;
      best[5] = lg;
      best[6] = lb;
      best[7] = lq;
    }
  }
}

/** Puts the cells of order[start, end) at or below `level` on `axis` first; where the others start. */
function partition(levels: Uint8Array, order: Int32Array, start: number, end: number, axis: number, level: number): number {
  let split = start;
  for (let k = start; k < end; k++) {
    const i = order[k] as number;
    if ((levels[i * 3 + axis] as number) > level) continue;
    order[k] = order[split] as number;
    order[split++] = i;
  }
  return split;
}

/** Histogram cells: pixel counts and mean colours. */
export interface Cells {
  w: Float64Array;
  r: Float64Array;
  g: Float64Array;
  b: Float64Array;
}

/**
 * Lloyd's k-means over weighted colours, in place: up to `rounds` times, each cell goes to its
 * nearest mean (the lowest index on a tie; a cell keeps its mean on a tie with it) and each mean
 * moves to the weighted mean of its cells; it stops early when no cell changes mean. With
 * `error`, the cells are assigned once more and their weighted squared error is returned (else
 * NaN).
 *
 * The nearest mean is found among the means sorted by red (SortedEntries), a full search's
 * answer.
 */
export function kmeans(means: Float64Array, cells: Cells, rounds: number, error: boolean): number {
  const k = means.length / 3;
  const { w, r, g, b } = cells;
  const n = w.length;
  const owner = new Int32Array(n).fill(-1);
  const acc = new Float64Array(k * 4);
  const sorted = new SortedEntries(k);
  for (let round = 0; ; round++) {
    sorted.sortBy((j, c) => means[j * 3 + c] as number);
    acc.fill(0);
    let moved = 0;
    let total = 0;
    for (let c = 0; c < n; c++) {
      const cr = r[c] as number;
      const cg = g[c] as number;
      const cb = b[c] as number;
      const start = owner[c] as number;
      let best = Infinity;
      if (start >= 0) best = ((means[start * 3] as number) - cr) ** 2 + ((means[start * 3 + 1] as number) - cg) ** 2 + ((means[start * 3 + 2] as number) - cb) ** 2;
      const nearest = sorted.nearest(cr, cg, cb, start, best);
      best = sorted.found;
      if (nearest !== start) moved++;
      owner[c] = nearest;
      const wc = w[c] as number;
      total += wc * best;
      acc[nearest * 4] = (acc[nearest * 4] as number) + wc;
      acc[nearest * 4 + 1] = (acc[nearest * 4 + 1] as number) + wc * cr;
      acc[nearest * 4 + 2] = (acc[nearest * 4 + 2] as number) + wc * cg;
      acc[nearest * 4 + 3] = (acc[nearest * 4 + 3] as number) + wc * cb;
    }
    if (round === rounds || moved === 0) return error ? total : NaN;
    for (let j = 0; j < k; j++) {
      const wj = acc[j * 4] as number;
      if (wj <= 0) continue;
      means[j * 3] = (acc[j * 4 + 1] as number) / wj;
      means[j * 3 + 1] = (acc[j * 4 + 2] as number) / wj;
      means[j * 3 + 2] = (acc[j * 4 + 3] as number) / wj;
    }
    if (!error && round === rounds - 1) return NaN;
  }
}

/** paletteuse's 8x8 Bayer matrix at a scale (0-5: the higher, the weaker the pattern). */
export function bayerMatrix(scale: number): Int8Array {
  const out = new Int8Array(64);
  const delta = 1 << (5 - scale);
  for (let p = 0; p < 64; p++) {
    const q = p ^ (p >> 3);
    const value = ((p & 4) >> 2) | ((q & 4) >> 1) | ((p & 2) << 1) | ((q & 2) << 2) | ((p & 1) << 4) | ((q & 1) << 5);
    out[p] = (value >> scale) - delta;
  }
  return out;
}

/** A rectangle of pixels: [x0, y0, x1, y1), the ends exclusive. */
type Rect = readonly [number, number, number, number];

/** Entries of the nearest-colour cache (direct mapped on the 24-bit colour). */
const CACHE_BITS = 16;

/** The nearest-colour search looks only at the entries that can be nearest somewhere in an 8x8x8 cell. */
const CELL_SHIFT = 3;
const CELL_SIDE = 256 >> CELL_SHIFT;
/** A parent cell holds 2^PARENT_SHIFT cells a side; listCell takes its entries from the parent's list. */
const PARENT_SHIFT = 2;
const PARENT_SIDE = CELL_SIDE >> PARENT_SHIFT;

/**
 * A PaletteMapper's lookup tables (about 0.6 MB), handed from one mapper to the next (a GIF's
 * frames with palettes of their own): fresh memory costs its page faults at first touch (here
 * about 3 ms a MB), a reset a memset.
 */
export class MapperTables {
  readonly cacheKey = new Int32Array(1 << CACHE_BITS);
  readonly cacheValue = new Uint8Array(1 << CACHE_BITS);
  readonly cellStart = new Int32Array(CELL_SIDE ** 3);
  readonly cellCount = new Uint16Array(CELL_SIDE ** 3);
  readonly parentStart = new Int32Array(PARENT_SIDE ** 3);
  readonly parentCount = new Uint16Array(PARENT_SIDE ** 3);
  candidates = new Uint8Array(4096);

  /** Nothing cached, no cell listed. */
  reset(): void {
    this.cacheKey.fill(-1);
    this.cellStart.fill(-1);
    this.parentStart.fill(-1);
  }
}

/**
 * Maps RGBA frames to palette indices: the nearest entry in RGB (squared distance), with the
 * error diffused to the neighbours (sierra2_4a, floyd_steinberg), an ordered pattern (bayer) or
 * nothing. Pixels with alpha below ALPHA_THRESHOLD take the transparent index when there is one.
 * The diffusion is paletteuse's, to the integer: each neighbour gets the error times its weight,
 * divided with truncation, and is clipped to 0-255 at once.
 *
 * Only the rectangle that changed since the previous frame is mapped again (paletteuse's
 * diff_mode=rectangle): still areas keep the same indices, which the GIF encoder then leaves
 * out, and their dithering does not shimmer.
 */
export class PaletteMapper {
  private readonly colors: number;
  private readonly palR: Int32Array;
  private readonly palG: Int32Array;
  private readonly palB: Int32Array;
  private readonly transparent: number;
  private readonly dither: Dither;
  private readonly bayer: Int8Array;
  private readonly tables: MapperTables;
  private readonly cacheKey: Int32Array;
  private readonly cacheValue: Uint8Array;
  /** Per cell: where its candidates start in `candidates` (-1: not listed yet), and how many. */
  private readonly cellStart: Int32Array;
  private readonly cellCount: Uint16Array;
  /** The same for the parent cells (PARENT_SHIFT). */
  private readonly parentStart: Int32Array;
  private readonly parentCount: Uint16Array;
  /** How many entries the last list() call listed. */
  private listed = 0;
  private candidates: Uint8Array;
  /** listCell's scratch: each entry's squared distance to the cell. */
  private readonly near = new Float64Array(256);
  private candidatesUsed = 0;
  private previousIn: Uint8Array | undefined;
  private previousOut: Uint8Array | undefined;

  /**
   * `palette`: RGB triplets (at most 256, with `transparent` not among them); `transparent`:
   * the index written for transparent pixels, or -1. `bayerScale` 3: the ffmpeg recipe's usual
   * pick, the least visible pattern at GIF sizes. `tables`: another mapper's, taken over (that
   * one must not be used after).
   */
  constructor(palette: Uint8Array, transparent: number, dither: Dither, bayerScale = 3, tables = new MapperTables(), search: MapperSearch = 'cells') {
    tables.reset();
    this.tables = tables;
    ({ cacheKey: this.cacheKey, cacheValue: this.cacheValue, cellStart: this.cellStart, cellCount: this.cellCount, parentStart: this.parentStart, parentCount: this.parentCount, candidates: this.candidates } = tables);
    this.colors = Math.floor(palette.length / 3);
    if (this.colors < 1 || this.colors > 256) throw new RangeError(`A palette has 1 to 256 colours, not ${this.colors}`);
    this.palR = new Int32Array(this.colors);
    this.palG = new Int32Array(this.colors);
    this.palB = new Int32Array(this.colors);
    for (let i = 0; i < this.colors; i++) {
      this.palR[i] = palette[i * 3] ?? 0;
      this.palG[i] = palette[i * 3 + 1] ?? 0;
      this.palB[i] = palette[i * 3 + 2] ?? 0;
    }
    this.transparent = transparent;
    this.dither = dither;
    this.bayer = bayerMatrix(bayerScale);
    if (search === 'sorted') {
      const channels = [this.palR, this.palG, this.palB];
      this.sorted = new SortedEntries(this.colors);
      this.sorted.sortBy((j, c) => channels[c]?.[j] ?? 0);
    }
  }

  /** With the 'sorted' search: the entries in order of red. */
  private readonly sorted: SortedEntries | undefined;

  /** The palette index nearest to r, g, b (integers 0-255) in squared RGB distance; the lowest index on a tie. */
  nearest(r: number, g: number, b: number): number {
    const key = (r << 16) | (g << 8) | b;
    const slot = Math.imul(key, 0x9e3779b1) >>> (32 - CACHE_BITS);
    if (this.cacheKey[slot] === key) return this.cacheValue[slot] ?? 0;
    const index = this.sorted ? this.sorted.nearest(r, g, b, -1, Infinity) : this.searchCells(r, g, b);
    this.cacheKey[slot] = key;
    this.cacheValue[slot] = index;
    return index;
  }

  /** The nearest entry by the cell lists (listCell), the lowest index on a tie. */
  private searchCells(r: number, g: number, b: number): number {
    const c = ((r >> CELL_SHIFT) * CELL_SIDE + (g >> CELL_SHIFT)) * CELL_SIDE + (b >> CELL_SHIFT);
    let start = this.cellStart[c] ?? -1;
    if (start < 0) start = this.listCell(c, r >> CELL_SHIFT, g >> CELL_SHIFT, b >> CELL_SHIFT);
    const end = start + (this.cellCount[c] ?? 0);
    const { candidates, palR, palG, palB } = this;
    let best = Infinity;
    let index = 0;
    for (let k = start; k < end; k++) {
      const i = candidates[k] ?? 0;
      const dr = (palR[i] ?? 0) - r;
      const dg = (palG[i] ?? 0) - g;
      const db = (palB[i] ?? 0) - b;
      const d = dr * dr + dg * dg + db * db;
      if (d < best) {
        best = d;
        index = i;
      }
    }
    return index;
  }

  /**
   * Lists the entries that can be the nearest for some colour of a cell: those whose distance
   * to the cell is at most the smallest distance within which some entry covers all of it.
   * In index order, so a tie goes to the lowest index as with a full search. The entries are
   * taken from the list of the cell's parent (PARENT_SHIFT: 4x4x4 cells), listed the same way
   * from the whole palette once for its 64 cells: an entry that cannot be nearest anywhere in the
   * parent cannot be in the cell, and a cover found among fewer entries is only larger, so the
   * list holds every entry a full search could pick.
   */
  private listCell(c: number, cr: number, cg: number, cb: number): number {
    const p = ((cr >> PARENT_SHIFT) * PARENT_SIDE + (cg >> PARENT_SHIFT)) * PARENT_SIDE + (cb >> PARENT_SHIFT);
    let from = this.parentStart[p] ?? -1;
    if (from < 0) {
      from = this.list(-1, this.colors, (cr >> PARENT_SHIFT) << (CELL_SHIFT + PARENT_SHIFT), (cg >> PARENT_SHIFT) << (CELL_SHIFT + PARENT_SHIFT), (cb >> PARENT_SHIFT) << (CELL_SHIFT + PARENT_SHIFT), 1 << (CELL_SHIFT + PARENT_SHIFT));
      this.parentStart[p] = from;
      this.parentCount[p] = this.listed;
    }
    const start = this.list(from, this.parentCount[p] ?? 0, cr << CELL_SHIFT, cg << CELL_SHIFT, cb << CELL_SHIFT, 1 << CELL_SHIFT);
    this.cellStart[c] = start;
    this.cellCount[c] = this.listed;
    return start;
  }

  /**
   * Appends to `candidates` the entries among `count` (the palette's first `count` when `from`
   * is -1, else `candidates[from...]`) that can be nearest somewhere in the cube of side `size`
   * at r0, g0, b0; returns where they start, their number in `listed`.
   */
  private list(from: number, count: number, r0: number, g0: number, b0: number, size: number): number {
    const { palR, palG, palB, near } = this;
    const start = this.candidatesUsed;
    if (start + count > this.candidates.length) {
      const grown = new Uint8Array(Math.max(this.candidates.length * 2, start + count));
      grown.set(this.candidates);
      this.candidates = grown;
      this.tables.candidates = grown;
    }
    const candidates = this.candidates;
    let cover = Infinity;
    const last = size - 1;
    for (let k = 0; k < count; k++) {
      const i = from < 0 ? k : (candidates[from + k] ?? 0);
      // Per channel: the distance from the entry to the cube (0 inside it) and to its far side.
      const r = (palR[i] ?? 0) - r0;
      const g = (palG[i] ?? 0) - g0;
      const b = (palB[i] ?? 0) - b0;
      const inR = r < 0 ? -r : r > last ? r - last : 0;
      const inG = g < 0 ? -g : g > last ? g - last : 0;
      const inB = b < 0 ? -b : b > last ? b - last : 0;
      near[k] = inR * inR + inG * inG + inB * inB;
      const farR = r > last - r ? r : last - r;
      const farG = g > last - g ? g : last - g;
      const farB = b > last - b ? b : last - b;
      const far = farR * farR + farG * farG + farB * farB;
      if (far < cover) cover = far;
    }
    let n = 0;
    for (let k = 0; k < count; k++) if ((near[k] ?? 0) <= cover) candidates[start + n++] = from < 0 ? k : (candidates[from + k] ?? 0);
    this.candidatesUsed += n;
    this.listed = n;
    return start;
  }

  /**
   * Maps one frame into `out` (indices, rows `outStride` apart). Frames must come in order and
   * all have the same size.
   */
  map(picture: RgbaRows, out: Uint8Array, outStride: number): void {
    const { data, width, height, stride } = picture;
    let rect: Rect | undefined = [0, 0, width, height];
    const { previousIn, previousOut } = this;
    if (previousIn && previousOut) {
      rect = changedRect(previousIn, width * 4, picture);
      for (let y = 0; y < height; y++) out.set(previousOut.subarray(y * width, (y + 1) * width), y * outStride);
    }
    if (rect) {
      if (this.dither === 'sierra2_4a' || this.dither === 'floyd_steinberg') this.diffuse(picture, out, outStride, rect);
      else this.point(picture, out, outStride, rect);
    }
    const keepIn = (this.previousIn ??= new Uint8Array(width * height * 4));
    const keepOut = (this.previousOut ??= new Uint8Array(width * height));
    for (let y = 0; y < height; y++) {
      keepIn.set(data.subarray(y * stride, y * stride + width * 4), y * width * 4);
      keepOut.set(out.subarray(y * outStride, y * outStride + width), y * width);
    }
  }

  /** Bayer or no dithering: each pixel on its own. */
  private point(picture: RgbaRows, out: Uint8Array, outStride: number, [x0, y0, x1, y1]: Rect): void {
    const { data, stride } = picture;
    const { transparent, bayer } = this;
    const ordered = this.dither === 'bayer';
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * stride + x * 4;
        if (transparent >= 0 && (data[i + 3] ?? 0) < ALPHA_THRESHOLD) {
          out[y * outStride + x] = transparent;
          continue;
        }
        const d = ordered ? (bayer[((y & 7) << 3) | (x & 7)] ?? 0) : 0;
        out[y * outStride + x] = this.nearest(clamp(data[i] ?? 0, d), clamp(data[i + 1] ?? 0, d), clamp(data[i + 2] ?? 0, d));
      }
    }
  }

  /**
   * Error diffusion over a rectangle (paletteuse's): the error of each pixel goes right and to
   * the row below, within the rectangle. Two rows of working colours: this row's, the next's.
   */
  private diffuse(picture: RgbaRows, out: Uint8Array, outStride: number, [x0, y0, x1, y1]: Rect): void {
    const { data, stride } = picture;
    const { transparent, palR, palG, palB } = this;
    const floyd = this.dither === 'floyd_steinberg';
    const w = x1 - x0;
    let here = new Int32Array(w * 3);
    let next = new Int32Array(w * 3);
    const load = (row: Int32Array, y: number): void => loadRgbRow(row, data, stride, x0, w, y);
    load(next, y0);
    for (let y = y0; y < y1; y++) {
      [here, next] = [next, here];
      const down = y + 1 < y1;
      if (down) load(next, y + 1);
      for (let x = 0; x < w; x++) {
        const i = y * stride + (x0 + x) * 4;
        const o = y * outStride + x0 + x;
        if (transparent >= 0 && (data[i + 3] ?? 0) < ALPHA_THRESHOLD) {
          out[o] = transparent;
          continue;
        }
        const r = here[x * 3] ?? 0;
        const g = here[x * 3 + 1] ?? 0;
        const b = here[x * 3 + 2] ?? 0;
        const index = this.nearest(r, g, b);
        out[o] = index;
        const er = r - (palR[index] ?? 0);
        const eg = g - (palG[index] ?? 0);
        const eb = b - (palB[index] ?? 0);
        if (er === 0 && eg === 0 && eb === 0) continue;
        diffuseError(here, next, x, w, down, er, eg, eb, floyd);
      }
    }
  }
}

/**
 * How a PaletteMapper finds the nearest entry of a colour not in its cache. 'cells': lists, per
 * 8x8x8 cell of the colour cube, the entries that can be nearest in it (listCell), built as cells
 * are met and kept: cheap once built, for a palette that maps many frames (the global one).
 * 'sorted': the entries sorted by red, searched outwards from the colour's red until red alone is
 * further than the best so far: nothing to build, for a palette that maps one frame (a frame's
 * own). Both give a full search's answer, the lowest index on a tie.
 */
export type MapperSearch = 'cells' | 'sorted';

/**
 * Colours (palette entries, k-means' means) sorted by red, for the nearest of a colour in
 * squared RGB distance: searched outwards from the colour's red, each side ending where red
 * alone is further than the best so far; within, an entry is left as soon as one or two
 * channels are further. Both only skip entries that cannot be nearer, so the answer is a full
 * search's: the lowest index on a tie, except that a starting entry is kept on a tie with it.
 */
class SortedEntries {
  /** The entries' indices in order of red, then index. */
  private readonly order: Int32Array;
  /** Their channels, in that order. */
  private readonly sortedR: Float64Array;
  private readonly sortedG: Float64Array;
  private readonly sortedB: Float64Array;
  /** The squared distance of the last nearest() answer. */
  found = Infinity;

  constructor(k: number) {
    this.order = Int32Array.from({ length: k }, (_, j) => j);
    this.sortedR = new Float64Array(k);
    this.sortedG = new Float64Array(k);
    this.sortedB = new Float64Array(k);
  }

  /**
   * Sorts the entries anew; `channel(j, c)` is channel c (0 R, 1 G, 2 B) of entry j. An
   * insertion sort from the last order, by red then index: k-means' means move little from one
   * round to the next, so it is nearly sorted already (Int32Array.sort with a comparator called
   * two closures a comparison).
   */
  sortBy(channel: (j: number, c: number) => number): void {
    const { order, sortedR } = this;
    const k = order.length;
    for (let i = 0; i < k; i++) sortedR[i] = channel(order[i] as number, 0);
    for (let i = 1; i < k; i++) {
      const j = order[i] as number;
      const red = sortedR[i] as number;
      let at = i - 1;
      while (at >= 0 && ((sortedR[at] as number) > red || ((sortedR[at] as number) === red && (order[at] as number) > j))) {
        order[at + 1] = order[at] as number;
        sortedR[at + 1] = sortedR[at] as number;
        at--;
      }
      order[at + 1] = j;
      sortedR[at + 1] = red;
    }
    for (let i = 0; i < k; i++) {
      const j = order[i] as number;
      this.sortedG[i] = channel(j, 1);
      this.sortedB[i] = channel(j, 2);
    }
  }

  /**
   * The entry nearest to r, g, b. `start`: an entry to keep on a tie (-1: none) and `best` its
   * squared distance (Infinity with none). The answer's distance is left in `found`.
   */
  nearest(r: number, g: number, b: number, start: number, best: number): number {
    const { order, sortedR, sortedG, sortedB } = this;
    const k = order.length;
    // The first entry whose red is at least r.
    let lo = 0;
    let hi = k;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((sortedR[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    let nearest = start;
    for (let side = 0; side < 2; side++) {
      const step = side === 0 ? 1 : -1;
      for (let i = side === 0 ? lo : lo - 1; i >= 0 && i < k; i += step) {
        const dr = (sortedR[i] as number) - r;
        let d = dr * dr;
        if (d > best) break;
        const dg = (sortedG[i] as number) - g;
        d += dg * dg;
        if (d > best) continue;
        const db = (sortedB[i] as number) - b;
        d += db * db;
        const j = order[i] as number;
        if (d < best || (d === best && j < nearest && nearest !== start)) {
          best = d;
          nearest = j;
        }
      }
    }
    this.found = best;
    return nearest;
  }
}

/** Loads the RGB of `width` pixels of RGBA row `y` from column `x0` into a row of working colours. */
export function loadRgbRow(row: Int32Array, data: Uint8Array, stride: number, x0: number, width: number, y: number): void {
  for (let x = 0, i = y * stride + x0 * 4; x < width; x++, i += 4) {
    row[x * 3] = data[i] ?? 0;
    row[x * 3 + 1] = data[i + 1] ?? 0;
    row[x * 3 + 2] = data[i + 2] ?? 0;
  }
}

/**
 * Spreads a pixel's error (the colour wanted less the palette colour given) to the pixels not
 * yet mapped, as FFmpeg's paletteuse does: Floyd-Steinberg (7, 3, 5, 1 sixteenths) or
 * Sierra-2-4A (2, 1, 1 quarters); each share is added to a working colour and clipped at once.
 * `here` and `next` are rows of working RGB colours; `down` says whether `next` exists.
 */
export function diffuseError(here: Int32Array, next: Int32Array, x: number, width: number, down: boolean, er: number, eg: number, eb: number, floyd: boolean): void {
  const right = x + 1 < width;
  const left = x > 0;
  if (floyd) {
    if (right) spread(here, x + 1, er, eg, eb, 7, 4);
    if (left && down) spread(next, x - 1, er, eg, eb, 3, 4);
    if (down) spread(next, x, er, eg, eb, 5, 4);
    if (right && down) spread(next, x + 1, er, eg, eb, 1, 4);
  } else {
    if (right) spread(here, x + 1, er, eg, eb, 2, 2);
    if (left && down) spread(next, x - 1, er, eg, eb, 1, 2);
    if (down) spread(next, x, er, eg, eb, 1, 2);
  }
}

/** Adds a share of the error to a working colour, clipped at once (paletteuse's dither_color). */
function spread(row: Int32Array, x: number, er: number, eg: number, eb: number, scale: number, shift: number): void {
  const k = x * 3;
  row[k] = clamp(row[k] ?? 0, ((er * scale) / (1 << shift)) | 0);
  row[k + 1] = clamp(row[k + 1] ?? 0, ((eg * scale) / (1 << shift)) | 0);
  row[k + 2] = clamp(row[k + 2] ?? 0, ((eb * scale) / (1 << shift)) | 0);
}

function clamp(v: number, d: number): number {
  const s = v + d;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

/** The rectangle [x0, y0, x1, y1) of pixels that differ between `previous` (tight rows) and `picture`; undefined when none do. */
function changedRect(previous: Uint8Array, previousStride: number, picture: RgbaRows): Rect | undefined {
  const { data, width, height, stride } = picture;
  const rowBytes = width * 4;
  const samePixel = (i: number, j: number): boolean => previous[i] === data[j] && previous[i + 1] === data[j + 1] && previous[i + 2] === data[j + 2] && previous[i + 3] === data[j + 3];
  const same = (y: number): boolean => Buffer.compare(previous.subarray(y * previousStride, y * previousStride + rowBytes), data.subarray(y * stride, y * stride + rowBytes)) === 0;
  let y0 = 0;
  while (y0 < height && same(y0)) y0++;
  if (y0 === height) return undefined;
  let y1 = height;
  while (y1 > y0 + 1 && same(y1 - 1)) y1--;
  let x0 = width;
  let x1 = 0;
  for (let y = y0; y < y1; y++) {
    const p = y * previousStride;
    const q = y * stride;
    let left = 0;
    while (left < x0 && samePixel(p + left * 4, q + left * 4)) left++;
    x0 = Math.min(x0, left);
    let right = width;
    while (right > x1 && samePixel(p + right * 4 - 4, q + right * 4 - 4)) right--;
    x1 = Math.max(x1, right);
  }
  return [x0, y0, Math.max(x1, x0 + 1), y1];
}
