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
 * What each frame draws is decided here, frame after frame; the drawing itself (its palette, the
 * mapping with dithering, the LZW coding: gif-frame-coder.ts) needs nothing but the frame's own
 * job, so once it has cost enough on this thread it moves to coder threads (gif-coder-pool.ts),
 * several frames at once, while this thread reads and compares the next frames. The bytes are
 * the same either way.
 *
 * Memory is a few frames' worth (the reference colours, the marks, the rows compared last, the
 * jobs out and their bytes), whatever the number of frames. Bytes go to the file frame by frame, in order.
 */
import { type FileHandle, open } from 'node:fs/promises';

import { FlipbookError, systemReason } from '../errors.js';

import { CODER_THREADS_AFTER_FRAMES, CODER_THREADS, CODER_THREADS_AFTER_MS, CODER_THREADS_WORTH_MS, CODER_THREADS_WORTH_MS_GLOBAL, type CodedFrame, CoderPool } from './gif-coder-pool.js';
import { ByteWriter, CLEAR, DRAW, FrameCoder, type FrameCoderSpec, type FrameJob, KEEP, OWN_TAKEN, OWN_TURNED_DOWN, type Rect, tableBits, wordsOf } from './gif-frame-coder.js';
import { ALPHA_THRESHOLD, type Dither, type RgbaRows } from './quantizer.js';

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
   * Code frames on coder threads (gif-coder-pool.ts) while this thread reads the next ones.
   * Default: CODER_THREADS of them once coding here has cost enough (see coderPool()); true:
   * from the first frame; a number: that many threads from the first frame; false or 0: never.
   * The bytes are the same either way.
   */
  threads?: boolean | number | undefined;
  /** How many frames will be written, when known: the threads are then not started for the last few. */
  frames?: number | undefined;
}

/** A frame read and compared, held until the next one says how it is disposed of. */
interface HeldFrame {
  rect: Rect | undefined;
  pixels: Uint8Array;
  mask: Uint8Array;
  marked: number;
  delay: number;
  /** The picture's place in the animation (see write()). */
  index: number;
}

/** The longest delay of one frame: 655.35 s (a 16-bit count of hundredths). */
const MAX_DELAY = 65535;

/** Jobs out on the coder threads, at most, per thread: one coded while the next one waits. */
const JOBS_PER_THREAD = 2;

/**
 * Palettes of their own are tried in windows of OWN_PALETTE_WINDOW pictures (by their place in
 * the animation): on every frame, until OWN_PALETTE_GIVE_UP frames of the window have cut one
 * and turned it down (it bought less than its colour table) and none has taken one; the
 * window's other frames then keep the global palette without trying. A window counts only the
 * outcomes of its frames coded OWN_PALETTE_LAG frames before (the most that are out on two
 * coder threads), so the decisions are the same whether frames are coded here or on threads,
 * and, with segments of `--jobs` cut at window bounds (gif-run.ts), in segments as in one
 * piece. Frames whose palettes were turned down without a cut, or that have too many colours
 * to count, cost little to try and do not count.
 *
 * Measured on the bench's sprite set (a gradient disc over transparency: every frame cuts a
 * palette of its own and turns it down, 23-34 a byte against LOCAL_GAIN_PER_BYTE 60, or turns
 * it down before a cut): without local palettes at all, the same bytes in 0.68 s against
 * 0.83 s at 48 frames and 1.79 s against 2.21 s at 192. With these windows (5 frames of 32 try):
 * the same bytes, 0.77 s -> 0.73 s at 48 frames and 2.06 s -> 1.88 s at 192 (11 and 7
 * interleaved pairs). A frame that would have paid for a palette of its own after the window
 * gave up keeps the global one until the next window (test/gif-local-palettes.test.ts).
 */
export const OWN_PALETTE_WINDOW = 32;
const OWN_PALETTE_GIVE_UP = 2;
const OWN_PALETTE_LAG = 2 * JOBS_PER_THREAD;

export class GifWriter {
  private readonly spec: GifWriterSpec;
  private readonly handle: FileHandle;
  /** What every frame is coded with (the global palette's colours, at most 255). */
  private readonly coderSpec: FrameCoderSpec;
  /** Codes frames on this thread (made at the first frame coded here). */
  private coder: FrameCoder | undefined;
  /** Pixels marked DRAW by the last changedRect. */
  private marked = 0;
  /**
   * Per pixel the source colour it was last drawn from: its RGBA word with alpha cleared
   * (NEVER_DRAWN before the first time), and what this frame does with it (DRAW or not).
   */
  private readonly reference: Uint32Array;
  private readonly drawn: Uint8Array;
  /**
   * Without transparency, the rows of the frame compared last (packed, width x 4 bytes a row;
   * made at the first frame), when `lastKnown`. A row the same there cannot change a reference
   * (each of its pixels was then either taken as drawn or found within the tolerance of its
   * reference, and nothing else changes references without transparency), so changedRect passes
   * over it with one memcmp: a screen recording's still rows cost next to nothing.
   */
  private last: Buffer | undefined;
  private lastKnown = false;
  /**
   * With transparency, per row the span [shownFrom, shownTo) that holds every pixel shown (its
   * reference not NEVER_DRAWN), or a wider one: toClear looks there only. A sprite over a
   * transparent background shows a few hundred pixels of a row, or none.
   */
  private readonly shownFrom: Int32Array;
  private readonly shownTo: Int32Array;
  /** The frame written last, held until the next one says how it must be disposed of. */
  private pending: HeldFrame | undefined;
  /** Buffers of jobs coded, for the next frames: [pixels, mask]. */
  private readonly spares: [Uint8Array, Uint8Array][] = [];
  /** The coder threads (see coderPool(); null: none, code here). */
  private pool: CoderPool | null = null;
  /** Milliseconds of coding on this thread so far (-1: no thread could start). */
  private codingMs = 0;
  /** The last four frames coded here: milliseconds each, and whether it took a palette of its own. */
  private readonly recent: { ms: number; ownPalette: boolean }[] = [];
  /** Frames coded on the threads. */
  private threadFrames = 0;
  /** Frames out on the threads, oldest first: written in this order (with their own-palette window). */
  private readonly queue: { coded: Promise<CodedFrame>; window: number }[] = [];
  /** The own-palette window of the frames coded last (OWN_PALETTE_WINDOW), its frames so far, and their outcomes known, in order. */
  private ownWindow = -1;
  private ownCoded = 0;
  private readonly ownOutcomes: number[] = [];
  private frames = 0;
  private closed = false;

  private constructor(spec: GifWriterSpec, handle: FileHandle) {
    this.spec = spec;
    this.handle = handle;
    const n = Math.floor(spec.colors.length / 3);
    if (n < 1 || n > 255) throw new RangeError(`A GIF palette here has 1 to 255 colours, not ${n}`);
    this.coderSpec = { colors: spec.colors.subarray(0, n * 3), dither: spec.dither, lossy: spec.lossy ?? 0, localPalettes: spec.localPalettes !== false };
    const pixels = spec.width * spec.height;
    this.reference = new Uint32Array(pixels).fill(NEVER_DRAWN);
    this.drawn = new Uint8Array(pixels);
    this.shownFrom = new Int32Array(spec.height).fill(spec.width);
    this.shownTo = new Int32Array(spec.height);
  }

  static async open(spec: GifWriterSpec): Promise<GifWriter> {
    const handle = await open(spec.file, 'w').catch((cause: NodeJS.ErrnoException) => {
      // Named as the output the user asked for, not the temporary file it is written under (a
      // bare EACCES reached the caller), and said as the other outputs say it.
      const name = spec.name ?? spec.file;
      throw new FlipbookError('IO', `Cannot create the output file ${name}: ${systemReason(cause)}`, { file: name, cause });
    });
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
      throw new FlipbookError('IO', `Cannot write ${name}: ${systemReason(cause)}`, { file: name, cause });
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
    const words = pictureWords(picture);
    const rowWords = picture.stride >> 2;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.reference[y * width + x] = (words[y * rowWords + x] as number) & RGB_MASK;
    // Every reference is now this picture's colour: its rows are the last compared.
    const last = (this.last ??= Buffer.alloc(width * height * 4));
    for (let y = 0; y < height; y++) last.set(picture.data.subarray(y * picture.stride, y * picture.stride + width * 4), y * width * 4);
    this.lastKnown = true;
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
    const { width } = this.spec;
    for (let y = y0; y < y1; y++) this.drawn.fill(0, y * width + x0, y * width + x1);
  }

  /** The colour every pixel was last drawn from (see track), to start another writer from (primeReferences). */
  references(): Uint32Array {
    return this.reference.slice();
  }

  /** Starts from references saved by references(): the first frame written then holds what one piece would. */
  primeReferences(references: Uint32Array): void {
    if (references.length !== this.reference.length) throw new RangeError(`${references.length} references for ${this.reference.length} pixels`);
    this.reference.set(references);
    this.lastKnown = false;
    // Any pixel may be shown now.
    this.shownFrom.fill(0);
    this.shownTo.fill(this.spec.width);
  }

  /**
   * The coder threads, or null to code on this thread. They start once coding here has taken
   * CODER_THREADS_AFTER_MS and, when the number of frames is known, the frames left would take
   * as long again: a GIF whose coding costs less in all (few frames, small or easily coded ones)
   * never pays for their start.
   */
  private coderPool(): CoderPool | null {
    const { threads, frames } = this.spec;
    if (this.pool || threads === false || threads === 0 || this.codingMs < 0) return this.pool;
    if (threads === undefined) {
      if (this.codingMs < CODER_THREADS_AFTER_MS || this.frames < CODER_THREADS_AFTER_FRAMES) return null;
      // What is left to code, at the cost of the cheapest of the last few frames (the first frames
      // cost more: this thread's code is not yet optimised then; and one frame may have been
      // slowed by the machine), must be worth the threads' start.
      const left = frames === undefined ? this.codingMs : Math.min(...this.recent.map((f) => f.ms)) * (frames - this.frames);
      // A thread warms up later on frames with palettes of their own (more code to optimise).
      if (left < (this.recent.some((f) => f.ownPalette) ? CODER_THREADS_WORTH_MS : CODER_THREADS_WORTH_MS_GLOBAL)) return null;
    }
    this.pool = CoderPool.start(this.coderSpec, typeof threads === 'number' ? threads : CODER_THREADS) ?? null;
    // None could start: on this thread from now on.
    if (!this.pool) this.codingMs = -1;
    return this.pool;
  }

  /** The header: logical screen, global colour table, loop block. */
  private header(): Uint8Array {
    const { width, height, loop } = this.spec;
    const { colors } = this.coderSpec;
    const n = colors.length / 3;
    const bits = tableBits(n);
    const out = new ByteWriter(64 + 3 * (1 << bits));
    out.bytes([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]); // GIF89a
    out.u16(width);
    out.u16(height);
    out.byte(0x80 | ((bits - 1) << 4) | (bits - 1)); // global table, its size
    out.byte(n); // background: the transparent index
    out.byte(0);
    const table = new Uint8Array(3 * (1 << bits));
    table.set(colors);
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
   * transparent pixels where something is drawn now. `index`: the picture's place among the
   * animation's pictures (its own-palette window, OWN_PALETTE_WINDOW); by default the frames
   * written before it.
   */
  async write(picture: RgbaRows, delay: number, index = this.frames): Promise<void> {
    const { width, height } = this.spec;
    if (picture.width !== width || picture.height !== height) throw new RangeError(`A ${picture.width}x${picture.height} frame in a ${width}x${height} GIF`);
    // A graphic control extension holds at most MAX_DELAY hundredths: a longer frame goes on in
    // frames that change nothing (1x1 and transparent), so the GIF lasts as long as asked.
    for (let left = delay; ; left -= MAX_DELAY) {
      if (this.pending) await this.flush(this.spec.alpha ? this.toClear(picture) : undefined);
      this.pending = this.hold(picture, this.changedRect(picture), Math.min(left, MAX_DELAY), index);
      this.frames++;
      if (!(left > MAX_DELAY)) return;
    }
  }

  /** The frame's pixels and marks in `rect`, copied for its job (the marks cleared for the next frame). */
  private hold(picture: RgbaRows, rect: Rect | undefined, delay: number, index: number): HeldFrame {
    const { width } = this.spec;
    let [pixels, mask] = this.spares.pop() ?? [new Uint8Array(0), new Uint8Array(0)];
    if (mask.length < this.drawn.length) [pixels, mask] = [new Uint8Array(this.drawn.length * 4), new Uint8Array(this.drawn.length)];
    if (rect) {
      const [x0, y0, x1, y1] = rect;
      const w = x1 - x0;
      const { data, stride } = picture;
      for (let y = y0; y < y1; y++) {
        const p0 = y * width;
        pixels.set(data.subarray(y * stride + x0 * 4, y * stride + x1 * 4), (y - y0) * w * 4);
        mask.set(this.drawn.subarray(p0 + x0, p0 + x1), (y - y0) * w);
        this.drawn.fill(0, p0 + x0, p0 + x1);
      }
    }
    return { rect, pixels, mask, marked: this.marked, delay, index };
  }

  /**
   * The rectangle of the pixels shown opaque now that are transparent in `picture` (undefined
   * when none): what the held frame must clear before it is shown. At the end, with a wholly
   * transparent picture, every pixel shown opaque.
   */
  private toClear(picture: RgbaRows): Rect | undefined {
    const { width, height } = picture;
    const words = pictureWords(picture);
    const rowWords = picture.stride >> 2;
    const { reference, shownFrom, shownTo } = this;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    for (let y = 0; y < height; y++) {
      const row = y * rowWords;
      const p0 = y * width;
      // Outside the row's shown span every reference is NEVER_DRAWN.
      const to = shownTo[y] as number;
      for (let x = shownFrom[y] as number; x < to; x++) {
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
   * Codes and writes the held frame (on this thread, or hands it to the coder threads). With
   * `clear`, its rectangle grows to hold `clear` (the new part transparent: it leaves those
   * pixels as they are) and is cleared after it is shown; what it covered then shows nothing,
   * and the next frame draws it again.
   */
  private async flush(clear: Rect | undefined): Promise<void> {
    const held = this.pending;
    if (!held) return;
    this.pending = undefined;
    // A frame with nothing to draw is one transparent pixel at the top left.
    let written: Rect = held.rect ?? [0, 0, 1, 1];
    let disposal = KEEP;
    if (clear) {
      disposal = CLEAR;
      // A frame that draws nothing (otherwise one pixel at the top left) is the clear rectangle alone.
      const { rect } = held;
      written = rect ? [Math.min(rect[0], clear[0]), Math.min(rect[1], clear[1]), Math.max(rect[2], clear[2]), Math.max(rect[3], clear[3])] : clear;
      const { width } = this.spec;
      const { shownFrom, shownTo } = this;
      for (let y = written[1]; y < written[3]; y++) {
        this.reference.fill(NEVER_DRAWN, y * width + written[0], y * width + written[2]);
        // A shown span inside the cleared part is empty now (otherwise it is kept, wider than need be).
        if ((shownFrom[y] as number) >= written[0] && (shownTo[y] as number) <= written[2]) {
          shownFrom[y] = width;
          shownTo[y] = 0;
        }
      }
    }
    const window = Math.floor(held.index / OWN_PALETTE_WINDOW);
    const tryOwnPalette = await this.tryOwnPalette(window);
    const job: FrameJob = { rect: held.rect, pixels: held.pixels, mask: held.mask, marked: held.marked, written, disposal, delay: held.delay, tryOwnPalette };
    const pool = this.coderPool();
    if (!pool) {
      const started = performance.now();
      const bytes = (this.coder ??= new FrameCoder(this.coderSpec)).code(job);
      this.ownOutcomes.push(this.coder.own);
      if (this.codingMs >= 0) this.codingMs += performance.now() - started;
      this.recent.push({ ms: performance.now() - started, ownPalette: this.coder.own === OWN_TAKEN });
      if (this.recent.length > 4) this.recent.shift();
      this.spares.push([job.pixels, job.mask]);
      await this.put(bytes);
      return;
    }
    const coded = pool.code(job);
    coded.catch(() => undefined);
    this.queue.push({ coded, window });
    this.threadFrames++;
    // Enough out: the oldest is written before the next frame is read.
    while (this.queue.length >= JOBS_PER_THREAD * pool.threads) await this.writeOldest();
  }

  /**
   * Whether the next frame coded, in own-palette window `window`, tries a palette of its own (see
   * OWN_PALETTE_WINDOW). Waits for the outcomes it needs when more frames than OWN_PALETTE_LAG
   * are out (more than two coder threads).
   */
  private async tryOwnPalette(window: number): Promise<boolean> {
    if (window !== this.ownWindow) {
      this.ownWindow = window;
      this.ownCoded = 0;
      this.ownOutcomes.length = 0;
    }
    const known = this.ownCoded++ - OWN_PALETTE_LAG + 1;
    while (this.ownOutcomes.length < known && this.queue.length) await this.writeOldest();
    let taken = 0;
    let turnedDown = 0;
    for (let i = 0; i < known; i++) {
      const own = this.ownOutcomes[i];
      if (own === OWN_TAKEN) taken++;
      else if (own === OWN_TURNED_DOWN) turnedDown++;
    }
    return taken > 0 || turnedDown < OWN_PALETTE_GIVE_UP;
  }

  /** Waits for the oldest frame out on the threads and writes it. */
  private async writeOldest(): Promise<void> {
    const oldest = this.queue.shift();
    if (!oldest) return;
    const { bytes, pixels, mask, own } = await oldest.coded;
    if (oldest.window === this.ownWindow) this.ownOutcomes.push(own);
    this.spares.push([pixels, mask]);
    await this.put(bytes);
    this.pool?.release(bytes);
  }

  /**
   * The rectangle of pixels whose source moved past the tolerance from the colour they were last
   * drawn from (all pixels on the first frame); undefined when none did. Marks them in `drawn`
   * with DRAW and takes their colours as their references.
   */
  private changedRect(picture: RgbaRows): Rect | undefined {
    const { width, height, stride } = picture;
    const words = pictureWords(picture);
    const { reference, drawn, shownFrom, shownTo } = this;
    const tol = this.spec.tolerance;
    const alpha = this.spec.alpha;
    let marked = 0;
    let x0 = width;
    let y0 = height;
    let x1 = 0;
    let y1 = 0;
    const rowWords = stride >> 2;
    const rowBytes = width * 4;
    const lastRows = alpha ? undefined : (this.last ??= Buffer.alloc(rowBytes * height));
    const known = this.lastKnown;
    const bytes = Buffer.from(picture.data.buffer, picture.data.byteOffset, picture.data.byteLength);
    for (let y = 0; y < height; y++) {
      const row = y * rowWords;
      if (lastRows) {
        // The row as last compared: nothing in it can have changed.
        if (known && lastRows.compare(bytes, y * stride, y * stride + rowBytes, y * rowBytes, (y + 1) * rowBytes) === 0) continue;
        lastRows.set(bytes.subarray(y * stride, y * stride + rowBytes), y * rowBytes);
      }
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
        reference[p] = v;
        marked++;
        if (first < 0) first = x;
        last = x;
      }
      if (first >= 0) {
        if (first < x0) x0 = first;
        if (last >= x1) x1 = last + 1;
        if (y < y0) y0 = y;
        y1 = y + 1;
        // These pixels are shown from now on.
        if (first < (shownFrom[y] as number)) shownFrom[y] = first;
        if (last >= (shownTo[y] as number)) shownTo[y] = last + 1;
      }
    }
    this.marked = marked;
    if (lastRows) this.lastKnown = true;
    return x1 > x0 ? [x0, y0, x1, y1] : undefined;
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
    while (this.queue.length) await this.writeOldest();
    if (!this.spec.blocksOnly) await this.put(Uint8Array.of(GIF_TRAILER));
    await this.close();
  }

  /** Closes the file as it is (after an error), and ends the coder threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool?.close();
    // Frames out are given up (close() rejected them).
    await Promise.allSettled(this.queue.splice(0).map((q) => q.coded));
    await this.handle.close();
  }

  get written(): number {
    return this.frames;
  }

  /** Frames coded on the coder threads (the rest on the writer's thread). */
  get codedOnThreads(): number {
    return this.threadFrames;
  }
}

/** The byte that ends a GIF. */
export const GIF_TRAILER = 0x3b;

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
function pictureWords(picture: RgbaRows): Uint32Array {
  return wordsOf(picture.data, (picture.stride * (picture.height - 1)) / 4 + picture.width);
}
