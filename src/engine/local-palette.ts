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
  private readonly scratch = new CutScratch();

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
      const means = cut(this.scratch, cw, Uint8Array.from(cr), Uint8Array.from(cg), Uint8Array.from(cb), colors);
      error = kmeans(means, { w: cw, r: cr, g: cg, b: cb }, ROUNDS, true);
      own = Uint8Array.from(means, (v) => Math.round(v));
    }
    const ownColors = own.length / 3;
    let globalError = 0;
    for (let i = 0; i < n; i++) {
      const w = cw[i] as number;
      const r = cr[i] as number;
      const g = cg[i] as number;
      const b = cb[i] as number;
      const j = nearestGlobal(r, g, b);
      globalError += w * (((globalColors[j * 3] ?? 0) - r) ** 2 + ((globalColors[j * 3 + 1] ?? 0) - g) ** 2 + ((globalColors[j * 3 + 2] ?? 0) - b) ** 2);
      if (enough(globalError, error, ownColors)) break;
    }
    return { colors: own, error, globalError, counted, pixels };
  }
}

/** Boxes a cut makes at most: a GIF palette's size. */
const MAX_BOXES = 256;

/**
 * The cut's working memory, kept from frame to frame: the cells' order, a counting sort's
 * counters and spare order, and the boxes (a range of the order and its five sums each:
 * pixels, R, G, B and R² + G² + B²). Plain functions over it, no closures made per call: V8
 * compiles them once (closures made inside the cut cost it four optimisations of some 70 ms
 * each on its compiler thread, and the optimised code was thrown away at every new frame).
 */
class CutScratch {
  order = new Int32Array(MAX_CELLS);
  spare = new Int32Array(MAX_CELLS);
  readonly counts = new Int32Array(257);
  readonly start = new Int32Array(MAX_BOXES);
  readonly end = new Int32Array(MAX_BOXES);
  readonly sums = new Float64Array(MAX_BOXES * 5);
  readonly sse = new Float64Array(MAX_BOXES);
  /** bestOn's answer: score, position (-1: none), then the lower half's five sums. */
  readonly found = new Float64Array(7);
  /** The best of the three axes' answers. */
  readonly best = new Float64Array(7);

  /** Room for `n` cells. */
  fit(n: number): void {
    if (this.order.length >= n) return;
    this.order = new Int32Array(n);
    this.spare = new Int32Array(n);
  }
}

/** A box's squared error from its sums. */
function boxError(sums: Float64Array, at: number): number {
  const W = sums[at] as number;
  const R = sums[at + 1] as number;
  const G = sums[at + 2] as number;
  const B = sums[at + 3] as number;
  return W > 0 ? (sums[at + 4] as number) - (R * R + G * G + B * B) / W : 0;
}

/**
 * Sorts order[start, end) by a channel's value, stably: a counting sort, or an insertion sort
 * where the box is too small to pay for the 257 counters.
 */
function sortBy(s: CutScratch, channel: Uint8Array, start: number, end: number): void {
  const { order, spare, counts } = s;
  if (end - start < 64) {
    for (let k = start + 1; k < end; k++) {
      const i = order[k] as number;
      const v = channel[i] as number;
      let at = k - 1;
      while (at >= start && (channel[order[at] as number] as number) > v) {
        order[at + 1] = order[at] as number;
        at--;
      }
      order[at + 1] = i;
    }
    return;
  }
  counts.fill(0);
  for (let k = start; k < end; k++) {
    const v = (channel[order[k] as number] as number) + 1;
    counts[v] = (counts[v] as number) + 1;
  }
  for (let v = 1; v < 257; v++) counts[v] = (counts[v] as number) + (counts[v - 1] as number);
  for (let k = start; k < end; k++) {
    const i = order[k] as number;
    const v = channel[i] as number;
    const at = counts[v] as number;
    counts[v] = at + 1;
    spare[at] = i;
  }
  order.set(spare.subarray(0, end - start), start);
}

/**
 * The best cut of box `box` on a channel, sorting the box by it, into `s.found`: its score,
 * position (-1: none) and the lower half's sums.
 */
function bestOn(s: CutScratch, box: number, channel: Uint8Array, w: Float64Array, r: Uint8Array, g: Uint8Array, b: Uint8Array): void {
  const start = s.start[box] as number;
  const end = s.end[box] as number;
  sortBy(s, channel, start, end);
  const { order, sums, found } = s;
  const W = sums[box * 5] as number;
  const R = sums[box * 5 + 1] as number;
  const G = sums[box * 5 + 2] as number;
  const B = sums[box * 5 + 3] as number;
  let lw = 0;
  let lr = 0;
  let lg = 0;
  let lb = 0;
  let lq = 0;
  found.fill(0);
  found[0] = -1;
  found[1] = -1;
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
    if (channel[i] === channel[order[k + 1] as number]) continue;
    const score = (lr * lr + lg * lg + lb * lb) / lw + ((R - lr) ** 2 + (G - lg) ** 2 + (B - lb) ** 2) / (W - lw);
    if (score > (found[0] as number)) {
      found[0] = score;
      found[1] = k + 1;
      found[2] = lw;
      found[3] = lr;
      found[4] = lg;
      found[5] = lb;
      found[6] = lq;
    }
  }
}

/**
 * Wu's criterion on sparse cells: the box with the largest squared error is cut where the two
 * halves' weighted squared means add up to the most, on the best of the three axes; until there
 * are `colors` boxes or none can be cut. The boxes' mean colours.
 *
 * Each box carries its weighted sums, and a cut hands the running sums at its position to the
 * lower half and the rest to the upper: no pass over a box only to add it up. The sums are of
 * whole numbers far below 2^53, so exact in any order.
 */
function cut(s: CutScratch, w: Float64Array, r: Uint8Array, g: Uint8Array, b: Uint8Array, colors: number): Float64Array {
  const n = w.length;
  const limit = Math.min(colors, MAX_BOXES);
  s.fit(n);
  const { order, sums, sse, found, best } = s;
  for (let i = 0; i < n; i++) order[i] = i;
  // The first box: every cell.
  sums.fill(0, 0, 5);
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    const ri = r[i] as number;
    const gi = g[i] as number;
    const bi = b[i] as number;
    sums[0] = (sums[0] as number) + wi;
    sums[1] = (sums[1] as number) + wi * ri;
    sums[2] = (sums[2] as number) + wi * gi;
    sums[3] = (sums[3] as number) + wi * bi;
    sums[4] = (sums[4] as number) + wi * (ri ** 2 + gi ** 2 + bi ** 2);
  }
  s.start[0] = 0;
  s.end[0] = n;
  sse[0] = boxError(sums, 0);
  let boxes = 1;
  const channels = [r, g, b];
  while (boxes < limit) {
    let next = -1;
    for (let i = 0; i < boxes; i++) if ((sse[i] as number) > 0 && (next < 0 || (sse[i] as number) > (sse[next] as number))) next = i;
    if (next < 0) break;
    let axis = -1;
    for (let c = 0; c < 3; c++) {
      bestOn(s, next, channels[c] as Uint8Array, w, r, g, b);
      if ((found[1] as number) >= 0 && (found[0] as number) > (axis < 0 ? -1 : (best[0] as number))) {
        axis = c;
        best.set(found);
      }
    }
    if (axis < 0) {
      sse[next] = 0;
      continue;
    }
    // The box is sorted by the last channel tried (blue); by the chosen one again if another.
    const start = s.start[next] as number;
    const end = s.end[next] as number;
    if (axis !== 2) sortBy(s, channels[axis] as Uint8Array, start, end);
    const at = best[1] as number;
    const upper = boxes * 5;
    const lower = next * 5;
    for (let t = 0; t < 5; t++) {
      sums[upper + t] = (sums[lower + t] as number) - (best[2 + t] as number);
      sums[lower + t] = best[2 + t] as number;
    }
    s.start[boxes] = at;
    s.end[boxes] = end;
    s.end[next] = at;
    sse[boxes] = boxError(sums, upper);
    sse[next] = boxError(sums, lower);
    boxes++;
  }
  const means = new Float64Array(boxes * 3);
  for (let j = 0; j < boxes; j++) {
    const W = sums[j * 5] as number;
    means[j * 3] = (sums[j * 5 + 1] as number) / W;
    means[j * 3 + 1] = (sums[j * 5 + 2] as number) / W;
    means[j * 3 + 2] = (sums[j * 5 + 3] as number) / W;
  }
  return means;
}

/** Wu's cuts over exact colours (`cut`, with working memory of its own): the boxes' mean colours. For the tests. */
export function cutColors(w: Float64Array, r: Uint8Array, g: Uint8Array, b: Uint8Array, colors: number): Float64Array {
  return cut(new CutScratch(), w, r, g, b, colors);
}
