import type { DrawingCanvas, DrawingContext2D } from './drawing-context.js';
import { FlipbookError, invalidOption, opt, text } from '../errors.js';
import type { WriterOptions } from '../options/output-options.js';
import { type Fraction, checkOptionsObject, fractionToNumber, parseDimension, parseDuration, parseFps } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { createCanvas } from './canvas-package.js';
import { createWriter } from '../writer/frame-writer.js';
import type { OutputResult } from '../core/output.js';
import { resolve } from 'node:path';
import { type Text, renderText } from '../errors.js';
import { isGiven, parseInteger } from '../options/values.js';
import { MAX_JOBS, checkAnimateOptionNames, resolveWriterOptions } from '../options/output-options.js';
import { settleLayout } from '../core/layout.js';
import { musicWarnings, probeAudio } from '../core/audio-plan.js';
import { codecPixelFormat, codecProfileName } from '../engine/index.js';
import { runSegmented, segmentsRefused, worthSegments } from '../segments/run.js';
import { gifSegmentedResult, runSegmentedGif } from '../segments/gif-run.js';
import { jsonOptions } from '../stitch/plan.js';
import { loadAnimationModule } from './module.js';

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

/**
 * An animation in a module (`animate({ module: './draw.mjs' }, ...)`, `flipbook render`): the
 * module exports `width`, `height`, `fps` and `draw(ctx, frame)` (and may export `frames` or
 * `duration`), as named exports or as its default export; what is given here wins over what
 * it exports. With `jobs` above 1 each worker process imports the module itself.
 */
export interface AnimateModuleSpec extends Partial<Omit<AnimateSpec<number>, 'draw' | 'data'>> {
  module: string;
}

/** The writer's output options; size, rate and frame count come from the animation. */
export type AnimateOptions = Omit<WriterOptions, 'width' | 'height' | 'fps' | 'expectedFrames'>;

/**
 * Draws a video frame by frame on a canvas (`@napi-rs/canvas`): the FuncAnimation of
 * flipbook. Calls draw() for every frame and streams each to the writer as it is drawn, so
 * only the canvas and the frame being encoded are in memory. An exception in draw() (or the
 * signal) stops the run and leaves no output; draw's own error is rethrown as it is.
 */
export async function animate<T = number>(animation: AnimateSpec<T> | AnimateModuleSpec, output: string, options: AnimateOptions = {}): Promise<OutputResult> {
  checkOptionsObject(options);
  checkAnimateOptionNames(options);
  if (animation !== null && typeof animation === 'object' && 'module' in animation && animation.module !== undefined) return animateModule(animation, output, options);
  return animateInline(animation as AnimateSpec<T>, output, options);
}

/**
 * A draw function given inline: it lives in this process, so it draws here, in one piece. A
 * queue cannot take it (refused); `jobs` is said not to apply (a warning), as every other run
 * that goes in one piece says why.
 */
async function animateInline<T>(animation: AnimateSpec<T>, output: string, options: AnimateOptions): Promise<OutputResult> {
  const inline = 'a draw function given inline runs in this process only';
  const asModule = text`give it as a module (${opt('module', './draw.mjs')}, or flipbook render)`;
  if (isGiven(options.queue)) {
    throw new FlipbookError('INVALID_OPTION', `An animation is rendered on a queue from a module: ${inline}`, { option: 'queue', hint: text`Leave out ${opt('queue')}, or ${asModule}` });
  }
  const jobs = isGiven(options.jobs) ? parseInteger(options.jobs, 'jobs', 1, MAX_JOBS) : 1;
  if (jobs <= 1) return animateSpec(animation, output, options);
  const why = text`Rendered in one piece, not in ${opt('jobs', jobs)} segments: ${inline}; ${asModule} to render it in segments`;
  const said = renderText(why);
  options.onWarning?.(said, why);
  const result = await animateSpec(animation, output, options);
  return { ...result, warnings: [said, ...result.warnings] };
}

async function animateModule(spec: AnimateModuleSpec, output: string, options: AnimateOptions): Promise<OutputResult> {
  const loaded = await loadAnimationModule(spec.module);
  const given = Object.fromEntries(Object.entries(spec).filter(([key, value]) => key !== 'module' && value !== undefined));
  // How long (frames, duration or data): the caller's choice replaces the module's, whichever it
  // gave (data given to a module that exports frames was refused as "frames and data").
  const callerLength = 'frames' in given || 'duration' in given || 'data' in given;
  const moduleLength = callerLength ? {} : { ...(loaded.frames === undefined ? {} : { frames: loaded.frames }), ...(loaded.duration === undefined ? {} : { duration: loaded.duration }) };
  const animation: AnimateSpec = { ...loaded, frames: undefined, duration: undefined, ...moduleLength, ...given, draw: loaded.draw } as AnimateSpec;
  if (animation.frames === undefined) delete animation.frames;
  if (animation.duration === undefined) delete animation.duration;
  const jobs = isGiven(options.jobs) ? parseInteger(options.jobs, 'jobs', 1, MAX_JOBS) : 1;
  // One worker and no queue: drawn here, in one piece.
  if (jobs <= 1 && !isGiven(options.queue)) return animateSpec(animation, output, options);
  const width = parseDimension(animation.width, 'width');
  const height = parseDimension(animation.height, 'height');
  const fps = parseFps(animation.fps ?? 25);
  const total = frameSource(animation, fps).total!;
  const resolved = resolveWriterOptions(output, { ...options, width, height, fps: `${fps.num}/${fps.den}`, expectedFrames: total });
  const warnings: string[] = [];
  const warn = (message: Text): void => {
    const said = renderText(message);
    warnings.push(said);
    options.onWarning?.(said, message);
  };
  if (!worthSegments(resolved, total)) return animateSpec(animation, output, options);
  // A video that keeps alpha is not cut. A GIF is: whether its canvas frames will be transparent
  // is not known before they are drawn (stitch knows from the headers).
  const refused = segmentsRefused(resolved, { alpha: resolved.animation ? false : resolved.alphaPossible });
  if (refused) {
    warn(refused);
    return animateSpec(animation, output, { ...options, onWarning: undefined }).then((r) => ({ ...r, warnings: [...warnings, ...r.warnings] }));
  }
  const layout = settleLayout(resolved, { width, height }, warn);
  if (layout.animation) {
    // A GIF (the only animation cut into segments): palette from every segment's colours.
    const module = resolve(spec.module);
    const gif = await runSegmentedGif(
      { options: resolved, plan: layout.animation, inputs: [module], pictures: total, source: { kind: 'animate', module, options: { ...jsonOptions(options), width, height, fps: `${fps.num}/${fps.den}` } } },
      options,
    );
    gif.warnings.forEach(warn);
    return gifSegmentedResult(output, layout.animation, gif, { fitted: 0, skipped: [], warnings });
  }
  const audio = resolved.audio ? await probeAudio(resolved.audio, resolved.format) : undefined;
  const given2 = { ...spec, module: resolve(spec.module) };
  const written = await runSegmented(
    {
      options: resolved,
      inputs: audio ? [audio.file, given2.module] : [given2.module],
      frames: total,
      audio,
      source: { kind: 'animate', module: given2.module, options: { ...jsonOptions(options), width, height, fps: `${fps.num}/${fps.den}` } },
    },
    options,
  );
  if (audio) musicWarnings(audio, written.audio, written.duration).forEach(warn);
  return {
    output,
    frames: written.frames,
    width: layout.width,
    height: layout.height,
    fps: resolved.fps,
    duration: written.duration,
    codec: resolved.codec,
    profile: codecProfileName(resolved.codec, { quality: resolved.encoder.quality, alpha: false, crf: resolved.encoder.crf }),
    pixelFormat: codecPixelFormat(resolved.codec, false),
    bytes: written.bytes,
    fitted: 0,
    skipped: [],
    warnings,
    ...(written.audio && audio ? { audio: { file: audio.file, ...written.audio } } : {}),
  };
}

async function animateSpec<T>(animation: AnimateSpec<T>, output: string, options: AnimateOptions): Promise<OutputResult> {
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
  } else if (data === undefined) {
    throw new FlipbookError('INVALID_OPTION', 'How many frames to draw is not given', {
      option: 'frames',
      hint: text`Give ${opt('frames')} (a count) or ${opt('duration')}; an animation module may export frames or duration (and animate() takes data to draw too)`,
    });
  } else {
    throw invalidOption('data', 'a whole number of frames, a duration, or an iterable of data', data);
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
