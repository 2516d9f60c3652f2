import { resolve } from 'node:path';
import { Writable } from 'node:stream';

import { FlipbookError, type Text, invalidOption, opt, renderText, text } from '../errors.js';
import { type FrameInput, type LoadedFrame, type PreparedFrame, discardFrame, loadFrame, prepareFrame } from './frame-input.js';
import { type ResolvedWriterOptions, type WriterOptions, resolveWriterOptions } from '../options/output-options.js';
import type { PixelLayout, Size } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { probeAudio } from '../core/audio-plan.js';
import { fitSizeFor, settleLayout, sizeMismatch } from '../core/layout.js';
import { Output, type OutputResult } from '../core/output.js';
import { SerialQueue } from '../util/concurrency.js';
import { formatBytes } from '../util/format.js';
import type { SlideshowWords } from '../options/slideshow-options.js';

/**
 * Frames copied and waiting to be encoded past this many bytes are said once in a warning: a
 * writer whose write() is not awaited (a forgotten await, a forEach) holds every frame until the
 * encoder reaches it, 2.9 GB for 3000 frames of 640x360 where the same frames awaited stayed at
 * 190 MB. 256 MiB is some 280 frames of 640x360 RGBA, 32 of 1080p; awaited writes hold two.
 */
const WAITING_WARN_BYTES = 256 * 1024 * 1024;

/** The words of the writer's errors about a frame too short for its transitions. */
const FRAME_WORDS: SlideshowWords = {
  noun: 'frame',
  hint: 'Hold the frames longer (write(frame, { hold: 2 })) or give later times, or a shorter transition',
  smaller: text`fewer frames or a smaller ${opt('size')}`,
};

export interface WriteOptions {
  /**
   * When the frame starts, in seconds from the start of the video (kept to the millisecond).
   * Default: when the previous frame ends. Times must increase; frames with times make a
   * variable-frame-rate video.
   */
  time?: number;
  /** How long the frame is held, in seconds. Default one frame, 1/fps. */
  hold?: number;
  /** The layout of a bare typed array of raw pixels, which has the writer's size. */
  layout?: PixelLayout;
  /**
   * The frame's 0-based place in the video, for frames made out of order (by workers of your
   * own, say). Give it on every write or on none. A frame that comes before its turn is kept
   * (its pixels copied at once) until every frame before it has come, then encoded in order;
   * its write() resolves once it is encoded. So as many frames wait as you have writes in
   * flight: await them in batches to bound memory. close() with a frame missing fails and
   * leaves no output.
   */
  index?: number;
}

/** What `writer.stream()` takes: a frame, or `{ frame, time, hold, layout }`. */
export type StreamChunk = FrameInput | ({ frame: FrameInput } & WriteOptions);

/**
 * A video written frame by frame: `await writer.write(frame)` encodes the frame before it
 * resolves (with transitions, fades, holdLast or audioFit extend: the frame before it, as the
 * last is kept for them), so the awaits are the backpressure and nothing piles up. `close()`
 * finishes the file; `abort()`, a failed write or the signal leave no output.
 */
export function createWriter(output: string, options: WriterOptions = {}): FrameWriter {
  return new FrameWriter(output, options);
}

type State = 'open' | 'closing' | 'closed' | 'failed';

/** Where a frame goes: from `pts` for `ticks`. */
interface Timing {
  pts: number;
  ticks: number;
}

export class FrameWriter {
  readonly output: string;
  private readonly opts: ResolvedWriterOptions;
  private readonly options: WriterOptions;
  private state: State = 'open';
  private failure: unknown;
  /** Frames are encoded one at a time, in the order written. */
  private readonly queue = new SerialQueue();
  private closing: Promise<OutputResult> | undefined;
  /** The output core, opened at the first frame (its size, alpha and music are known then). */
  private output_: Output | undefined;
  /** Warnings said before the output opened. */
  private readonly early: string[] = [];
  /** The size frames must have (or are fitted to), once known. */
  private size: Size | undefined;
  private accepted = 0;
  private lastPts = -1;
  private nextPts = 0;
  /** No frame has been timed yet. */
  private first = true;
  private fitted = 0;
  private readonly removeAbortListener: () => void;
  /** Frames written with `index`: whether the writer takes them so, the next to encode, and those early. */
  private ordered: boolean | undefined;
  private nextIndex = 0;
  private readonly early_: Map<number, { prepared: PreparedFrame; options: WriteOptions; resolve: () => void; reject: (error: unknown) => void }> = new Map();
  /** Frames copied and not yet encoded, their bytes, and whether that was said. */
  private waiting = 0;
  private waitingBytes = 0;
  private saidWaiting = false;

  /** Use createWriter(). */
  constructor(output: string, options: WriterOptions = {}) {
    this.opts = resolveWriterOptions(output, options);
    throwIfAborted(options.signal);
    this.output = output;
    this.options = options;
    this.size = this.opts.size;
    const { signal } = options;
    const onAbort = (): void => {
      this.abortWith(abortedError(signal)).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.removeAbortListener = () => signal?.removeEventListener('abort', onAbort);
  }

  /** Frames accepted so far (written or waiting their turn). */
  get frames(): number {
    return this.accepted;
  }

  /**
   * Encodes one frame; resolves once it is encoded. Pixels are copied before write() returns,
   * so the caller may reuse its buffer or redraw its canvas at once. A frame that cannot be
   * written (wrong size, unreadable image, bad time) rejects, and the writer stops and
   * removes its output: the video is complete or not there at all.
   */
  async write(frame: FrameInput, options: WriteOptions = {}): Promise<void> {
    if (this.state !== 'open') throw await this.refused();
    const indexed = options !== null && typeof options === 'object' && options.index !== undefined;
    if (this.ordered !== undefined && this.ordered !== indexed) {
      const error = new FlipbookError('INVALID_OPTION', indexed ? 'A frame came with an index after frames without one' : 'A frame came without an index after frames with one', {
        option: 'index',
        hint: 'Give index on every write() or on none',
      });
      await this.abortWith(error);
      throw error;
    }
    this.ordered = indexed;
    if (indexed) return this.writeAt(frame, options);
    const index = ++this.accepted;
    let prepared: PreparedFrame;
    let timing: Timing;
    try {
      if (options === null || typeof options !== 'object') throw invalidOption('write options', 'an object such as { time: 1.5 }', options);
      prepared = prepareFrame(frame, { index, layout: options.layout, size: this.size });
      try {
        timing = this.timing(options, index);
      } catch (error) {
        discardFrame(prepared);
        throw error;
      }
    } catch (error) {
      await this.abortWith(error);
      throw error;
    }
    const done = this.hold(prepared);
    return this.queue.run(() => this.encode(prepared, timing, index)).finally(done);
  }

  /** Counts a copied frame until it is encoded (or dropped); says once when they pile up. */
  private hold(prepared: PreparedFrame): () => void {
    const bytes = prepared.kind === 'pixels' ? prepared.width * prepared.height * 4 : prepared.kind === 'bytes' ? prepared.bytes.byteLength : 0;
    this.waiting++;
    this.waitingBytes += bytes;
    if (!this.saidWaiting && this.waitingBytes > WAITING_WARN_BYTES) {
      this.saidWaiting = true;
      this.warn(
        `${this.waiting} frames (${formatBytes(this.waitingBytes)}) wait in memory to be encoded: write() was called without waiting for the frames before it. ` +
          'Await each write() (it resolves once its frame is encoded), or each batch of them, to keep memory flat',
      );
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.waiting--;
      this.waitingBytes -= bytes;
    };
  }

  /** A frame with its place: kept until its turn, then timed and queued like any other. */
  private async writeAt(frame: FrameInput, options: WriteOptions): Promise<void> {
    const place = options.index;
    let prepared: PreparedFrame;
    try {
      if (typeof place !== 'number' || !Number.isInteger(place) || place < 0) throw invalidOption('index', 'a whole number, 0 or more', place);
      if (place < this.nextIndex || this.early_.has(place)) {
        throw new FlipbookError('INVALID_OPTION', `Frame index ${place} was written twice`, { option: 'index', position: place + 1, hint: 'Write each index once' });
      }
      prepared = prepareFrame(frame, { index: place + 1, layout: options.layout, size: this.size });
    } catch (error) {
      await this.abortWith(error);
      throw error;
    }
    const done = this.hold(prepared);
    const waiting = new Promise<void>((resolve, reject) => {
      this.early_.set(place, { prepared, options, resolve, reject });
    });
    this.release();
    return waiting.finally(done);
  }

  /** Queues the frames whose turn has come, in order. */
  private release(): void {
    for (let next = this.early_.get(this.nextIndex); next && this.state === 'open'; next = this.early_.get(this.nextIndex)) {
      this.early_.delete(this.nextIndex);
      this.nextIndex++;
      const index = ++this.accepted;
      let timing: Timing;
      try {
        timing = this.timing(next.options, index);
      } catch (error) {
        discardFrame(next.prepared);
        this.abortWith(error).catch(() => undefined);
        next.reject(error);
        continue;
      }
      this.queue.run(() => this.encode(next.prepared, timing, index)).then(next.resolve, next.reject);
    }
  }

  /** Drops the frames still waiting for their turn, rejecting their writes. */
  private dropEarly(error: unknown): void {
    for (const waiting of this.early_.values()) {
      discardFrame(waiting.prepared);
      waiting.reject(error);
    }
    this.early_.clear();
  }

  /** Finishes the file and moves it into place; the result is stitch's. Calling it again returns the same result. */
  close(): Promise<OutputResult> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Stops and removes everything written so far. Resolves when nothing is left. Does nothing once close() has begun. */
  async abort(): Promise<void> {
    if (this.closing) {
      await this.closing.catch(() => undefined);
      return;
    }
    await this.abortWith(abortedError(undefined)).catch(() => undefined);
  }

  /**
   * A Writable in object mode over this writer, for `pipeline(frames, writer.stream())`:
   * each chunk is a frame or `{ frame, time, hold }`; the end closes the writer
   * (then `await writer.close()` gives the result) and an error aborts it. A chunk is taken
   * (copied) while the one before is encoded, so the producer works while the encoder does:
   * at most one chunk buffered, one copied and waiting, one being encoded.
   */
  stream(): Writable {
    let latest: Promise<void> | undefined;
    return new Writable({
      objectMode: true,
      highWaterMark: 1,
      write: (chunk: StreamChunk, _encoding, callback) => {
        const [frame, options] = splitChunk(chunk);
        const written = this.write(frame, options);
        written.catch(() => undefined);
        const previous = latest ?? Promise.resolve();
        latest = written;
        previous.then(() => callback(), callback);
      },
      final: (callback) => {
        (latest ?? Promise.resolve())
          .then(() => this.close())
          .then(
            () => callback(),
            (error: Error) => callback(error),
          );
      },
      destroy: (error, callback) => {
        if (error || this.state === 'open') this.abort().then(() => callback(error), () => callback(error));
        else callback(null);
      },
    });
  }

  private timing(options: WriteOptions, index: number): Timing {
    const tps = this.ticksPerSecond;
    let pts = this.nextPts;
    if (options.time !== undefined) {
      const { time } = options;
      if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw ofFrame(invalidOption('time', 'a time in seconds, 0 or more', time), index);
      pts = Math.round(time * tps);
      if (pts <= this.lastPts) {
        throw new FlipbookError('INVALID_OPTION', `Frame ${index} has the time ${time} s, which is not after the previous frame's ${this.lastPts / tps} s`, {
          option: 'time',
          position: index,
          hint: 'Times must increase from frame to frame (to the millisecond)',
        });
      }
    }
    let ticks = this.opts.ticksPerFrame;
    if (options.hold !== undefined) {
      const { hold } = options;
      if (typeof hold !== 'number' || !Number.isFinite(hold) || hold <= 0) throw ofFrame(invalidOption('hold', 'a time in seconds, above 0', hold), index);
      ticks = Math.max(1, Math.round(hold * tps));
    }
    this.lastPts = pts;
    this.nextPts = pts + ticks;
    // The output starts at 0 s: a first frame given a later time is shown from the start, as a
    // gap between two frames is held by the earlier one (and the result's duration counts from 0).
    if (this.first) {
      this.first = false;
      if (pts > 0) return { pts: 0, ticks: pts + ticks };
    }
    return { pts, ticks };
  }

  private get ticksPerSecond(): number {
    return (this.opts.fps.num * this.opts.ticksPerFrame) / this.opts.fps.den;
  }

  private async encode(prepared: PreparedFrame, timing: Timing, index: number): Promise<void> {
    if (this.state === 'failed') {
      discardFrame(prepared);
      // The removal the failure queued comes after this task: done now, so that this write's
      // rejection finds no temporary file left (Output.abort is safe twice).
      await this.output_?.abort();
      throw this.failure;
    }
    let loaded: LoadedFrame | undefined;
    try {
      if (prepared.kind === 'file' && resolve(prepared.path) === resolve(this.output)) {
        throw new FlipbookError('OUTPUT_IS_INPUT', `Frame ${index} is the output ${this.output} itself`, {
          file: prepared.path,
          position: index,
          option: 'output',
          hint: 'Choose another output path; flipbook never writes over an input',
        });
      }
      loaded = await loadFrame(prepared, this.opts.limitPixels, index, this.opts.memoryLimit);
      throwIfAborted(this.options.signal);
      this.checkSize(loaded, index);
      this.output_ ??= await this.openOutput(loaded, prepared);
      const { picture, orientation } = loaded;
      loaded = undefined;
      // Once handed to the core, the picture is the core's to release.
      await this.output_.add(picture, orientation, timing.ticks, timing.pts);
    } catch (error) {
      if (loaded) loaded.picture.release();
      await this.failNow(error);
      throw error;
    }
  }

  /** The first frame settles a size not given; every frame must then have it, unless fitted. */
  private checkSize(frame: LoadedFrame, index: number): void {
    this.size ??= fitSizeFor(this.opts, frame);
    const { width, height } = this.size;
    if (frame.width === width && frame.height === height) return;
    if (this.opts.fit === 'error') throw sizeMismatch({ label: frame.label, position: index, width: frame.width, height: frame.height }, this.size);
    if (this.fitted++ === 0) this.warn(text`Fitting frames of another size to ${width}x${height} (${opt('fit', this.opts.fit)}): ${frame.label} is ${frame.width}x${frame.height}`);
  }

  /**
   * Opens the output core at the first frame: its size, whether alpha is kept (by the first
   * frame) and the music (probed now, fitted at close) are known then.
   */
  private async openOutput(first: LoadedFrame, prepared: PreparedFrame): Promise<Output> {
    const { opts } = this;
    const layout = settleLayout(opts, this.size ?? first, (message) => this.warn(message), { label: first.label, file: prepared.kind === 'file' ? prepared.path : undefined });
    const audio = opts.audio ? await probeAudio(opts.audio, opts.format) : undefined;
    return Output.open(
      {
        options: opts,
        layout,
        transparency: first.picture.hasAlpha,
        ticksPerFrame: opts.ticksPerFrame,
        inputs: [...(prepared.kind === 'file' ? [prepared.path] : []), ...(audio ? [audio.file] : [])],
        audio,
        expected: opts.expectedFrames,
        words: FRAME_WORDS,
        warnings: this.early,
      },
      { signal: this.options.signal, onProgress: this.options.onProgress, onWarning: this.options.onWarning },
    );
  }

  private async finish(): Promise<OutputResult> {
    if (this.state !== 'open') throw await this.refused();
    if (this.early_.size > 0) {
      const first = Math.min(...this.early_.keys());
      const error = new FlipbookError('INVALID_INPUT', `close() came while frame index ${this.nextIndex} was missing (${this.early_.size} later ${this.early_.size === 1 ? 'frame waits' : 'frames wait'} for it, from index ${first})`, {
        option: 'index',
        position: this.nextIndex + 1,
        hint: 'Write every index from 0 up before close()',
      });
      await this.abortWith(error);
      throw error;
    }
    this.state = 'closing';
    return this.queue.run(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        throwIfAborted(this.options.signal);
        if (!this.output_) {
          throw new FlipbookError('NO_INPUT', 'No frame was written, so there is no video to write', { hint: 'Call write() at least once before close()' });
        }
        const result = await this.output_.finish({ fitted: this.fitted, skipped: [] });
        this.state = 'closed';
        this.removeAbortListener();
        return result;
      } catch (error) {
        await this.failNow(error);
        throw error;
      }
    });
  }

  /** Marks the writer failed and removes its output, after the task in progress. */
  private async abortWith(error: unknown): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'failed') {
      await this.queue.idle();
      return;
    }
    this.markFailed(error);
    await this.queue.run(async () => {
      await this.output_?.abort();
    });
  }

  /** From inside a task (the queue is ours): marks the writer failed and removes the output now. */
  private async failNow(error: unknown): Promise<void> {
    this.markFailed(error);
    await this.output_?.abort();
  }

  private markFailed(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = error;
    this.removeAbortListener();
    this.dropEarly(error);
  }

  /** Why a write or close is refused now. */
  /**
   * Why a write or close is refused, once the removal a failure started (the signal's abort, a
   * failed frame) is done: a caller that sees the rejection finds no temporary file left.
   */
  private async refused(): Promise<unknown> {
    if (this.state === 'failed') await this.queue.idle();
    return this.refusal();
  }

  private refusal(): unknown {
    if (this.state === 'failed') return this.failure;
    return new FlipbookError('INVALID_INPUT', `A frame came after close(): the writer of ${this.output} takes no more frames`, {
      option: 'frame',
      hint: 'Write every frame before calling close()',
    });
  }

  private warn(message: Text): void {
    if (this.output_) {
      this.output_.warn(message);
      return;
    }
    const said = renderText(message);
    this.early.push(said);
    this.options.onWarning?.(said, message);
  }
}

function abortedError(signal: AbortSignal | undefined): FlipbookError {
  if (signal?.aborted) {
    try {
      throwIfAborted(signal);
    } catch (error) {
      if (error instanceof FlipbookError) return error;
    }
  }
  return new FlipbookError('ABORTED', 'Cancelled: the writer was aborted and left no output');
}

/**
 * A write option's error, said of its frame: "Frame 3: Expected a time ... but received NaN",
 * with its position, as the writer's other frame errors (a NaN computed in a loop of thousands
 * of frames is otherwise found by hand).
 */
function ofFrame(error: FlipbookError, index: number): FlipbookError {
  return new FlipbookError(error.code, [`Frame ${index}: `, ...(typeof error.factText === 'string' ? [error.factText] : error.factText)], {
    position: index,
    ...(error.option === undefined ? {} : { option: error.option }),
    ...(error.hintText === undefined ? {} : { hint: error.hintText }),
  });
}

function splitChunk(chunk: StreamChunk): [FrameInput, WriteOptions] {
  if (chunk !== null && typeof chunk === 'object' && 'frame' in chunk && !('data' in chunk) && !('getContext' in chunk)) {
    const { frame, ...options } = chunk;
    return [frame, options];
  }
  return [chunk as FrameInput, {}];
}
