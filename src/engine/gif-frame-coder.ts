/**
 * One GIF frame from the pixels it draws to its bytes: its palette (the global one or its own,
 * see local-palette.ts), the mapping with dithering, and the LZW coding (lzw.ts). Each frame is
 * coded from its job alone, so frames can be coded on several threads at once
 * (gif-coder-pool.ts) and still give the bytes coding them one after another gives.
 *
 * What a frame draws (which pixels changed, what is cleared after it is shown) needs the frames
 * before it: the writer (gif-writer.ts) decides that, in order, and hands over a FrameJob.
 */
import { LocalPaletteBuilder } from './local-palette.js';
import { LzwEncoder, lossyCandidates } from './lzw.js';
import { type Dither, MapperTables, PaletteMapper, bayerMatrix, loadRgbRow } from './quantizer.js';

/** A rectangle of pixels: [x0, y0, x1, y1), the ends exclusive. */
export type Rect = readonly [number, number, number, number];

/** What every frame of a GIF is coded with: the same on every thread. */
export interface FrameCoderSpec {
  /** The global palette: RGB triplets, at most 255 (one index is kept for transparency). */
  colors: Uint8Array;
  dither: Dither;
  /** Lossy LZW's largest colour distance (0: exact); see GifWriterSpec.lossy. */
  lossy: number;
  /** Frames may carry their own palette (default true). */
  localPalettes: boolean;
}

/**
 * One frame to code. `pixels` and `mask` hold the rectangle `rect` (rows of its width): the
 * frame's RGBA, and per pixel DRAW where it is drawn (the others are written transparent). The
 * buffers may be longer than the rectangle; they travel to a coder thread and back.
 */
export interface FrameJob {
  /** The rectangle drawn, in the frame; undefined: nothing changed (a 1x1 transparent frame). */
  rect: Rect | undefined;
  pixels: Uint8Array;
  mask: Uint8Array;
  /** Pixels marked DRAW. */
  marked: number;
  /** The rectangle written: `rect`, or larger (its new part transparent) when a clear needs it. */
  written: Rect;
  /** Disposal method of the graphic control extension (KEEP or CLEAR). */
  disposal: number;
  /** Hundredths of a second. */
  delay: number;
  /** Whether a palette of its own is tried (see the writer's OWN_PALETTE_WINDOW); default true. */
  tryOwnPalette?: boolean;
}

/** What trying a frame's own palette came to (FrameCoder.own): not tried, or nothing to decide. */
export const OWN_NONE = 0;
/** Taken. */
export const OWN_TAKEN = 1;
/** Cut, then turned down: worth less than its colour table (the costly way to keep the global one). */
export const OWN_TURNED_DOWN = 2;

/** `mask`: the pixel is drawn in this frame. */
export const DRAW = 2;

/** Disposal methods of the graphic control extension. */
export const KEEP = 1;
export const CLEAR = 2;

/**
 * A frame's palette is its own when it lowers the frame's summed squared RGB error by at least
 * this much for each byte of its colour table. Measured on the bench's sets: flat UI-like frames
 * gain 160-320 a byte (their own palettes hold their colours exactly: +6 dB at fewer bytes); the
 * sprite set's frames (a gradient disc) 20-40, where an own palette bought no quality at equal
 * size (bytes and PSNR at lossy 0 to 6 on one curve with the global palette's, within -0.14 to
 * +0.22 dB) but cost its cut's mapping every frame (0.89 -> 0.79 s without them, 9 pairs). At 20
 * they were taken; at 60 they are not, and the flat frames keep theirs.
 */
const LOCAL_GAIN_PER_BYTE = 60;

/** A palette a frame is mapped to: the global one or its own. */
interface FramePalette {
  colors: Uint8Array;
  /** Its colours; the transparent index is right after them. */
  n: number;
  /** Bits of its colour table (2^bits entries). */
  bits: number;
  mapper: PaletteMapper;
  palR: Int32Array;
  palG: Int32Array;
  palB: Int32Array;
  /** Lossy LZW's swap lists (see lossyCandidates), or none. */
  swaps: Uint8Array | undefined;
}

/** Bits of a colour table for `n` colours and the transparent index. */
export function tableBits(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(n + 1)));
}

/** A palette to map frames to; `tables`: the lookup tables of the previous local palette's mapper, taken over. */
function framePalette(colors: Uint8Array, dither: Dither, lossy: number, tables?: MapperTables): FramePalette {
  const n = Math.floor(colors.length / 3);
  return {
    colors,
    n,
    bits: tableBits(n),
    // A frame's own palette maps that frame alone: a search with nothing to build (see MapperSearch).
    mapper: new PaletteMapper(colors, n, dither, undefined, tables, tables ? 'sorted' : 'cells'),
    palR: Int32Array.from({ length: n }, (_, i) => colors[i * 3] ?? 0),
    palG: Int32Array.from({ length: n }, (_, i) => colors[i * 3 + 1] ?? 0),
    palB: Int32Array.from({ length: n }, (_, i) => colors[i * 3 + 2] ?? 0),
    swaps: lossy > 0 ? lossyCandidates(colors, n, lossy) : undefined,
  };
}

/** Codes frames (see FrameJob); keeps its working memory from frame to frame. */
export class FrameCoder {
  private readonly spec: FrameCoderSpec;
  private readonly global: FramePalette;
  private readonly local = new LocalPaletteBuilder();
  /** The lookup tables of the local palettes' mappers (framePalette). */
  private localTables: MapperTables | undefined;
  private readonly lzw = new LzwEncoder();
  /** The frame's indices (rows of the written rectangle's width). */
  private indices = new Uint8Array(0);
  /** Working rows of the error diffusion. */
  private here = new Int32Array(0);
  private next = new Int32Array(0);
  private readonly out = new ByteWriter(1 << 16);
  /** What trying the last frame's own palette came to: OWN_NONE, OWN_TAKEN (it took one) or OWN_TURNED_DOWN. */
  own = OWN_NONE;

  constructor(spec: FrameCoderSpec) {
    const n = Math.floor(spec.colors.length / 3);
    if (n < 1 || n > 255) throw new RangeError(`A GIF palette here has 1 to 255 colours, not ${n}`);
    this.spec = spec;
    this.global = framePalette(spec.colors.subarray(0, n * 3), spec.dither, spec.lossy);
  }

  /**
   * The frame's bytes: graphic control extension, image descriptor, its colour table if it has
   * its own, and the LZW data in sub-blocks. A view valid until the next call.
   */
  code(job: FrameJob): Uint8Array {
    const { rect, written, disposal, delay } = job;
    const [x0, y0, x1, y1] = written;
    const w = x1 - x0;
    const h = y1 - y0;
    if (this.indices.length < w * h) this.indices = new Uint8Array(w * h);
    const indices = this.indices.subarray(0, w * h);
    let palette = this.global;
    this.own = OWN_NONE;
    if (rect) {
      palette = this.paletteFor(job, rect);
      const grown = written.some((v, i) => v !== rect[i]);
      // The rectangle's pixels straight into their rows of the written one; around them transparent.
      if (grown) indices.fill(palette.n);
      this.mapRect(job, rect, palette, indices, w, (rect[1] - y0) * w + (rect[0] - x0));
    } else {
      indices.fill(palette.n);
    }
    const out = this.out;
    out.reset();
    // Graphic control extension: disposal, transparent index, delay.
    out.bytes([0x21, 0xf9, 0x04, (disposal << 2) | 1]);
    out.u16(Math.max(0, Math.min(65535, Math.round(delay))));
    out.byte(palette.n);
    out.byte(0);
    // Image descriptor: the rectangle, and the frame's own colour table if it has one.
    out.byte(0x2c);
    out.u16(x0);
    out.u16(y0);
    out.u16(w);
    out.u16(h);
    if (palette === this.global) out.byte(0);
    else {
      out.byte(0x80 | (palette.bits - 1));
      const table = new Uint8Array(3 * (1 << palette.bits));
      table.set(palette.colors);
      out.bytes(table);
    }
    const minCode = Math.max(2, palette.bits);
    out.byte(minCode);
    subBlocks(out, this.lzw.encode(indices, minCode, palette.swaps));
    return out.view();
  }

  /**
   * The palette a frame's drawn pixels are mapped to: its own (cut from them) when that lowers
   * their squared error by LOCAL_GAIN_PER_BYTE a byte of its colour table, else the global one.
   */
  private paletteFor(job: FrameJob, rect: Rect): FramePalette {
    const global = this.global;
    if (!this.spec.localPalettes || job.marked === 0 || job.tryOwnPalette === false) return global;
    const { local } = this;
    const w = rect[2] - rect[0];
    const h = rect[3] - rect[1];
    const step = Math.max(1, Math.ceil(job.marked / (1 << 16)));
    // Sampled on the frame's diagonals (rect's position as the phase), as if counted in the frame.
    if (!local.count(wordsOf(job.pixels, w * h), w, job.mask, w, DRAW, [0, 0, w, h], job.marked, rect[0] + rect[1])) return global;
    // Worth its colour table: the pixels' error falls by LOCAL_GAIN_PER_BYTE a byte of it.
    const worth = (globalError: number, error: number, n: number): boolean => (globalError - error) * step >= LOCAL_GAIN_PER_BYTE * (3 << tableBits(n));
    const cut = local.palette(global.n, (r, g, b) => global.mapper.nearest(r, g, b), global.colors, step, worth);
    if (!cut) return global;
    const n = cut.colors.length / 3;
    if (n < 1 || !worth(cut.globalError, cut.error, n)) {
      this.own = OWN_TURNED_DOWN;
      return global;
    }
    this.own = OWN_TAKEN;
    // One set of lookup tables for every local palette: only the latest one's mapper is used.
    return framePalette(cut.colors, this.spec.dither, this.spec.lossy, (this.localTables ??= new MapperTables()));
  }

  /**
   * Maps the job's rectangle into `indices` (rows `outStride` apart from `at`): the pixels marked
   * DRAW to the palette (dithered), the others to the transparent index. The diffusion is
   * paletteuse's to the integer (see diffuseError), inlined for Sierra-2-4A and Floyd-Steinberg.
   */
  private mapRect(job: FrameJob, rect: Rect, palette: FramePalette, indices: Uint8Array, outStride: number, at: number): void {
    const { pixels: data, mask } = job;
    const w = rect[2] - rect[0];
    const h = rect[3] - rect[1];
    const stride = w * 4;
    const dither = this.spec.dither;
    const kind = dither === 'sierra2_4a' ? SIERRA : dither === 'floyd_steinberg' ? FLOYD : dither === 'bayer' ? ORDERED : PLAIN;
    // Working colours with the diffused error: this row and the next (paletteuse's integer diffusion).
    if (this.here.length < w * 3) {
      this.here = new Int32Array(w * 3);
      this.next = new Int32Array(w * 3);
    }
    let here = this.here;
    let next = this.next;
    loadRgbRow(next, data, stride, 0, w, 0);
    for (let y = 0; y < h; y++) {
      const row = next;
      next = here;
      here = row;
      const down = y + 1 < h;
      if (down) loadRgbRow(next, data, stride, 0, w, y + 1);
      mapRow(palette, kind, here, next, down, mask, y * w, w, indices, at + y * outStride, rect[0], rect[1] + y);
    }
    this.here = here;
    this.next = next;
  }
}

/** How mapRow dithers: error diffusion (Sierra-2-4A, Floyd-Steinberg), the Bayer pattern, or none. */
const SIERRA = 0;
const FLOYD = 1;
const ORDERED = 2;
const PLAIN = 3;

/**
 * Maps one row of a rectangle (`w` working colours in `here`, their marks from `mask[p0]`) into
 * `indices[o...]`: marked pixels to the palette, dithered by `kind` (error diffused into the rest
 * of `here` and, when `down`, into `next`), the others to the transparent index. `x0`, `y`: the
 * row's place in the frame (the Bayer pattern's phase). A function of its own, called a row at a
 * time: V8 optimises it after a few rows with the feedback of whole rows.
 */
function mapRow(palette: FramePalette, kind: number, here: Int32Array, next: Int32Array, down: boolean, mask: Uint8Array, p0: number, w: number, indices: Uint8Array, o: number, x0: number, y: number): void {
  const { mapper, palR, palG, palB } = palette;
  const clear = palette.n;
  for (let x = 0; x < w; x++, o++) {
    if (mask[p0 + x] !== DRAW) {
      indices[o] = clear;
      continue;
    }
    const k = x * 3;
    let r = here[k] as number;
    let g = here[k + 1] as number;
    let b = here[k + 2] as number;
    if (kind === ORDERED) {
      const d = BAYER[((y & 7) << 3) | ((x0 + x) & 7)] as number;
      r = clamp(r + d);
      g = clamp(g + d);
      b = clamp(b + d);
    }
    const index = mapper.nearest(r, g, b);
    indices[o] = index;
    if (kind === SIERRA) {
      const er = r - (palR[index] as number);
      const eg = g - (palG[index] as number);
      const eb = b - (palB[index] as number);
      // Sierra-2-4A: 2/4 right, 1/4 down-left, 1/4 down, each truncated and clipped at once. A
      // share that truncates to 0 in every channel changes nothing (the working colours are
      // within 0-255 already): a half is 0 up to an error of 1, a quarter up to 3.
      const m = largest(er, eg, eb);
      if (m <= 1) continue;
      if (x + 1 < w) {
        here[k + 3] = clamp((here[k + 3] as number) + ((er / 2) | 0));
        here[k + 4] = clamp((here[k + 4] as number) + ((eg / 2) | 0));
        here[k + 5] = clamp((here[k + 5] as number) + ((eb / 2) | 0));
      }
      if (down && m > 3) {
        const qr = (er / 4) | 0;
        const qg = (eg / 4) | 0;
        const qb = (eb / 4) | 0;
        if (x > 0) {
          next[k - 3] = clamp((next[k - 3] as number) + qr);
          next[k - 2] = clamp((next[k - 2] as number) + qg);
          next[k - 1] = clamp((next[k - 1] as number) + qb);
        }
        next[k] = clamp((next[k] as number) + qr);
        next[k + 1] = clamp((next[k + 1] as number) + qg);
        next[k + 2] = clamp((next[k + 2] as number) + qb);
      }
    } else if (kind === FLOYD) {
      const er = r - (palR[index] as number);
      const eg = g - (palG[index] as number);
      const eb = b - (palB[index] as number);
      // Floyd-Steinberg: 7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right, each truncated
      // and clipped at once. A share that truncates to 0 in every channel changes nothing: 7/16
      // is 0 up to an error of 2, 5/16 up to 3, 3/16 up to 5, 1/16 up to 15. With a palette that
      // fits, most errors are that small (a 640x360 frame of the bench's sprite set: 3.1 ms -> 1.6 ms).
      const m = largest(er, eg, eb);
      if (m <= 2) continue;
      const right = x + 1 < w;
      if (right) {
        here[k + 3] = clamp((here[k + 3] as number) + (((er * 7) / 16) | 0));
        here[k + 4] = clamp((here[k + 4] as number) + (((eg * 7) / 16) | 0));
        here[k + 5] = clamp((here[k + 5] as number) + (((eb * 7) / 16) | 0));
      }
      if (down && m > 3) {
        if (x > 0 && m > 5) {
          next[k - 3] = clamp((next[k - 3] as number) + (((er * 3) / 16) | 0));
          next[k - 2] = clamp((next[k - 2] as number) + (((eg * 3) / 16) | 0));
          next[k - 1] = clamp((next[k - 1] as number) + (((eb * 3) / 16) | 0));
        }
        next[k] = clamp((next[k] as number) + (((er * 5) / 16) | 0));
        next[k + 1] = clamp((next[k + 1] as number) + (((eg * 5) / 16) | 0));
        next[k + 2] = clamp((next[k + 2] as number) + (((eb * 5) / 16) | 0));
        if (right && m > 15) {
          next[k + 3] = clamp((next[k + 3] as number) + ((er / 16) | 0));
          next[k + 4] = clamp((next[k + 4] as number) + ((eg / 16) | 0));
          next[k + 5] = clamp((next[k + 5] as number) + ((eb / 16) | 0));
        }
      }
    }
  }
}

/** The largest magnitude of three integers. */
function largest(a: number, b: number, c: number): number {
  const x = a < 0 ? -a : a;
  const y = b < 0 ? -b : b;
  const z = c < 0 ? -c : c;
  return x > y ? (x > z ? x : z) : y > z ? y : z;
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** paletteuse's 8x8 Bayer matrix at scale 3. */
const BAYER = bayerMatrix(3);

/** The first `length` RGBA pixels of `bytes` as 32-bit words (a view when aligned, else a copy). */
export function wordsOf(bytes: Uint8Array, length: number): Uint32Array {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, length);
  const copy = new Uint8Array(length * 4);
  copy.set(bytes.subarray(0, length * 4));
  return new Uint32Array(copy.buffer);
}

/** Appends an LZW code stream cut into GIF's sub-blocks (a length byte, at most 255 bytes), and the block terminator. */
function subBlocks(out: ByteWriter, data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 255) {
    const n = Math.min(255, data.length - i);
    out.byte(n);
    out.bytes(data.subarray(i, i + n));
  }
  out.byte(0);
}

/** A growing byte buffer. */
export class ByteWriter {
  private buf: Uint8Array;
  private n = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.n + k));
    grown.set(this.buf.subarray(0, this.n));
    this.buf = grown;
  }

  byte(v: number): void {
    this.room(1);
    this.buf[this.n++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf[this.n++] = v & 0xff;
    this.buf[this.n++] = (v >> 8) & 0xff;
  }

  bytes(v: ArrayLike<number>): void {
    this.room(v.length);
    this.buf.set(v, this.n);
    this.n += v.length;
  }

  view(): Uint8Array {
    return this.buf.subarray(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }
}
