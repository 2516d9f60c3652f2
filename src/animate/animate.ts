import type { DrawingCanvas, DrawingContext2D } from './drawing-context.js';
import { FlipbookError, invalidOption, opt, text } from '../errors.js';
import type { WriterOptions } from '../options/output-options.js';
import { type Fraction, fractionToNumber, parseDimension, parseDuration, parseFps } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { createCanvas } from './canvas-package.js';
import { createWriter } from '../writer/frame-writer.js';
import type { OutputResult } from '../core/output.js';

/** What draw() is told about the frame it draws. */
export interface AnimateFrame<T> {
  /** 0-based frame number. */
  index: number;
  /** The frame's time in seconds: index / fps. */
  t: number;
  /** 0 at the first frame, 1 at the last (NaN when `data` is an iterable of unknown length). */
  progress: number;
  /** The element of `data` for this frame; the index when `frames` or `duration` is given. */
  datum: T;
  /** The canvas drawn on (the same one every frame). */
  canvas: DrawingCanvas;
}

/** What animate() draws: the canvas size, the rate, how many frames (or the data to draw), and draw(). */
export interface AnimateSpec<T = number> {
  /** Canvas and video size in pixels. */
  width: number;
  height: number;
  /** Frames per second. Default 25. */
  fps?: number | string;
  /** How many frames. Give one of `frames`, `duration` and `data`. */
  frames?: number;
  /** The length in seconds (`3`, `"1.5s"`): frames = duration × fps. */
  duration?: number | string;
  /** The data to draw one frame each of (an array, a generator, an async iterable). */
  data?: Iterable<T> | AsyncIterable<T>;
  /**
   * Draws one frame. The canvas keeps what the previous frame drew: clear it (or fill the
   * background) first for a fresh frame. May be async. `ctx` is `@napi-rs/canvas`'s
   * SKRSContext2D: with that package installed, annotate it as such for its whole API.
   */
  draw(ctx: DrawingContext2D, frame: AnimateFrame<T>): void | Promise<void>;
}

/** The writer's output options; size, rate and frame count come from the animation. */
export type AnimateOptions = Omit<WriterOptions, 'width' | 'height' | 'fps' | 'expectedFrames'>;

/**
 * Draws a video frame by frame on a canvas (`@napi-rs/canvas`): the FuncAnimation of
 * flipbook. Calls draw() for every frame and streams each to the writer as it is drawn, so
 * only the canvas and the frame being encoded are in memory. An exception in draw() (or the
 * signal) stops the run and leaves no output; draw's own error is rethrown as it is.
 */
export async function animate<T = number>(animation: AnimateSpec<T>, output: string, options: AnimateOptions = {}): Promise<OutputResult> {
  if (animation === null || typeof animation !== 'object') throw invalidOption('animation', 'an object { width, height, fps, frames (or duration or data), draw }', animation);
  if (typeof animation.draw !== 'function') throw invalidOption('draw', 'a function (ctx, { index, t, progress, datum }) => void', animation.draw);
  const width = parseDimension(animation.width, 'width');
  const height = parseDimension(animation.height, 'height');
  const fps = parseFps(animation.fps ?? 25);
  const source = frameSource(animation, fps);
  throwIfAborted(options.signal);
  const canvas: DrawingCanvas = await createCanvas(width, height);
  const ctx: DrawingContext2D = canvas.getContext('2d');
  const writer = createWriter(output, { ...options, width, height, fps: `${fps.num}/${fps.den}`, ...(source.total === undefined ? {} : { expectedFrames: source.total }) });
  const rate = fractionToNumber(fps);
  // One frame is encoded while the next is drawn: write() copies the canvas before it returns.
  let encoding: Promise<void> | undefined;
  try {
    let index = 0;
    for await (const datum of source.data) {
      throwIfAborted(options.signal);
      const total = source.total;
      const progress = total === undefined ? Number.NaN : total > 1 ? index / (total - 1) : 0;
      await animation.draw(ctx, { index, t: index / rate, progress, datum, canvas });
      const written = writer.write(canvas);
      written.catch(() => undefined);
      await encoding;
      encoding = written;
      index++;
    }
    await encoding;
    return await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

interface FrameSource<T> {
  data: Iterable<T> | AsyncIterable<T>;
  total: number | undefined;
}

function frameSource<T>(animation: AnimateSpec<T>, fps: Fraction): FrameSource<T> {
  const { frames, duration, data } = animation;
  const given = (['frames', 'duration', 'data'] as const).filter((k) => animation[k] !== undefined);
  if (given.length > 1) throw invalidOption(given[1] ?? 'frames', `one of frames, duration and data, not ${given.join(' and ')}`, animation[given[1] ?? 'frames']);
  let count: number;
  if (duration !== undefined) {
    count = Math.round(parseDuration(duration, 'duration') * fractionToNumber(fps));
    if (count < 1) {
      throw new FlipbookError('INVALID_OPTION', `A duration of ${duration} is shorter than one frame at ${fractionToNumber(fps)} fps`, { option: 'duration', hint: text`Give a longer ${opt('duration')} or a higher ${opt('fps')}` });
    }
  } else if (frames !== undefined) {
    if (typeof frames !== 'number' || !Number.isInteger(frames) || frames < 1) throw invalidOption('frames', 'a whole number of frames, 1 or more', frames);
    count = frames;
  } else if (data !== undefined && data !== null && (Symbol.iterator in Object(data) || Symbol.asyncIterator in Object(data))) {
    return { data, total: knownLength(data) };
  } else {
    throw invalidOption(data === undefined ? 'frames' : 'data', 'a whole number of frames, a duration, or an iterable of data', data ?? frames);
  }
  const n = count;
  const indices = function* (): Generator<number> {
    for (let i = 0; i < n; i++) yield i;
  };
  return { data: indices() as unknown as Iterable<T>, total: n };
}

/** The length of an array, a typed array, a Set or a Map; undefined for a generator. */
function knownLength(data: object): number | undefined {
  if (Array.isArray(data) || ArrayBuffer.isView(data)) return (data as { length: number }).length;
  if (data instanceof Set || data instanceof Map) return data.size;
  return undefined;
}
