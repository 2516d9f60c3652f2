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
  /** Squared RGB error of the same pixels with the global palette. */
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

  /** Counts one pixel (an RGB word, R in the low byte); false when that is one colour too many. */
  private add(rgb: number): boolean {
    const key = rgb & 0xffffff;
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
    this.w[slot] = (this.w[slot] as number) + 1;
    return true;
  }

  /**
   * Counts the pixels of `words` (RGBA words, rows `rowWords` apart) marked `mark` in `drawn`
   * (one byte a pixel, rows `width` apart) inside [x0, x1) x [y0, y1); every `step`-th on
   * diagonals when there are more than MAX_SAMPLES. False when they have more than MAX_CELLS
   * colours (the count stops there).
   */
  count(words: Uint32Array, rowWords: number, drawn: Uint8Array, width: number, mark: number, rect: readonly [number, number, number, number], marked: number): boolean {
    this.reset();
    const [x0, y0, x1, y1] = rect;
    const step = Math.max(1, Math.ceil(marked / MAX_SAMPLES));
    for (let y = y0; y < y1; y++) {
      const row = y * rowWords;
      const p0 = y * width;
      let x = x0;
      if (step > 1) x += (step - ((x0 + y) % step)) % step;
      for (; x < x1; x += step) {
        if (drawn[p0 + x] === mark && !this.add(words[row + x] as number)) return false;
      }
    }
    return true;
  }

  /**
   * A palette of at most `colors` entries for the counted pixels: every colour exactly when they
   * are at most `colors` distinct ones, else Wu's cuts and k-means.
   * `nearestGlobal` maps a colour to the global palette's RGB, for the comparison.
   */
  palette(colors: number, nearestGlobal: (r: number, g: number, b: number) => number, globalColors: Uint8Array, step: number): LocalPalette {
    const n = this.n;
    const cw = new Float64Array(n);
    const cr = new Float64Array(n);
    const cg = new Float64Array(n);
    const cb = new Float64Array(n);
    let counted = 0;
    let globalError = 0;
    for (let i = 0; i < n; i++) {
      const s = this.used[i] as number;
      const key = this.keys[s] as number;
      const w = this.w[s] as number;
      cw[i] = w;
      cr[i] = key & 0xff;
      cg[i] = (key >> 8) & 0xff;
      cb[i] = (key >> 16) & 0xff;
      counted += w;
      const j = nearestGlobal(Math.round(cr[i] as number), Math.round(cg[i] as number), Math.round(cb[i] as number));
      globalError += w * (((globalColors[j * 3] ?? 0) - (cr[i] as number)) ** 2 + ((globalColors[j * 3 + 1] ?? 0) - (cg[i] as number)) ** 2 + ((globalColors[j * 3 + 2] ?? 0) - (cb[i] as number)) ** 2);
    }
    const pixels = counted * step;
    if (n <= colors) {
      const out = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) {
        out[i * 3] = cr[i] as number;
        out[i * 3 + 1] = cg[i] as number;
        out[i * 3 + 2] = cb[i] as number;
      }
      return { colors: out, error: 0, globalError, counted, pixels };
    }
    const means = cut(cw, cr, cg, cb, colors);
    const error = kmeans(means, cw, cr, cg, cb, ROUNDS);
    return { colors: Uint8Array.from(means, (v) => Math.round(v)), error, globalError, counted, pixels };
  }
}

/**
 * Wu's criterion on sparse cells: the box with the largest squared error is cut where the two
 * halves' weighted squared means add up to the most, on the best of the three axes; until there
 * are `colors` boxes or none can be cut. The boxes' mean colours.
 */
function cut(w: Float64Array, r: Float64Array, g: Float64Array, b: Float64Array, colors: number): Float64Array {
  const n = w.length;
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const scratch = new Int32Array(n);
  const channels = [r, g, b] as const;
  interface Box {
    start: number;
    end: number;
    sse: number;
  }
  /** The weighted sums of the cells order[start, end): pixels, R, G, B, and R² + G² + B². */
  const sums = (start: number, end: number): { W: number; R: number; G: number; B: number; Q: number } => {
    let W = 0;
    let R = 0;
    let G = 0;
    let B = 0;
    let Q = 0;
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      const wi = w[i] as number;
      const ri = r[i] as number;
      const gi = g[i] as number;
      const bi = b[i] as number;
      W += wi;
      R += wi * ri;
      G += wi * gi;
      B += wi * bi;
      Q += wi * (ri * ri + gi * gi + bi * bi);
    }
    return { W, R, G, B, Q };
  };
  const sse = (start: number, end: number): number => {
    const { W, R, G, B, Q } = sums(start, end);
    return W > 0 ? Q - (R * R + G * G + B * B) / W : 0;
  };
  const counts = new Int32Array(257);
  /** Sorts order[start, end) by a channel (counting sort on the rounded value, stable). */
  const sortBy = (channel: Float64Array, start: number, end: number): void => {
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
  /** The best cut of a box on a channel: [score, position] (position -1: none). */
  const bestOn = (channel: Float64Array, start: number, end: number): [number, number] => {
    sortBy(channel, start, end);
    const { W, R, G, B } = sums(start, end);
    let lw = 0;
    let lr = 0;
    let lg = 0;
    let lb = 0;
    let best: [number, number] = [-1, -1];
    for (let k = start; k < end - 1; k++) {
      const i = order[k] as number;
      const wi = w[i] as number;
      lw += wi;
      lr += wi * (r[i] as number);
      lg += wi * (g[i] as number);
      lb += wi * (b[i] as number);
      // Only between different values of the channel.
      if (Math.round(channel[i] as number) === Math.round(channel[order[k + 1] as number] as number)) continue;
      const score = (lr * lr + lg * lg + lb * lb) / lw + ((R - lr) ** 2 + (G - lg) ** 2 + (B - lb) ** 2) / (W - lw);
      if (score > best[0]) best = [score, k + 1];
    }
    return best;
  };
  const boxes: Box[] = [{ start: 0, end: n, sse: sse(0, n) }];
  while (boxes.length < colors) {
    let next = -1;
    for (let i = 0; i < boxes.length; i++) if ((boxes[i]?.sse ?? 0) > 0 && (next < 0 || (boxes[i]?.sse ?? 0) > (boxes[next]?.sse ?? 0))) next = i;
    const box = boxes[next];
    if (!box) break;
    let axis = -1;
    let at = -1;
    let score = -1;
    for (let c = 0; c < 3; c++) {
      const [s, k] = bestOn(channels[c] as Float64Array, box.start, box.end);
      if (k >= 0 && s > score) [axis, at, score] = [c, k, s];
    }
    if (axis < 0) {
      box.sse = 0;
      continue;
    }
    sortBy(channels[axis] as Float64Array, box.start, box.end);
    const upper: Box = { start: at, end: box.end, sse: sse(at, box.end) };
    box.end = at;
    box.sse = sse(box.start, at);
    boxes.push(upper);
  }
  const means = new Float64Array(boxes.length * 3);
  for (const [j, box] of boxes.entries()) {
    const { W, R, G, B } = sums(box.start, box.end);
    means[j * 3] = R / W;
    means[j * 3 + 1] = G / W;
    means[j * 3 + 2] = B / W;
  }
  return means;
}

/** k-means (Lloyd) rounds over the cells, in place; the squared error after the last assignment. */
function kmeans(means: Float64Array, w: Float64Array, r: Float64Array, g: Float64Array, b: Float64Array, rounds: number): number {
  const k = means.length / 3;
  const n = w.length;
  const owner = new Int32Array(n);
  const acc = new Float64Array(k * 4);
  let error = 0;
  for (let round = 0; round <= rounds; round++) {
    acc.fill(0);
    error = 0;
    for (let c = 0; c < n; c++) {
      const cr = r[c] as number;
      const cg = g[c] as number;
      const cb = b[c] as number;
      let nearest = owner[c] as number;
      let best = ((means[nearest * 3] as number) - cr) ** 2 + ((means[nearest * 3 + 1] as number) - cg) ** 2 + ((means[nearest * 3 + 2] as number) - cb) ** 2;
      for (let j = 0; j < k; j++) {
        const dr = (means[j * 3] as number) - cr;
        let d = dr * dr;
        if (d >= best) continue;
        const dg = (means[j * 3 + 1] as number) - cg;
        d += dg * dg;
        if (d >= best) continue;
        const db = (means[j * 3 + 2] as number) - cb;
        d += db * db;
        if (d < best) {
          best = d;
          nearest = j;
        }
      }
      owner[c] = nearest;
      const wc = w[c] as number;
      error += wc * best;
      acc[nearest * 4] = (acc[nearest * 4] as number) + wc;
      acc[nearest * 4 + 1] = (acc[nearest * 4 + 1] as number) + wc * cr;
      acc[nearest * 4 + 2] = (acc[nearest * 4 + 2] as number) + wc * cg;
      acc[nearest * 4 + 3] = (acc[nearest * 4 + 3] as number) + wc * cb;
    }
    if (round === rounds) break;
    for (let j = 0; j < k; j++) {
      const wj = acc[j * 4] as number;
      if (wj <= 0) continue;
      means[j * 3] = (acc[j * 4 + 1] as number) / wj;
      means[j * 3 + 1] = (acc[j * 4 + 2] as number) / wj;
      means[j * 3 + 2] = (acc[j * 4 + 3] as number) / wj;
    }
  }
  return error;
}
