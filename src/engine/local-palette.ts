/**
 * A GIF frame's own palette (a local colour table) from the pixels it draws, and whether it is
 * worth its bytes against the global palette. A frame of flat synthetic content (a chart, a UI
 * recording) draws a few hundred to a few thousand colours, often far from the global palette
 * (which holds every frame's colours): its own palette holds them exactly or nearly, and the
 * frame then needs little dithering, which also makes its LZW shorter.
 *
 * Colours are counted exactly (an open-addressing table of RGB words) up to MAX_CELLS distinct
 * ones; a frame with more (photo-like footage) keeps the global palette, which is cut from a
 * finer histogram of every frame: a frame's own palette cut from coarser counts lost to it there
 * (-0.002 SSIM at equal size on the bench's film-grain pan), and the count stops at once, so it
 * costs such frames next to nothing. The cut is the global palette's (wuCut: each cut the one
 * that lowers the squared error the most, on the axis where it does) with each exact channel
 * value a level, then a few k-means rounds. All in constant memory, whatever the number of frames.
 */
import { type GridCells, kmeans, wuCut } from './quantizer.js';

/** Distinct colours a frame's palette is cut from, at most. */
const MAX_CELLS = 4096;
/** Slots of the counting table: twice MAX_CELLS, so probes stay short. */
const SLOTS = MAX_CELLS * 2;
/** Pixels counted at most: a larger frame is sampled on diagonals. */
const MAX_SAMPLES = 1 << 16;
/** k-means rounds after the cuts. */
const ROUNDS = 3;

/** A frame's palette and what it costs and buys. */
export interface LocalPalette {
  /** RGB triplets. */
  colors: Uint8Array;
  /** Squared RGB error of the counted pixels with this palette. */
  error: number;
  /** Squared RGB error of the same pixels with the global palette (at least: added up until `enough`). */
  globalError: number;
  /** Pixels counted. */
  counted: number;
  /** Pixels the counted ones stand for (counted times the sampling step). */
  pixels: number;
}

/** Counts a frame's drawn colours and cuts palettes from them; reused from frame to frame. */
export class LocalPaletteBuilder {
  private readonly keys = new Int32Array(SLOTS);
  private readonly w = new Float64Array(SLOTS);
  private readonly used = new Int32Array(SLOTS);
  private n = 0;

  constructor() {
    this.keys.fill(-1);
  }

  /** Starts a frame. */
  private reset(): void {
    for (let i = 0; i < this.n; i++) this.keys[this.used[i] as number] = -1;
    this.n = 0;
  }

  /** Counts `n` pixels of one colour (an RGB word, R in the low byte); false when that is one colour too many. */
  private add(key: number, n: number): boolean {
    const { keys } = this;
    let slot = Math.imul(key, 0x9e3779b1) >>> 19; // 13 bits: SLOTS
    for (;;) {
      const there = keys[slot] as number;
      if (there === key) break;
      if (there === -1) {
        if (this.n >= MAX_CELLS) return false;
        keys[slot] = key;
        this.w[slot] = 0;
        this.used[this.n++] = slot;
        break;
      }
      slot = (slot + 1) & (SLOTS - 1);
    }
    this.w[slot] = (this.w[slot] as number) + n;
    return true;
  }

  /**
   * Counts the pixels of `words` (RGBA words, rows `rowWords` apart) marked `mark` in `drawn`
   * (one byte a pixel, rows `width` apart) inside [x0, x1) x [y0, y1); every `step`-th on
   * diagonals when there are more than MAX_SAMPLES (`phase` shifts them: a rectangle cut out of a
   * frame at x, y is sampled as in the frame with phase x + y). False when they have more than
   * MAX_CELLS colours (the count stops there).
   */
  count(words: Uint32Array, rowWords: number, drawn: Uint8Array, width: number, mark: number, rect: readonly [number, number, number, number], marked: number, phase = 0): boolean {
    this.reset();
    const [x0, y0, x1, y1] = rect;
    const step = Math.max(1, Math.ceil(marked / MAX_SAMPLES));
    // A run of one colour (flat content) is counted once, with its length.
    let last = -1;
    let run = 0;
    for (let y = y0; y < y1; y++) {
      const row = y * rowWords;
      const p0 = y * width;
      let x = x0;
      if (step > 1) x += (step - ((x0 + y + phase) % step)) % step;
      for (; x < x1; x += step) {
        if (drawn[p0 + x] !== mark) continue;
        const key = (words[row + x] as number) & 0xffffff;
        if (key === last) {
          run++;
          continue;
        }
        if (run > 0 && !this.add(last, run)) return false;
        last = key;
        run = 1;
      }
    }
    return run === 0 || this.add(last, run);
  }

  /**
   * A palette of at most `colors` entries for the counted pixels: every colour exactly when they
   * are at most `colors` distinct ones, else Wu's cuts and k-means; or undefined when no palette
   * of its own could be worth it.
   * `nearestGlobal` maps a colour to the global palette's RGB, for the comparison. The global
   * palette's error is added up first only until `enough(globalError, 0, colours)`: an own
   * palette's error is at least 0, so when even the whole global error is not enough, nothing is
   * cut (undefined). Then, after the cut, only until `enough(globalError, error, colours)` says
   * the own palette is worth it (the rest of the lookups in the global palette are spared).
   * `colours` is the own palette's size before it is cut: min(distinct colours, `colors`), which
   * wuCut always gives (test/gif-palette.test.ts holds it to that).
   */
  palette(
    colors: number,
    nearestGlobal: (r: number, g: number, b: number) => number,
    globalColors: Uint8Array,
    step: number,
    enough: (globalError: number, error: number, colors: number) => boolean,
  ): LocalPalette | undefined {
    const n = this.n;
    const cw = new Float64Array(n);
    const cr = new Float64Array(n);
    const cg = new Float64Array(n);
    const cb = new Float64Array(n);
    let counted = 0;
    for (let i = 0; i < n; i++) {
      const s = this.used[i] as number;
      const key = this.keys[s] as number;
      const w = this.w[s] as number;
      cw[i] = w;
      cr[i] = key & 0xff;
      cg[i] = (key >> 8) & 0xff;
      cb[i] = (key >> 16) & 0xff;
      counted += w;
    }
    const pixels = counted * step;
    const ownColors = Math.min(n, colors);
    let globalError = 0;
    let i = 0;
    // Until even an exact palette of its own could be worth it.
    for (; i < n && !enough(globalError, 0, ownColors); i++) globalError += globalSquaredError(nearestGlobal, globalColors, cw, cr, cg, cb, i);
    if (!enough(globalError, 0, ownColors)) return undefined;
    let own: Uint8Array;
    let error = 0;
    if (n <= colors) {
      own = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        own[i * 3] = cr[i] as number;
        own[i * 3 + 1] = cg[i] as number;
        own[i * 3 + 2] = cb[i] as number;
      }
    } else {
      const means = wuCut(exactCells(cw, cr, cg, cb), colors, 256);
      error = kmeans(means, { w: cw, r: cr, g: cg, b: cb }, ROUNDS, true);
      own = Uint8Array.from(means, (v) => Math.round(v));
    }
    // Then until it is worth it, with its own error known.
    for (; i < n && !enough(globalError, error, own.length / 3); i++) globalError += globalSquaredError(nearestGlobal, globalColors, cw, cr, cg, cb, i);
    return { colors: own, error, globalError, counted, pixels };
  }
}

/** Colour `i`'s squared RGB error in the global palette, times its count. */
function globalSquaredError(
  nearestGlobal: (r: number, g: number, b: number) => number,
  globalColors: Uint8Array,
  cw: Float64Array,
  cr: Float64Array,
  cg: Float64Array,
  cb: Float64Array,
  i: number,
): number {
  const r = cr[i] as number;
  const g = cg[i] as number;
  const b = cb[i] as number;
  const j = nearestGlobal(r, g, b);
  return (cw[i] as number) * (((globalColors[j * 3] ?? 0) - r) ** 2 + ((globalColors[j * 3 + 1] ?? 0) - g) ** 2 + ((globalColors[j * 3 + 2] ?? 0) - b) ** 2);
}

/**
 * A frame's distinct colours as cells for Wu's cuts (wuCut), each value of a channel a level of
 * its own: the cut then chooses among the same places as one that sorts the colours by each
 * channel (a test holds it to a plain reference).
 */
function exactCells(w: Float64Array, r: Float64Array, g: Float64Array, b: Float64Array): GridCells {
  const n = w.length;
  const cells: GridCells = { levels: new Uint8Array(n * 3), w, r: new Float64Array(n), g: new Float64Array(n), b: new Float64Array(n), q: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    const ri = r[i] as number;
    const gi = g[i] as number;
    const bi = b[i] as number;
    cells.levels[i * 3] = ri;
    cells.levels[i * 3 + 1] = gi;
    cells.levels[i * 3 + 2] = bi;
    cells.r[i] = wi * ri;
    cells.g[i] = wi * gi;
    cells.b[i] = wi * bi;
    cells.q[i] = wi * (ri * ri + gi * gi + bi * bi);
  }
  return cells;
}
