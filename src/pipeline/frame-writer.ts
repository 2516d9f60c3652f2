import { resolve } from 'node:path';
import { Writable } from 'node:stream';

import { type RawPixelFormat, codecPixelFormat, codecProfileName } from '../engine/index.js';
import { FlipbookError, invalidOption } from '../errors.js';
import { type FrameInput, type LoadedFrame, type PreparedFrame, discardFrame, loadFrame, prepareFrame } from '../inputs/frame-input.js';
import { type ResolvedWriterOptions, type WriterOptions, resolveWriterOptions } from '../options/writer-options.js';
import type { Size } from '../options/values.js';
import { throwIfAborted } from './abort.js';
import type { AnimationSettings } from '../options/animation-options.js';
import { AnimationSink } from './animation-sink.js';
import { type AudioPlan, fitAudio, probeAudio } from './audio-plan.js';
import { EncodeSession } from './encode-session.js';
import { ProgressClock } from './progress.js';
import type { Slideshow } from './slideshow.js';
import type { StitchResult } from './stitch.js';
import { finishWriterSlideshow, writerHoldsFrames, writerSlideshow } from './writer-slideshow.js';

export interface WriteOptions {
  /**
   * When the frame starts, in seconds from the start of the video (kept to the millisecond).
   * Default: when the previous frame ends. Times must increase; frames with times make a
   * variable-frame-rate video.
   */
  time?: number;
  /** How long the frame is shown, in seconds. Default one frame, 1/fps. */
  duration?: number;
  /** The layout of a bare typed array of raw pixels, which has the writer's size. */
  format?: RawPixelFormat;
}

/** What `writer.stream()` takes: a frame, or `{ frame, time, duration, format }`. */
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

/** Where a frame goes: from `pts` for `ticks`; `timed` when the caller gave its time. */
interface Timing {
  pts: number;
  ticks: number;
  timed: boolean;
}

export class FrameWriter {
  readonly output: string;
  private readonly opts: ResolvedWriterOptions;
  private readonly options: WriterOptions;
  private readonly clock: ProgressClock;
  private readonly warnings: string[] = [];
  private state: State = 'open';
  private failure: unknown;
  private tail: Promise<void> = Promise.resolve();
  private closing: Promise<StitchResult> | undefined;
  private session: EncodeSession | AnimationSink | undefined;
  /** With transitions, fades, holdLast or audioFit extend: holds the last frame for them. */
  private slideshow: Slideshow | undefined;
  /** The music, probed at the first frame, fitted at close(). */
  private audio: AudioPlan | undefined;
  /** The size frames must have (or are fitted to), once known. */
  private size: Size | undefined;
  private accepted = 0;
  private lastPts = -1;
  private nextPts = 0;
  private fitted = 0;
  private readonly removeAbortListener: () => void;

  /** Use createWriter(). */
  constructor(output: string, options: WriterOptions = {}) {
    this.opts = resolveWriterOptions(output, options);
    throwIfAborted(options.signal);
    this.output = output;
    this.options = options;
    this.size = this.opts.size;
    this.clock = new ProgressClock(this.opts.expectedFrames ?? 0);
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
    if (this.state !== 'open') throw this.refusal();
    const index = ++this.accepted;
    let prepared: PreparedFrame;
    let timing: Timing;
    try {
      if (options === null || typeof options !== 'object') throw invalidOption('write options', 'an object such as { time: 1.5 }', options);
      prepared = prepareFrame(frame, { index, format: options.format, size: this.size });
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
    return this.enqueue(() => this.encode(prepared, timing, index));
  }

  /** Finishes the file and moves it into place; the result is stitch's. Calling it again returns the same result. */
  close(): Promise<StitchResult> {
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
   * each chunk is a frame or `{ frame, time, duration }`; the end closes the writer
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
      if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) throw invalidOption('time', 'a time in seconds, 0 or more', time);
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
    if (options.duration !== undefined) {
      const { duration } = options;
      if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) throw invalidOption('duration', 'a duration in seconds, above 0', duration);
      ticks = Math.max(1, Math.round(duration * tps));
    }
    this.lastPts = pts;
    this.nextPts = pts + ticks;
    return { pts, ticks, timed: options.time !== undefined };
  }

  private get ticksPerSecond(): number {
    return (this.opts.fps.num * this.opts.ticksPerFrame) / this.opts.fps.den;
  }

  /** Runs tasks one at a time, in call order. */
  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async encode(prepared: PreparedFrame, timing: Timing, index: number): Promise<void> {
    if (this.state === 'failed') {
      discardFrame(prepared);
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
      loaded = await loadFrame(prepared, this.opts.limitPixels, index);
      throwIfAborted(this.options.signal);
      this.checkSize(loaded, index);
      this.session ??= await this.openSession(loaded, prepared, timing.timed);
      const { picture, orientation } = loaded;
      loaded = undefined;
      if (this.slideshow) await this.slideshow.add(picture, orientation, timing.ticks, timing.pts);
      else await this.session.add(picture, orientation, timing.ticks, timing.pts);
    } catch (error) {
      // Once handed to the session, the picture is the session's to release.
      if (loaded) loaded.picture.release();
      await this.failNow(error);
      throw error;
    }
    const progress = this.clock.tick();
    this.options.onProgress?.(this.opts.expectedFrames === undefined ? { ...progress, total: progress.frame, eta: undefined } : progress);
  }

  /** The first frame settles a size not given; every frame must then have it, unless fitted. */
  private checkSize(frame: LoadedFrame, index: number): void {
    if (!this.size) {
      const { width: w, height: h } = this.opts;
      if (w) this.size = { width: w, height: Math.max(2, Math.round((w * frame.height) / frame.width)) };
      else if (h) this.size = { width: Math.max(2, Math.round((h * frame.width) / frame.height)), height: h };
      else this.size = { width: Math.max(2, frame.width), height: Math.max(2, frame.height) };
    }
    const { width, height } = this.size;
    if (frame.width === width && frame.height === height) return;
    if (this.opts.fit === 'error') {
      throw new FlipbookError('SIZE_MISMATCH', `${frame.label} is ${frame.width}x${frame.height}, but the video is ${width}x${height}`, {
        option: 'fit',
        position: index,
        hint: `Give frames of ${width}x${height}, or pass fit: 'contain', 'cover' or 'fill' to createWriter to fit them`,
      });
    }
    if (this.fitted++ === 0) this.warn(`Fitting frames of another size to ${width}x${height} (fit ${this.opts.fit}): ${frame.label} is ${frame.width}x${frame.height}`);
  }

  /**
   * Opens the output at the first frame. A first frame with a time announces frames of
   * unequal durations: H.264 is then written without B-frames, so that MP4's track (added up
   * from decode times) ends where the last frame does.
   */
  private async openSession(first: LoadedFrame, prepared: PreparedFrame, timed: boolean): Promise<EncodeSession | AnimationSink> {
    const session = await this.openOutput(first, prepared, timed);
    if (writerHoldsFrames(this.opts)) this.slideshow = writerSlideshow(session, this.opts);
    return session;
  }

  private async openOutput(first: LoadedFrame, prepared: PreparedFrame, timed: boolean): Promise<EncodeSession | AnimationSink> {
    const fitSize = this.size ?? { width: first.width, height: first.height };
    if (this.opts.animation) return this.openAnimation(this.opts.animation, fitSize, prepared);
    const even = { width: fitSize.width + (fitSize.width % 2), height: fitSize.height + (fitSize.height % 2) };
    if (even.width !== fitSize.width || even.height !== fitSize.height) {
      this.warn(`Padded ${fitSize.width}x${fitSize.height} to ${even.width}x${even.height}: yuv420p needs even dimensions`);
    }
    const { opts } = this;
    // Alpha is kept or flattened once, for the whole video: by the first frame.
    const alpha = opts.alphaPossible && first.picture.hasAlpha;
    // The music is checked before anything is written; its end is settled at close().
    this.audio = opts.audio ? await probeAudio(opts.audio, opts.format) : undefined;
    const session = await EncodeSession.open({
      output: opts.output,
      overwrite: opts.overwrite,
      inputs: [...(prepared.kind === 'file' ? [prepared.path] : []), ...(this.audio ? [this.audio.file] : [])],
      format: opts.format,
      codec: opts.codec,
      width: even.width,
      height: even.height,
      fitSize,
      fit: opts.fit,
      background: opts.background,
      fps: opts.fps,
      ticksPerFrame: opts.ticksPerFrame,
      // Held frames and transitions are pictures of unequal durations: no B-frames (see VideoEncoder).
      encoder: { ...opts.encoder, bFrames: !timed && !writerHoldsFrames(opts) },
      alpha,
      audio: this.audio,
    });
    session.notices.forEach((notice) => this.warn(notice));
    return session;
  }

  /** GIF, WebP, APNG: frames are spooled, then written in passes at close(). */
  private openAnimation(settings: AnimationSettings, fitSize: Size, prepared: PreparedFrame): Promise<AnimationSink> {
    const { opts } = this;
    return AnimationSink.open({
      output: opts.output,
      overwrite: opts.overwrite,
      inputs: prepared.kind === 'file' ? [prepared.path] : [],
      settings,
      fitSize,
      sizeGiven: Boolean(opts.width ?? opts.height),
      fit: opts.fit,
      background: opts.background,
      fps: opts.fps,
      ticksPerSecond: this.ticksPerSecond,
      signal: this.options.signal,
      onWarning: (message) => this.warn(message),
      onProgress: undefined,
    });
  }

  private async finish(): Promise<StitchResult> {
    if (this.state !== 'open') throw this.refusal();
    this.state = 'closing';
    return this.enqueue(async () => {
      if (this.failure !== undefined) throw this.failure;
      try {
        throwIfAborted(this.options.signal);
        if (!this.session) {
          throw new FlipbookError('NO_INPUT', 'No frame was written, so there is no video to write', { hint: 'Call write() at least once before close()' });
        }
        if (this.slideshow) await finishWriterSlideshow(this.slideshow, this.opts, this.audio, (message) => this.warn(message));
        const transitions = this.slideshow && this.opts.slides ? { transitionFrames: this.slideshow.transitionFrames } : {};
        if (this.session instanceof AnimationSink) {
          const result = await this.session.finish(this.fitted, () => [...this.warnings]);
          this.state = 'closed';
          this.removeAbortListener();
          return { ...result, ...transitions };
        }
        const { audio } = this;
        const written = await this.session.finish(audio ? fitAudio(audio, this.session.duration).end : undefined);
        this.state = 'closed';
        this.removeAbortListener();
        const { opts } = this;
        return {
          output: this.output,
          frames: written.frames,
          width: this.session.spec.width,
          height: this.session.spec.height,
          fps: opts.fps,
          duration: written.duration,
          codec: opts.codec,
          profile: codecProfileName(opts.codec, { quality: opts.encoder.quality, alpha: this.session.spec.alpha === true }),
          pixelFormat: codecPixelFormat(opts.codec, this.session.spec.alpha === true),
          bytes: written.bytes,
          fitted: this.fitted,
          skipped: [],
          warnings: [...this.warnings],
          ...transitions,
          ...(written.audio && audio ? { audio: { file: audio.file, ...written.audio } } : {}),
        };
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
      await this.tail;
      return;
    }
    this.markFailed(error);
    await this.enqueue(async () => {
      this.slideshow?.release();
      await this.session?.abort();
    });
  }

  /** From inside a task (the queue is ours): marks the writer failed and removes the output now. */
  private async failNow(error: unknown): Promise<void> {
    this.markFailed(error);
    this.slideshow?.release();
    await this.session?.abort();
  }

  private markFailed(error: unknown): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.failure = error;
    this.removeAbortListener();
  }

  /** Why a write or close is refused now. */
  private refusal(): unknown {
    if (this.state === 'failed') return this.failure;
    return new FlipbookError('INVALID_INPUT', `A frame came after close(): the writer of ${this.output} takes no more frames`, {
      option: 'frame',
      hint: 'Write every frame before calling close()',
    });
  }

  private warn(message: string): void {
    this.warnings.push(message);
    this.options.onWarning?.(message);
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

function splitChunk(chunk: StreamChunk): [FrameInput, WriteOptions] {
  if (chunk !== null && typeof chunk === 'object' && 'frame' in chunk && !('data' in chunk) && !('getContext' in chunk)) {
    const { frame, ...options } = chunk;
    return [frame, options];
  }
  return [chunk as FrameInput, {}];
}
