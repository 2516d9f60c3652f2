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
 * costs such frames next to nothing. The cut is Wu's criterion on the sparse colours (each cut
 * the one that lowers the squared error the most, on the axis where it does), then a few k-means
 * rounds. All in constant memory, whatever the number of frames.
 */
import { kmeans } from './quantizer.js';

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
   * are at most `colors` distinct ones, else Wu's cuts and k-means.
   * `nearestGlobal` maps a colour to the global palette's RGB, for the comparison; the global
   * palette's error is added up only until `enough(globalError, error, colours)` says the frame's
   * own palette is worth it (that frame's lookups in the global palette are then spared).
   */
  palette(
    colors: number,
    nearestGlobal: (r: number, g: number, b: number) => number,
    globalColors: Uint8Array,
    step: number,
    enough: (globalError: number, error: number, colors: number) => boolean = () => false,
  ): LocalPalette {
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
      const means = cut(cw, cr, cg, cb, colors);
      error = kmeans(means, { w: cw, r: cr, g: cg, b: cb }, ROUNDS, true);
      own = Uint8Array.from(means, (v) => Math.round(v));
    }
    const ownColors = own.length / 3;
    let globalError = 0;
    for (let i = 0; i < n; i++) {
      const [w, r, g, b] = [cw[i] as number, cr[i] as number, cg[i] as number, cb[i] as number];
      const j = nearestGlobal(r, g, b);
      globalError += w * (((globalColors[j * 3] ?? 0) - r) ** 2 + ((globalColors[j * 3 + 1] ?? 0) - g) ** 2 + ((globalColors[j * 3 + 2] ?? 0) - b) ** 2);
      if (enough(globalError, error, ownColors)) break;
    }
    return { colors: own, error, globalError, counted, pixels };
  }
}

/**
 * Wu's criterion on sparse cells: the box with the largest squared error is cut where the two
 * halves' weighted squared means add up to the most, on the best of the three axes; until there
 * are `colors` boxes or none can be cut. The boxes' mean colours.
 *
 * Each box carries its weighted sums (pixels, R, G, B and R² + G² + B²), and a cut hands the
 * running sums at its position to the lower half and the rest to the upper: no pass over a box
 * only to add it up. The sums are of whole numbers far below 2^53, so exact in any order.
 */
function cut(w: Float64Array, r: Float64Array, g: Float64Array, b: Float64Array, colors: number): Float64Array {
  const n = w.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const scratch = new Int32Array(n);
  const channels = [r, g, b] as const;
  interface Box {
    start: number;
    end: number;
    W: number;
    R: number;
    G: number;
    B: number;
    Q: number;
    sse: number;
  }
  const box = (start: number, end: number, W: number, R: number, G: number, B: number, Q: number): Box => ({ start, end, W, R, G, B, Q, sse: W > 0 ? Q - (R * R + G * G + B * B) / W : 0 });
  const counts = new Int32Array(257);
  /**
   * Sorts order[start, end) by a channel's rounded value, stably: a counting sort, or an
   * insertion sort where the box is too small to pay for the 257 counters.
   */
  const sortBy = (channel: Float64Array, start: number, end: number): void => {
    if (end - start < 64) {
      for (let k = start + 1; k < end; k++) {
        const i = order[k] as number;
        const v = Math.round(channel[i] as number);
        let at = k - 1;
        while (at >= start && Math.round(channel[order[at] as number] as number) > v) {
          order[at + 1] = order[at] as number;
          at--;
        }
        order[at + 1] = i;
      }
      return;
    }
    counts.fill(0);
    for (let k = start; k < end; k++) {
      const v = Math.round(channel[order[k] as number] as number) + 1;
      counts[v] = (counts[v] as number) + 1;
    }
    for (let v = 1; v < 257; v++) counts[v] = (counts[v] as number) + (counts[v - 1] as number);
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      const v = Math.round(channel[i] as number);
      const at = counts[v] as number;
      counts[v] = at + 1;
      scratch[at] = i;
    }
    order.set(scratch.subarray(0, end - start), start);
  };
  /** The best cut of a box on a channel (sorting the box by it): its score, position and lower half's sums (position -1: none). */
  const bestOn = (channel: Float64Array, { start, end, W, R, G, B }: Box): { score: number; at: number; sums: [number, number, number, number, number] } => {
    sortBy(channel, start, end);
    let lw = 0;
    let lr = 0;
    let lg = 0;
    let lb = 0;
    let lq = 0;
    let best = { score: -1, at: -1, sums: [0, 0, 0, 0, 0] as [number, number, number, number, number] };
    for (let k = start; k < end - 1; k++) {
      const i = order[k] as number;
      const wi = w[i] as number;
      const ri = r[i] as number;
      const gi = g[i] as number;
      const bi = b[i] as number;
      lw += wi;
      lr += wi * ri;
      lg += wi * gi;
      lb += wi * bi;
      lq += wi * (ri * ri + gi * gi + bi * bi);
      // Only between different values of the channel.
      if (Math.round(channel[i] as number) === Math.round(channel[order[k + 1] as number] as number)) continue;
      const score = (lr * lr + lg * lg + lb * lb) / lw + ((R - lr) ** 2 + (G - lg) ** 2 + (B - lb) ** 2) / (W - lw);
      if (score > best.score) best = { score, at: k + 1, sums: [lw, lr, lg, lb, lq] };
    }
    return best;
  };
  // The first box: every cell.
  const whole: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [wi, ri, gi, bi] = [w[i] as number, r[i] as number, g[i] as number, b[i] as number];
    whole[0] += wi;
    whole[1] += wi * ri;
    whole[2] += wi * gi;
    whole[3] += wi * bi;
    whole[4] += wi * (ri ** 2 + gi ** 2 + bi ** 2);
  }
  const boxes: Box[] = [box(0, n, ...whole)];
  while (boxes.length < colors) {
    let next = -1;
    for (let i = 0; i < boxes.length; i++) if ((boxes[i]?.sse ?? 0) > 0 && (next < 0 || (boxes[i]?.sse ?? 0) > (boxes[next]?.sse ?? 0))) next = i;
    const chosen = boxes[next];
    if (!chosen) break;
    let axis = -1;
    let best: ReturnType<typeof bestOn> | undefined;
    for (let c = 0; c < 3; c++) {
      const found = bestOn(channels[c] as Float64Array, chosen);
      if (found.at >= 0 && found.score > (best?.score ?? -1)) [axis, best] = [c, found];
    }
    if (!best) {
      chosen.sse = 0;
      continue;
    }
    // The box is sorted by the last channel tried (blue); by the chosen one again if another.
    if (axis !== 2) sortBy(channels[axis] as Float64Array, chosen.start, chosen.end);
    const [lw, lr, lg, lb, lq] = best.sums;
    boxes.push(box(best.at, chosen.end, chosen.W - lw, chosen.R - lr, chosen.G - lg, chosen.B - lb, chosen.Q - lq));
    boxes[next] = box(chosen.start, best.at, lw, lr, lg, lb, lq);
  }
  const means = new Float64Array(boxes.length * 3);
  for (const [j, { W, R, G, B }] of boxes.entries()) {
    means[j * 3] = R / W;
    means[j * 3 + 1] = G / W;
    means[j * 3 + 2] = B / W;
  }
  return means;
}
