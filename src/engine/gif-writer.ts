/**
 * A GIF89a writer in JavaScript: flipbook's own frame encoding instead of FFmpeg's gif encoder,
 * for what that encoder cannot do:
 *
 * - **Frame differences with a tolerance.** Each frame is compared with the source colour every
 *   pixel was last drawn from (not with the dithered colour shown, so dithering never counts as
 *   a change). A pixel within `tolerance` of it stays as shown: it is written as the transparent
 *   index, inside the smallest rectangle that holds every changed pixel. Still regions cost
 *   nothing and never shimmer, and a slow drift is redrawn once it has moved past the tolerance.
 * - **Transparency** of the source (alpha below ALPHA_THRESHOLD): such frames are drawn over a
 *   cleared canvas (disposal "restore to background"), only the rectangle of their opaque pixels.
 *
 * Memory is a few frames' worth (the reference colours, the working rows, one frame's indices and
 * its LZW output), whatever the number of frames. Bytes go to the file frame by frame.
 */
import { type FileHandle, open } from 'node:fs/promises';

import { FlipbookError } from '../errors.js';

import { ALPHA_THRESHOLD, type Dither, PaletteMapper, type RgbaRows, bayerMatrix, diffuseError, loadRgbRow } from './quantizer.js';

export interface GifWriterSpec {
  file: string;
  /** The output as the user named it, for errors (default: file). */
  name?: string | undefined;
  width: number;
  height: number;
  /** How many times the animation plays: 0 forever, 1 once (no loop block). */
  loop: number;
  /** The global palette: RGB triplets, at most 255 (one index is kept for transparency). */
  colors: Uint8Array;
  /** The source may have transparent pixels. */
  alpha: boolean;
  dither: Dither;
  /**
   * Largest change of a pixel's source colour (in each of R, G, B, 0-255) still shown with its old
   * colour. 0: only identical pixels are kept.
   */
  tolerance: number;
}

/** Disposal methods of the graphic control extension. */
const KEEP = 1;
const CLEAR = 2;

export class GifWriter {
  private readonly spec: GifWriterSpec;
  private readonly handle: FileHandle;
  private readonly mapper: PaletteMapper;
  private readonly palR: Int32Array;
  private readonly palG: Int32Array;
  private readonly palB: Int32Array;
  /** The transparent index: right after the colours. */
  private readonly clear: number;
  /** Bits of the colour table (its size is 2^bits). */
  private readonly tableBits: number;
  /** Per pixel the source colour it was last drawn from (RGB), and whether it was drawn at all. */
  private readonly reference: Uint8Array;
  private readonly drawn: Uint8Array;
  private readonly indices: Uint8Array;
  private readonly lzw = new LzwEncoder();
  private frames = 0;
  private closed = false;

  private constructor(spec: GifWriterSpec, handle: FileHandle) {
    this.spec = spec;
    this.handle = handle;
    const n = Math.floor(spec.colors.length / 3);
    if (n < 1 || n > 255) throw new RangeError(`A GIF palette here has 1 to 255 colours, not ${n}`);
    this.clear = n;
    this.mapper = new PaletteMapper(spec.colors, n, spec.dither);
    this.palR = Int32Array.from({ length: n }, (_, i) => spec.colors[i * 3] ?? 0);
    this.palG = Int32Array.from({ length: n }, (_, i) => spec.colors[i * 3 + 1] ?? 0);
    this.palB = Int32Array.from({ length: n }, (_, i) => spec.colors[i * 3 + 2] ?? 0);
    this.tableBits = Math.max(1, Math.ceil(Math.log2(n + 1)));
    const pixels = spec.width * spec.height;
    this.reference = new Uint8Array(pixels * 3);
    this.drawn = new Uint8Array(pixels);
    this.indices = new Uint8Array(pixels);
  }

  static async open(spec: GifWriterSpec): Promise<GifWriter> {
    const handle = await open(spec.file, 'w');
    const writer = new GifWriter(spec, handle);
    try {
      await writer.put(writer.header());
    } catch (error) {
      await handle.close();
      throw error;
    }
    return writer;
  }

  /** Writes bytes; a failure (a full disk) names the output and stops the work at once. */
  private async put(bytes: Uint8Array): Promise<void> {
    try {
      await this.handle.write(bytes);
    } catch (cause) {
      const name = this.spec.name ?? this.spec.file;
      throw new FlipbookError('IO', `Cannot write ${name}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`, { file: name, cause });
    }
  }

  /** The header: logical screen, global colour table, loop block. */
  private header(): Uint8Array {
    const { width, height, colors, loop } = this.spec;
    const out = new ByteWriter(64 + 3 * (1 << this.tableBits));
    out.bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // GIF89a
    out.u16(width);
    out.u16(height);
    out.byte(0x80 | ((this.tableBits - 1) << 4) | (this.tableBits - 1)); // global table, its size
    out.byte(this.clear); // background: the transparent index
    out.byte(0);
    const table = new Uint8Array(3 * (1 << this.tableBits));
    table.set(colors.subarray(0, this.clear * 3));
    out.bytes(table);
    if (loop !== 1) {
      // NETSCAPE2.0: 0 plays forever, n repeats n times after the first play.
      out.bytes([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01]);
      out.u16(loop === 0 ? 0 : Math.min(65535, loop - 1));
      out.byte(0);
    }
    return out.view();
  }

  /** Encodes an RGBA frame shown for `delay` hundredths of a second. */
  async write(picture: RgbaRows, delay: number): Promise<void> {
    const { width, height } = this.spec;
    if (picture.width !== width || picture.height !== height) throw new RangeError(`A ${picture.width}x${picture.height} frame in a ${width}x${height} GIF`);
    const rect = this.spec.alpha ? this.opaqueRect(picture) : this.changedRect(picture);
    const disposal = this.spec.alpha ? CLEAR : KEEP;
    const [x0, y0, x1, y1] = rect ?? [0, 0, 1, 1];
    const w = x1 - x0;
    const h = y1 - y0;
    if (rect) this.mapRect(picture, rect);
    else this.indices[0] = this.clear;
    const out = new ByteWriter(w * h + 1024);
    // Graphic control extension: disposal, transparent index, delay.
    out.bytes([0x21, 0xf9, 0x04, (disposal << 2) | 1]);
    out.u16(Math.max(0, Math.min(65535, Math.round(delay))));
    out.byte(this.clear);
    out.byte(0);
    // Image descriptor: the rectangle, no local table.
    out.byte(0x2c);
    out.u16(x0);
    out.u16(y0);
    out.u16(w);
    out.u16(h);
    out.byte(0);
    const minCode = Math.max(2, this.tableBits);
    out.byte(minCode);
    const data = this.lzw.encode(this.indices.subarray(0, w * h), minCode);
    for (let i = 0; i < data.length; i += 255) {
      const n = Math.min(255, data.length - i);
      out.byte(n);
      out.bytes(data.subarray(i, i + n));
    }
    out.byte(0);
    await this.put(out.view());
    this.frames++;
  }

  /**
   * The rectangle of pixels whose source moved past the tolerance from the colour they were last
   * drawn from (all pixels on the first frame); undefined when none did. Marks them in `drawn`
   * with 2 (to draw) and leaves the others at 1.
   */
  private changedRect(picture: RgbaRows): [number, number, number, number] | undefined {
    const { data, width, height, stride } = picture;
    const { reference, drawn } = this;
    const tol = this.spec.tolerance;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    for (let y = 0; y < height; y++) {
      let i = y * stride;
      let p = y * width;
      for (let x = 0; x < width; x++, i += 4, p++) {
        const q = p * 3;
        let change = drawn[p] === 0;
        if (!change) {
          const dr = (data[i] ?? 0) - (reference[q] ?? 0);
          const dg = (data[i + 1] ?? 0) - (reference[q + 1] ?? 0);
          const db = (data[i + 2] ?? 0) - (reference[q + 2] ?? 0);
          change = dr > tol || dr < -tol || dg > tol || dg < -tol || db > tol || db < -tol;
        }
        if (change) {
          drawn[p] = 2;
          if (x < x0) x0 = x;
          if (x >= x1) x1 = x + 1;
          if (y < y0) y0 = y;
          y1 = y + 1;
        }
      }
    }
    return x1 > x0 ? [x0, y0, x1, y1] : undefined;
  }

  /** The rectangle of opaque pixels, every one of them to draw (the canvas is cleared after each frame). */
  private opaqueRect(picture: RgbaRows): [number, number, number, number] | undefined {
    const { data, width, height, stride } = picture;
    const { drawn } = this;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0, i = y * stride + 3, p = y * width; x < width; x++, i += 4, p++) {
        if ((data[i] ?? 0) >= ALPHA_THRESHOLD) {
          drawn[p] = 2;
          if (x < x0) x0 = x;
          if (x >= x1) x1 = x + 1;
          if (y < y0) y0 = y;
          y1 = y + 1;
        } else drawn[p] = 0;
      }
    }
    return x1 > x0 ? [x0, y0, x1, y1] : undefined;
  }

  /**
   * Maps the rectangle into `indices` (rows of its width): the pixels marked 2 in `drawn` to the
   * palette (dithered), the others to the transparent index. Marked pixels become references.
   */
  private mapRect(picture: RgbaRows, [x0, y0, x1, y1]: readonly [number, number, number, number]): void {
    const { data, width, stride } = picture;
    const { drawn, reference, indices, mapper, palR, palG, palB } = this;
    const clear = this.clear;
    const w = x1 - x0;
    const dither = this.spec.dither;
    const diffuse = dither === 'sierra2_4a' || dither === 'floyd_steinberg';
    const floyd = dither === 'floyd_steinberg';
    const bayer = dither === 'bayer' ? BAYER : undefined;
    // Working colours with the diffused error: this row and the next (paletteuse's integer diffusion).
    let here = new Int32Array(w * 3);
    let next = new Int32Array(w * 3);
    const load = (row: Int32Array, y: number): void => loadRgbRow(row, data, stride, x0, w, y);
    load(next, y0);
    let o = 0;
    for (let y = y0; y < y1; y++) {
      [here, next] = [next, here];
      const down = y + 1 < y1;
      if (down) load(next, y + 1);
      for (let x = 0; x < w; x++, o++) {
        const p = y * width + x0 + x;
        if (drawn[p] !== 2) {
          indices[o] = clear;
          continue;
        }
        drawn[p] = 1;
        const i = y * stride + (x0 + x) * 4;
        reference[p * 3] = data[i] ?? 0;
        reference[p * 3 + 1] = data[i + 1] ?? 0;
        reference[p * 3 + 2] = data[i + 2] ?? 0;
        let r = here[x * 3] ?? 0;
        let g = here[x * 3 + 1] ?? 0;
        let b = here[x * 3 + 2] ?? 0;
        if (bayer) {
          const d = bayer[((y & 7) << 3) | ((x0 + x) & 7)] ?? 0;
          r = clamp(r + d);
          g = clamp(g + d);
          b = clamp(b + d);
        }
        const index = mapper.nearest(r, g, b);
        indices[o] = index;
        if (!diffuse) continue;
        const er = r - (palR[index] ?? 0);
        const eg = g - (palG[index] ?? 0);
        const eb = b - (palB[index] ?? 0);
        if (er === 0 && eg === 0 && eb === 0) continue;
        diffuseError(here, next, x, w, down, er, eg, eb, floyd);
      }
    }
  }

  /** Writes the trailer and closes the file. */
  async finish(): Promise<void> {
    if (this.closed) return;
    await this.put(Uint8Array.of(0x3b));
    await this.close();
  }

  /** Closes the file as it is (after an error). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  get written(): number {
    return this.frames;
  }
}

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** paletteuse's 8x8 Bayer matrix at scale 3. */
const BAYER = bayerMatrix(3);

/** A growing byte buffer. */
class ByteWriter {
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
}

/**
 * GIF's variable-width LZW (codes up to 12 bits, a clear code when the table is full). The
 * dictionary is a direct table indexed by (prefix code, next index), 4096 x 256 entries, each
 * valid only when stamped with the current generation, so a clear costs nothing.
 */
export class LzwEncoder {
  private readonly stamps = new Int32Array(4096 * 256);
  private readonly codes = new Int16Array(4096 * 256);
  private generation = 0;
  private out = new Uint8Array(1 << 16);

  /** The LZW code stream of `indices` (not yet cut into sub-blocks). */
  encode(indices: Uint8Array, minCode: number): Uint8Array {
    const { stamps, codes } = this;
    const clearCode = 1 << minCode;
    const eoi = clearCode + 1;
    let size = minCode + 1;
    let nextCode = eoi + 1;
    let acc = 0;
    let bits = 0;
    let n = 0;
    // Worst case: 12 bits a pixel plus the clear codes.
    if (this.out.length < indices.length * 2 + 64) this.out = new Uint8Array(indices.length * 2 + 64);
    const out = this.out;
    let gen = this.nextGeneration();
    // Emits `code` at the current size (inlined below for the hot path).
    acc |= clearCode << bits;
    bits += size;
    while (bits >= 8) {
      out[n++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
    const length = indices.length;
    let prefix = length > 0 ? (indices[0] as number) : -1;
    for (let i = 1; i < length; i++) {
      const k = indices[i] as number;
      const key = (prefix << 8) | k;
      if (stamps[key] === gen) {
        prefix = codes[key] as number;
        continue;
      }
      acc |= prefix << bits;
      bits += size;
      while (bits >= 8) {
        out[n++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
      if (nextCode === 4096) {
        acc |= clearCode << bits;
        bits += size;
        while (bits >= 8) {
          out[n++] = acc & 0xff;
          acc >>>= 8;
          bits -= 8;
        }
        gen = this.nextGeneration();
        nextCode = eoi + 1;
        size = minCode + 1;
      } else {
        if (nextCode >= 1 << size) size++;
        stamps[key] = gen;
        codes[key] = nextCode++;
      }
      prefix = k;
    }
    const tail = prefix >= 0 ? [prefix, eoi] : [eoi];
    for (const [j, code] of tail.entries()) {
      // The decoder grows its code size one code later than the encoder adds an entry: the end
      // code is read at the size in force once the last code has added its entry.
      if (j === 1 && nextCode < 4096 && nextCode >= 1 << size) size++;
      acc |= code << bits;
      bits += size;
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
    if (this.generation === 0x7fffffff) {
      this.stamps.fill(0);
      this.generation = 0;
    }
    return ++this.generation;
  }
}
