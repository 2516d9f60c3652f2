/**
 * A GIF89a writer in JavaScript: flipbook's own frame encoding instead of FFmpeg's gif encoder,
 * for what that encoder cannot do:
 *
 * - **Frame differences with a tolerance.** Each frame is compared with the source colour every
 *   pixel was last drawn from (not with the dithered colour shown, so dithering never counts as
 *   a change). A pixel within `tolerance` of it stays as shown: it is written as the transparent
 *   index, inside the smallest rectangle that holds every changed pixel. Still regions cost
 *   nothing and never shimmer, and a slow drift is redrawn once it has moved past the tolerance.
 * - **Transparency** of the source (alpha below ALPHA_THRESHOLD) with frame differences too: a
 *   frame is held until the next one comes; if the next one has transparent pixels where
 *   something is shown, the held frame's rectangle grows to hold them and is cleared after it is
 *   shown (disposal "restore to background"), and the next frame draws again what it needs there.
 *   Otherwise frames are kept (disposal "do not dispose"), so an unchanged pixel is left as the
 *   viewer shows it, exactly as without transparency.
 * - **Local palettes.** A frame whose drawn pixels a palette of their own fits much better than
 *   the global one carries it (see local-palette.ts).
 *
 * Memory is a few frames' worth (the reference colours, the working rows, two frames' indices and
 * the LZW output), whatever the number of frames. Bytes go to the file frame by frame. The LZW
 * coding (lzw.ts) moves to a second thread once it has cost enough inline (see lzwThread()):
 * a frame is then coded there while the next one is mapped here.
 */
import { type FileHandle, open } from 'node:fs/promises';

import { FlipbookError } from '../errors.js';

import { LocalPaletteBuilder } from './local-palette.js';
import { LzwEncoder, lossyCandidates } from './lzw.js';
import { LZW_THREAD_AFTER_MS, LZW_THREAD_PIXELS, LzwThread } from './lzw-thread.js';
import { ALPHA_THRESHOLD, type Dither, MapperTables, PaletteMapper, type RgbaRows, bayerMatrix, loadRgbRow } from './quantizer.js';

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
  /**
   * Lossy LZW (gifsicle's `--lossy` in spirit): a pixel may be written as another palette entry
   * at most this far from the one it was mapped to (RGB distance, 0-441) when that continues a
   * string the LZW dictionary already has, so codes cover longer runs. 0: exact.
   */
  lossy?: number | undefined;
  /**
   * A frame may carry its own palette (a local colour table), cut from the pixels it draws, when
   * that lowers its squared error by more than LOCAL_GAIN_PER_BYTE a byte of the table. Default
   * true; false: every frame uses the global palette.
   */
  localPalettes?: boolean | undefined;
  /**
   * Only the frames' blocks: no header before them, no trailer after (a segment of a GIF
   * rendered in parallel; the join writes GifWriter.headerBytes() before the segments and the
   * trailer after them).
   */
  blocksOnly?: boolean | undefined;
  /**
   * Code LZW on a thread of its own (lzw-thread.ts) while the next frame is mapped, for frames of
   * LZW_THREAD_PIXELS or more. Default: once coding inline has cost enough (see lzwThread());
   * true: from the first such frame; false: never. The bytes are the same either way.
   */
  lzwThread?: boolean | undefined;
  /** How many frames will be written, when known: the LZW thread is then not started for the last few. */
  frames?: number | undefined;
}

/**
 * A frame's palette is its own when it lowers the frame's summed squared RGB error by at least
 * this much for each byte of its colour table.
 */
const LOCAL_GAIN_PER_BYTE = 20;

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

/** A palette to map frames to; `tables`: the lookup tables of the previous local palette's mapper, taken over. */
function framePalette(colors: Uint8Array, dither: Dither, lossy: number, tables?: MapperTables): FramePalette {
  const n = Math.floor(colors.length / 3);
  return {
    colors,
    n,
    bits: Math.max(1, Math.ceil(Math.log2(n + 1))),
    mapper: new PaletteMapper(colors, n, dither, undefined, tables),
    palR: Int32Array.from({ length: n }, (_, i) => colors[i * 3] ?? 0),
    palG: Int32Array.from({ length: n }, (_, i) => colors[i * 3 + 1] ?? 0),
    palB: Int32Array.from({ length: n }, (_, i) => colors[i * 3 + 2] ?? 0),
    swaps: lossy > 0 ? lossyCandidates(colors, n, lossy) : undefined,
  };
}

/** A rectangle of pixels: [x0, y0, x1, y1), the ends exclusive. */
type Rect = readonly [number, number, number, number];

/** Disposal methods of the graphic control extension. */
const KEEP = 1;
const CLEAR = 2;

export class GifWriter {
  private readonly spec: GifWriterSpec;
  private readonly handle: FileHandle;
  /** The global palette (the transparent index right after its colours). */
  private readonly global: FramePalette;
  private readonly local = new LocalPaletteBuilder();
  /** The lookup tables of the local palettes' mappers (framePalette). */
  private localTables: MapperTables | undefined;
  /** Pixels marked DRAW by the last changedRect. */
  private marked = 0;
  /**
   * Per pixel the source colour it was last drawn from: its RGBA word with alpha cleared
   * (NEVER_DRAWN before the first time), and what this frame does with it (DRAW or not).
   */
  private readonly reference: Uint32Array;
  private readonly drawn: Uint8Array;
  /** The held frame's indices (rows of its rectangle's width), and a spare to grow them into. */
  private indices: Uint8Array;
  private spare: Uint8Array;
  /** The frame written last, held until the next one says how it must be disposed of. */
  private pending: { rect: Rect; palette: FramePalette; delay: number } | undefined;
  private readonly lzw: LzwEncoder;
  /** The LZW thread (see lzwThread(); null: none, code inline). */
  private thread: LzwThread | null = null;
  /** Milliseconds of LZW coded inline so far (-1: no thread could start). */
  private inlineMs = 0;
  /** Frames coded on the thread. */
  private threadFrames = 0;
  /** The last frame handed to the thread, until its bytes are written (see flush), and the bytes it is written from. */
  private tail: Promise<void> = Promise.resolve();
  private readonly threadOut = new ByteWriter(1 << 16);
  /** Working rows of the error diffusion, and the frame's bytes: kept from frame to frame. */
  private here: Int32Array;
  private next: Int32Array;
  private readonly out = new ByteWriter(1 << 16);
  private frames = 0;
  private closed = false;

  private constructor(spec: GifWriterSpec, handle: FileHandle) {
    this.spec = spec;
    this.handle = handle;
    const n = Math.floor(spec.colors.length / 3);
    if (n < 1 || n > 255) throw new RangeError(`A GIF palette here has 1 to 255 colours, not ${n}`);
    this.global = framePalette(spec.colors.subarray(0, n * 3), spec.dither, spec.lossy ?? 0);
    this.lzw = new LzwEncoder();
    const pixels = spec.width * spec.height;
    this.reference = new Uint32Array(pixels).fill(NEVER_DRAWN);
    this.drawn = new Uint8Array(pixels);
    this.indices = new Uint8Array(pixels);
    this.spare = new Uint8Array(pixels);
    this.here = new Int32Array(spec.width * 3);
    this.next = new Int32Array(spec.width * 3);
  }

  static async open(spec: GifWriterSpec): Promise<GifWriter> {
    const handle = await open(spec.file, 'w');
    const writer = new GifWriter(spec, handle);
    try {
      if (!spec.blocksOnly) await writer.put(writer.header());
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

  /** A writer that writes nothing: it only tracks frames (see track). */
  static tracker(spec: Omit<GifWriterSpec, 'file'>): GifWriter {
    return new GifWriter({ ...spec, file: '' }, undefined as unknown as FileHandle);
  }

  /** The header open() writes (logical screen, global colour table, loop block), alone: for the join of a GIF rendered in segments. */
  static headerBytes(spec: Omit<GifWriterSpec, 'file'>): Uint8Array {
    return new GifWriter({ ...spec, file: '' }, undefined as unknown as FileHandle).header().slice();
  }

  /**
   * Takes `picture` as the frame shown before the first one written (a segment of a GIF
   * rendered in parallel: the last frame written before the segment): every pixel counts as
   * drawn from its colour, so the first frame holds only what changed since, as in one piece.
   * The same bytes as in one piece when the tolerance is 0 (a pixel's reference is then always
   * the previous frame's colour); with a tolerance, a pixel may in one piece still refer to an
   * older colour within it. Nothing to do with transparency (each frame is drawn whole then).
   */
  prime(picture: RgbaRows): void {
    const { width, height } = this.spec;
    if (picture.width !== width || picture.height !== height) throw new RangeError(`A ${picture.width}x${picture.height} frame in a ${width}x${height} GIF`);
    if (this.spec.alpha) return;
    const words = wordsOf(picture);
    const rowWords = picture.stride >> 2;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.reference[y * width + x] = (words[y * rowWords + x] as number) & RGB_MASK;
  }

  /**
   * Follows a frame without writing it: the pixels it would draw take its colours as their
   * references, as write() leaves them (a GIF rendered in parallel finds, in one pass over the
   * frames before each cut, the references its segment starts from).
   */
  track(picture: RgbaRows): void {
    if (this.spec.alpha) return;
    const rect = this.changedRect(picture);
    if (!rect) return;
    const [x0, y0, x1, y1] = rect;
    const words = wordsOf(picture);
    const rowWords = picture.stride >> 2;
    const { drawn, reference } = this;
    const { width } = this.spec;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = y * width + x;
        if (drawn[p] !== DRAW) continue;
        drawn[p] = 0;
        reference[p] = (words[y * rowWords + x] as number) & RGB_MASK;
      }
    }
  }

  /** The colour every pixel was last drawn from (see track), to start another writer from (primeReferences). */
  references(): Uint32Array {
    return this.reference.slice();
  }

  /** Starts from references saved by references(): the first frame written then holds what one piece would. */
  primeReferences(references: Uint32Array): void {
    if (references.length !== this.reference.length) throw new RangeError(`${references.length} references for ${this.reference.length} pixels`);
    this.reference.set(references);
  }

  /**
   * The LZW thread for a frame with a large rectangle, or null to code it inline. The thread
   * starts once coding inline has taken LZW_THREAD_AFTER_MS and, when the number of frames is
   * known, the frames left would take as long again: a GIF whose coding costs less in all (few
   * frames, small or easily coded ones) never pays for the thread's start (a new isolate: some
   * 40-50 ms of CPU here, more over a run).
   */
  private lzwThread(): LzwThread | null {
    if (this.thread || this.spec.lzwThread === false || this.inlineMs < 0) return this.thread;
    if (this.spec.lzwThread !== true) {
      if (this.inlineMs < LZW_THREAD_AFTER_MS) return null;
      // Nor for the last few frames: what is left to code must be worth as much again.
      const { frames } = this.spec;
      if (frames !== undefined && (this.inlineMs / this.frames) * (frames - this.frames) < LZW_THREAD_AFTER_MS) return null;
    }
    this.thread = LzwThread.start() ?? null;
    // None could start: inline from now on.
    if (!this.thread) this.inlineMs = -1;
    return this.thread;
  }

  /** The header: logical screen, global colour table, loop block. */
  private header(): Uint8Array {
    const { width, height, colors, loop } = this.spec;
    const { bits, n } = this.global;
    const out = new ByteWriter(64 + 3 * (1 << bits));
    out.bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // GIF89a
    out.u16(width);
    out.u16(height);
    out.byte(0x80 | ((bits - 1) << 4) | (bits - 1)); // global table, its size
    out.byte(n); // background: the transparent index
    out.byte(0);
    const table = new Uint8Array(3 * (1 << bits));
    table.set(colors.subarray(0, n * 3));
    out.bytes(table);
    if (loop !== 1) {
      // NETSCAPE2.0: 0 plays forever, n repeats n times after the first play.
      out.bytes([0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01]);
      out.u16(loop === 0 ? 0 : Math.min(65535, loop - 1));
      out.byte(0);
    }
    return out.view();
  }

  /**
   * Encodes an RGBA frame shown for `delay` hundredths of a second. The frame is held until the
   * next one comes (or finish()): only then is it known whether its rectangle must be cleared
   * after it is shown (disposal "restore to background"), because the next frame has
   * transparent pixels where something is drawn now.
   */
  async write(picture: RgbaRows, delay: number): Promise<void> {
    const { width, height } = this.spec;
    if (picture.width !== width || picture.height !== height) throw new RangeError(`A ${picture.width}x${picture.height} frame in a ${width}x${height} GIF`);
    if (this.pending) await this.flush(this.spec.alpha ? this.toClear(picture) : undefined);
    const rect = this.changedRect(picture);
    const palette = rect ? this.paletteFor(picture, rect) : this.global;
    if (rect) this.mapRect(picture, rect, palette);
    else this.indices[0] = palette.n;
    this.pending = { rect: rect ?? [0, 0, 1, 1], palette, delay };
    this.frames++;
  }

  /**
   * The rectangle of the pixels shown opaque now that are transparent in `picture` (undefined
   * when none): what the held frame must clear before it is shown. At the end, with a wholly
   * transparent picture, every pixel shown opaque.
   */
  private toClear(picture: RgbaRows): Rect | undefined {
    const { width, height } = picture;
    const words = wordsOf(picture);
    const rowWords = picture.stride >> 2;
    const { reference } = this;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    for (let y = 0; y < height; y++) {
      const row = y * rowWords;
      const p0 = y * width;
      for (let x = 0; x < width; x++) {
        if ((reference[p0 + x] as number) === NEVER_DRAWN || (words[row + x] as number) >>> 24 >= ALPHA_THRESHOLD) continue;
        if (x < x0) x0 = x;
        if (x >= x1) x1 = x + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
    return x1 > x0 ? [x0, y0, x1, y1] : undefined;
  }

  /**
   * Writes the held frame. With `clear`, its rectangle grows to hold `clear` (the new part
   * transparent: it leaves those pixels as they are) and is cleared after it is shown; what it
   * covered then shows nothing, and the next frame draws it again.
   */
  private async flush(clear: Rect | undefined): Promise<void> {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    const { palette, delay } = pending;
    let rect = pending.rect;
    let disposal = KEEP;
    if (clear) {
      disposal = CLEAR;
      const grown: Rect = [Math.min(rect[0], clear[0]), Math.min(rect[1], clear[1]), Math.max(rect[2], clear[2]), Math.max(rect[3], clear[3])];
      if (grown.some((v, i) => v !== rect[i])) {
        const [x0, y0, x1, y1] = rect;
        const w = x1 - x0;
        const gw = grown[2] - grown[0];
        const spare = this.spare.subarray(0, gw * (grown[3] - grown[1]));
        spare.fill(palette.n);
        for (let y = y0; y < y1; y++) spare.set(this.indices.subarray((y - y0) * w, (y - y0 + 1) * w), (y - grown[1]) * gw + (x0 - grown[0]));
        [this.indices, this.spare] = [this.spare, this.indices];
        rect = grown;
      }
      const { width } = this.spec;
      for (let y = rect[1]; y < rect[3]; y++) this.reference.fill(NEVER_DRAWN, y * width + rect[0], y * width + rect[2]);
    }
    const [x0, y0, x1, y1] = rect;
    const w = x1 - x0;
    const h = y1 - y0;
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
    const indices = this.indices.subarray(0, w * h);
    // A small rectangle (a sprite moving, a cursor) codes faster here than its message travels.
    const thread = w * h >= LZW_THREAD_PIXELS ? this.lzwThread() : null;
    // The frame before is written first, if it went to the thread (its buffers are then free
    // again, and a write's failure stops here).
    await this.tail;
    if (!thread) {
      const started = performance.now();
      const data = this.lzw.encode(indices, minCode, palette.swaps);
      if (this.inlineMs >= 0) this.inlineMs += performance.now() - started;
      subBlocks(out, data);
      await this.put(out.view());
      return;
    }
    // On the thread: this frame is coded while the next one is mapped.
    const coded = thread.encode(indices, minCode, palette.swaps);
    coded.catch(() => undefined);
    const frame = this.threadOut;
    frame.reset();
    frame.bytes(out.view());
    this.threadFrames++;
    this.tail = (async () => {
      subBlocks(frame, await coded);
      await this.put(frame.view());
    })();
    this.tail.catch(() => undefined);
  }

  /**
   * The palette a frame's drawn pixels are mapped to: its own (cut from them) when that lowers
   * their squared error by LOCAL_GAIN_PER_BYTE a byte of its colour table, else the global one.
   */
  private paletteFor(picture: RgbaRows, rect: readonly [number, number, number, number]): FramePalette {
    const global = this.global;
    if (this.spec.localPalettes === false || this.marked === 0) return global;
    const { local } = this;
    const step = Math.max(1, Math.ceil(this.marked / (1 << 16)));
    if (!local.count(wordsOf(picture), picture.stride >> 2, this.drawn, this.spec.width, DRAW, rect, this.marked)) return global;
    const cut = local.palette(global.n, (r, g, b) => global.mapper.nearest(r, g, b), global.colors, step);
    const n = cut.colors.length / 3;
    if (n < 1) return global;
    const bytes = 3 << Math.max(1, Math.ceil(Math.log2(n + 1)));
    if ((cut.globalError - cut.error) * step < LOCAL_GAIN_PER_BYTE * bytes) return global;
    // One set of lookup tables for every local palette: only the latest one's mapper is used.
    return framePalette(cut.colors, this.spec.dither, this.spec.lossy ?? 0, (this.localTables ??= new MapperTables()));
  }

  /**
   * The rectangle of pixels whose source moved past the tolerance from the colour they were last
   * drawn from (all pixels on the first frame); undefined when none did. Marks them in `drawn`
   * with 2 (to draw) and leaves the others at 1.
   */
  private changedRect(picture: RgbaRows): [number, number, number, number] | undefined {
    const { width, height, stride } = picture;
    const words = wordsOf(picture);
    const { reference, drawn } = this;
    const tol = this.spec.tolerance;
    const alpha = this.spec.alpha;
    let marked = 0;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    const rowWords = stride >> 2;
    for (let y = 0; y < height; y++) {
      const row = y * rowWords;
      const p0 = y * width;
      let first = -1;
      let last = -1;
      for (let x = 0; x < width; x++) {
        const p = p0 + x;
        const word = words[row + x] as number;
        // A transparent pixel shows nothing already (toClear and flush saw to that).
        if (alpha && word >>> 24 < ALPHA_THRESHOLD) continue;
        const v = word & RGB_MASK;
        const ref = reference[p] as number;
        if (v === ref) continue;
        // Never drawn (ref has bits no colour has), or past the tolerance in a channel.
        if (tol > 0 && ref !== NEVER_DRAWN && withinTolerance(v, ref, tol)) continue;
        drawn[p] = DRAW;
        marked++;
        if (first < 0) first = x;
        last = x;
      }
      if (first >= 0) {
        if (first < x0) x0 = first;
        if (last >= x1) x1 = last + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
      }
    }
    this.marked = marked;
    return x1 > x0 ? [x0, y0, x1, y1] : undefined;
  }

  /**
   * Maps the rectangle into `indices` (rows of its width): the pixels marked DRAW to the
   * palette (dithered), the others to the transparent index. Marked pixels become references.
   * The diffusion is paletteuse's to the integer (see diffuseError), inlined for Sierra-2-4A.
   */
  private mapRect(picture: RgbaRows, [x0, y0, x1, y1]: readonly [number, number, number, number], palette: FramePalette): void {
    const { data, width, stride } = picture;
    const words = wordsOf(picture);
    const rowWords = stride >> 2;
    const { drawn, reference, indices } = this;
    const { mapper, palR, palG, palB } = palette;
    const clear = palette.n;
    const w = x1 - x0;
    const dither = this.spec.dither;
    const sierra = dither === 'sierra2_4a';
    const floyd = dither === 'floyd_steinberg';
    const bayer = dither === 'bayer' ? BAYER : undefined;
    // Working colours with the diffused error: this row and the next (paletteuse's integer diffusion).
    let here = this.here;
    let next = this.next;
    const load = (row: Int32Array, y: number): void => loadRgbRow(row, data, stride, x0, w, y);
    load(next, y0);
    let o = 0;
    for (let y = y0; y < y1; y++) {
      [here, next] = [next, here];
      const down = y + 1 < y1;
      if (down) load(next, y + 1);
      const p0 = y * width + x0;
      const row = y * rowWords + x0;
      for (let x = 0; x < w; x++, o++) {
        const p = p0 + x;
        if (drawn[p] !== DRAW) {
          indices[o] = clear;
          continue;
        }
        drawn[p] = 0;
        reference[p] = (words[row + x] as number) & RGB_MASK;
        const k = x * 3;
        let r = here[k] as number;
        let g = here[k + 1] as number;
        let b = here[k + 2] as number;
        if (bayer) {
          const d = bayer[((y & 7) << 3) | ((x0 + x) & 7)] ?? 0;
          r = clamp(r + d);
          g = clamp(g + d);
          b = clamp(b + d);
        }
        const index = mapper.nearest(r, g, b);
        indices[o] = index;
        if (sierra) {
          const er = r - (palR[index] as number);
          const eg = g - (palG[index] as number);
          const eb = b - (palB[index] as number);
          if (er === 0 && eg === 0 && eb === 0) continue;
          // Sierra-2-4A: 2/4 right, 1/4 down-left, 1/4 down, each truncated and clipped at once.
          if (x + 1 < w) {
            here[k + 3] = clamp((here[k + 3] as number) + ((er / 2) | 0));
            here[k + 4] = clamp((here[k + 4] as number) + ((eg / 2) | 0));
            here[k + 5] = clamp((here[k + 5] as number) + ((eb / 2) | 0));
          }
          if (down) {
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
        } else if (floyd) {
          const er = r - (palR[index] as number);
          const eg = g - (palG[index] as number);
          const eb = b - (palB[index] as number);
          if (er === 0 && eg === 0 && eb === 0) continue;
          // Floyd-Steinberg: 7/16 right, 3/16 down-left, 5/16 down, 1/16 down-right.
          const right = x + 1 < w;
          if (right) {
            here[k + 3] = clamp((here[k + 3] as number) + (((er * 7) / 16) | 0));
            here[k + 4] = clamp((here[k + 4] as number) + (((eg * 7) / 16) | 0));
            here[k + 5] = clamp((here[k + 5] as number) + (((eb * 7) / 16) | 0));
          }
          if (down) {
            if (x > 0) {
              next[k - 3] = clamp((next[k - 3] as number) + (((er * 3) / 16) | 0));
              next[k - 2] = clamp((next[k - 2] as number) + (((eg * 3) / 16) | 0));
              next[k - 1] = clamp((next[k - 1] as number) + (((eb * 3) / 16) | 0));
            }
            next[k] = clamp((next[k] as number) + (((er * 5) / 16) | 0));
            next[k + 1] = clamp((next[k + 1] as number) + (((eg * 5) / 16) | 0));
            next[k + 2] = clamp((next[k + 2] as number) + (((eb * 5) / 16) | 0));
            if (right) {
              next[k + 3] = clamp((next[k + 3] as number) + ((er / 16) | 0));
              next[k + 4] = clamp((next[k + 4] as number) + ((eg / 16) | 0));
              next[k + 5] = clamp((next[k + 5] as number) + ((eb / 16) | 0));
            }
          }
        }
      }
    }
    this.here = here;
    this.next = next;
  }

  /**
   * Writes the held frame and the trailer, and closes the file. With transparency the last frame
   * clears all it shows, so that the canvas is clear again where the animation starts over (or
   * where another writer's frames are joined on).
   */
  async finish(): Promise<void> {
    if (this.closed) return;
    const { width, height } = this.spec;
    await this.flush(this.spec.alpha ? this.toClear({ data: new Uint8Array(width * height * 4), width, height, stride: width * 4 }) : undefined);
    await this.tail;
    if (!this.spec.blocksOnly) await this.put(Uint8Array.of(GIF_TRAILER));
    await this.close();
  }

  /** Closes the file as it is (after an error), and ends the LZW thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.thread?.close();
    // A frame's write still under way ends (or fails) before the file is closed under it.
    await this.tail.catch(() => undefined);
    await this.handle.close();
  }

  get written(): number {
    return this.frames;
  }

  /** Frames whose LZW was coded on the thread (the rest inline). */
  get codedOnThread(): number {
    return this.threadFrames;
  }
}

/** The byte that ends a GIF. */
export const GIF_TRAILER = 0x3b;

function clamp(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** `drawn`: the pixel is drawn in this frame. */
const DRAW = 2;
/** The RGB bits of an RGBA word (little-endian: R in the low byte). */
const RGB_MASK = 0x00ffffff;
/** A reference no colour has: the pixel was never drawn. */
const NEVER_DRAWN = 0xff000000;

/** Whether each of R, G, B of two RGB words differs by at most `tol`. */
function withinTolerance(a: number, b: number, tol: number): boolean {
  const dr = (a & 0xff) - (b & 0xff);
  const dg = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
  const db = ((a >> 16) & 0xff) - ((b >> 16) & 0xff);
  return dr <= tol && dr >= -tol && dg <= tol && dg >= -tol && db <= tol && db >= -tol;
}

/** The picture's pixels as 32-bit words (a view when aligned, else a copy). Rows are stride/4 words apart. */
function wordsOf(picture: RgbaRows): Uint32Array {
  const { data, stride, height } = picture;
  const length = (stride * (height - 1)) / 4 + picture.width;
  if (data.byteOffset % 4 === 0 && stride % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, length);
  const copy = new Uint8Array(length * 4);
  copy.set(data.subarray(0, length * 4));
  return new Uint32Array(copy.buffer);
}

/** paletteuse's 8x8 Bayer matrix at scale 3. */
const BAYER = bayerMatrix(3);


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

  reset(): void {
    this.n = 0;
  }
}

