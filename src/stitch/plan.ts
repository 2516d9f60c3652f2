import { type AnimationCodec, type FitMode, type VideoCodec, animationPixelFormat, codecPixelFormat, codecProfileName } from '../engine/index.js';
import { FlipbookError, type Text, isFlipbookError, opt, renderText, text } from '../errors.js';
import { discoverInputs } from '../inputs/discover.js';
import { type ImageHeader, readImageHeader } from '../inputs/headers.js';
import type { ImageType } from '../inputs/image-types.js';
import { imageMayHaveAlpha } from '../inputs/alpha.js';
import { checkOutput } from '../output/safe-output.js';
import { type ResolvedStitchOptions, type StitchOptions, resolveStitchOptions } from '../options/output-options.js';
import type { SlideshowPlan } from '../options/slideshow-options.js';
import type { OutputFormat } from '../options/output-formats.js';
import { planSlideshow } from '../options/slideshow-options.js';
import { type Fraction, type Size, fractionToNumber } from '../options/values.js';
import type { AnimationPlan } from '../options/animation-options.js';
import { type AudioPlan, fitAudio, probeAudio } from '../core/audio-plan.js';
import { type FrameLayout, fitSizeFor, settleLayout, sizeMismatch } from '../core/layout.js';
import { checkDecodable, checkMemory } from '../core/limits.js';
import { DECODE_AHEAD } from './decode-ahead.js';
import type { SkippedFile } from '../core/output.js';
import { throwIfAborted } from '../util/abort.js';
import { mapConcurrent } from '../util/concurrency.js';
import { startWorkersFor } from '../segments/run.js';

export type { SkippedFile };

export interface PlannedImage {
  file: string;
  /** 1-based position among the discovered inputs. */
  position: number;
  type: ImageType;
  /** Size as shown (after EXIF orientation). */
  width: number;
  height: number;
  orientation: number;
  /** How long it is shown, in ticks of 1/fps. */
  ticks: number;
  /** Whether it is fitted to another size. */
  fitted: boolean;
  /** Whether it may carry transparency, as its header pass saw (undefined: it could not tell; see anyMayHaveAlpha). */
  alpha: boolean | undefined;
}

/**
 * Whether any image may carry transparency: from what the header pass read, and a file read
 * again only where that could not tell (600 files read again cost some 0.15 s).
 */
export async function anyMayHaveAlpha(images: readonly PlannedImage[]): Promise<boolean> {
  if (images.some((image) => image.alpha === true)) return true;
  for (const image of images) if (image.alpha === undefined && (await imageMayHaveAlpha(image.file, image.type))) return true;
  return false;
}

/** What a run will do, before it does it: inspect it, print it (`--dry-run`), or run it. */
export interface StitchPlan {
  output: string;
  /** The video codec (h264, vp9...), or the animation's (gif, webp, apng). */
  codec: VideoCodec | AnimationCodec;
  profile: string;
  /** yuv420p; yuva420p for VP9 with alpha; yuv(a)444p10le for ProRes 4444; pal8, bgra, rgba for GIF, WebP, APNG. */
  pixelFormat: string;
  /** Whether the video keeps an alpha channel: the codec carries one, `alpha` is not `flatten`, and an input has transparency. */
  alpha: boolean;
  /** The frame (even for 4:2:0 video; the animation's size for GIF, WebP, APNG). */
  width: number;
  height: number;
  /** The size pictures are fitted to, before padding. */
  fitSize: Size;
  /** The container or animated format, by the output's extension. */
  format: OutputFormat;
  fit: FitMode;
  /** `0xrrggbb` */
  background: string;
  fps: Fraction;
  /** Total seconds (the last image held longer for holdLast and audioFit extend included). */
  duration: number;
  /** Frames the output will have: every frame of the rate; with vfr (and for GIF, WebP, APNG) one per image plus the transitions'. */
  frameCount: number;
  /** Variable frame rate: images held by timestamp. */
  vfr: boolean;
  /** The images in order, each with its header facts and how long it is shown. */
  images: PlannedImage[];
  /** How many frames are fitted to the frame size. */
  fitted: number;
  /** Set when an odd size is padded to even. */
  padded: { from: Size; to: Size } | undefined;
  skipped: SkippedFile[];
  warnings: string[];
  /** Transitions and fades between the images, in frames (undefined: plain cuts). */
  slideshow: SlideshowPlan | undefined;
  /** The music muxed beside the video (`audio`), probed; it ends at `audio.end`. */
  audio: AudioPlan | undefined;
  /** An animated image (GIF, WebP, APNG): its settings and size; undefined for a video. */
  animation: AnimationPlan | undefined;
  /** What the encoder is told. */
  encoder: ResolvedStitchOptions['encoder'];
  /** @internal The inputs and options as given (JSON, no callbacks): what a segment worker plans again from. */
  request: { inputs: string[]; options: Record<string, unknown> };
  /** @internal The headers read, for the workers of a run in segments (their plans read no file again). */
  headers: ImageHeader[];
  /** @internal The resolved options and the frame layout the output core is opened with. */
  options: ResolvedStitchOptions;
  /** @internal */
  layout: FrameLayout;
}

/** How the plan will be used: planStitch's fourth argument, beside the options. */
export interface PlanFor {
  /** The plan is run at once (stitch(), the CLI without --dry-run): worker processes may start early. */
  running?: boolean;
  /** @internal Headers read before (a segment worker's plan: the coordinator's), used instead of reading those files again. */
  headers?: readonly ImageHeader[];
}

/** Concurrent header reads: enough to hide disk latency, few enough to keep file handles low. */
const HEADER_CONCURRENCY = 16;

/**
 * Everything up to the first encoded frame: validates the options, finds the inputs, reads
 * every header (type, size, orientation), checks the pixel limit and the output path, and
 * settles the frame size, the timing and the codec. Nothing is written.
 */
export async function planStitch(inputs: string | readonly string[], output: string, options: StitchOptions = {}, run: PlanFor = {}): Promise<StitchPlan> {
  const opts = resolveStitchOptions(output, options);
  const warnings: string[] = [];
  const warn = (message: Text): void => {
    const said = renderText(message);
    warnings.push(said);
    options.onWarning?.(said, message);
  };

  const discovered = await discoverInputs(typeof inputs === 'string' ? [inputs] : inputs, { sort: opts.sort, startNumber: opts.startNumber });
  discovered.notices.forEach(warn);
  await checkOutput(output, { overwrite: opts.overwrite, inputs: discovered.files });
  // A plan about to run in segments on this machine: its workers start now, while the headers are read.
  if (run.running) startWorkersFor(opts, discovered.files.length);

  const headerCache = new Map<string, Promise<ImageHeader>>();
  for (const header of run.headers ?? []) headerCache.set(header.path, Promise.resolve(header));
  const results = await mapConcurrent(discovered.files, HEADER_CONCURRENCY, async (file, i) => {
    // Header reads are synchronous (cheaper than the thread pool for a few kB): let signals
    // and timers in between batches.
    if (i % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(options.signal);
    let header = headerCache.get(file);
    if (!header) {
      header = readImageHeader(file, i + 1);
      header.catch(() => undefined);
      headerCache.set(file, header);
    }
    try {
      return { header: await header, position: i + 1 };
    } catch (error) {
      if (!isFlipbookError(error)) throw error;
      if (error.position === i + 1) return { error, position: i + 1, file };
      // The same file stands at several positions: its error names this one.
      const again = await readImageHeader(file, i + 1).then(() => error, (e: unknown) => e);
      if (!isFlipbookError(again)) throw again;
      return { error: again, position: i + 1, file };
    }
  });

  const skipped: SkippedFile[] = [];
  const valid: { header: ImageHeader; position: number }[] = [];
  for (const r of results) {
    if ('error' in r && r.error) {
      if (!opts.skipInvalid) throw r.error;
      skipped.push({ file: r.file, position: r.position, reason: r.error.fact });
      warn(skippedWarning(r.error));
      continue;
    }
    if ('header' in r && r.header) {
      const { header } = r;
      if (header.width * header.height > opts.limitPixels) {
        throw new FlipbookError('PIXEL_LIMIT', `${header.path} (input ${r.position}) declares ${header.width}x${header.height} = ${header.width * header.height} pixels, above the limit of ${opts.limitPixels}`, {
          file: header.path,
          position: r.position,
          option: 'limitPixels',
          hint: text`Pass a larger ${opt('limitPixels')} (or 0 for none) if you trust this file`,
        });
      }
      checkDecodable(header.width, header.height, { label: header.path, file: header.path, position: r.position });
      valid.push(r);
    }
  }
  const first = valid[0];
  if (!first) {
    throw new FlipbookError('NO_INPUT', `None of the ${discovered.files.length} inputs is a readable image`, { hint: 'See the warnings for each file' });
  }

  const largest = valid.reduce((a, b) => (b.header.width * b.header.height > a.header.width * a.header.height ? b : a));
  checkMemory(valid.map(({ header }) => header), DECODE_AHEAD, opts.memoryLimit, { label: largest.header.path, file: largest.header.path, position: largest.position });
  const fitSize = fitSizeFor(opts, { width: first.header.displayWidth, height: first.header.displayHeight });
  const fps = fractionToNumber(opts.fps);
  const ticksEach = opts.hold === undefined ? 1 : Math.round(opts.hold * fps);
  if (ticksEach < 1) {
    throw new FlipbookError('INVALID_OPTION', text`A ${opt('hold')} of ${opts.hold} s is shorter than one frame at ${fps} fps`, {
      option: 'hold',
      hint: text`Give a longer ${opt('hold')} or a higher ${opt('fps')}`,
    });
  }
  // Each image starts at the frame nearest to its time (the holds before it added up), at least
  // one frame after the one before: the slideshow lasts what its holds add up to, within half a
  // frame. 100 images of 0.5 s at 25 fps make 50 s (12 and 13 frames in turn), not 52 s of 13
  // frames each.
  let shownUntil = 0;
  let start = 0;
  const ticksFor = (position: number): number => {
    shownUntil += discovered.durations[position - 1] ?? (opts.hold === undefined ? 1 / fps : opts.hold);
    const end = Math.max(start + 1, Math.round(shownUntil * fps));
    const ticks = end - start;
    start = end;
    return ticks;
  };
  const frames: PlannedImage[] = valid.map(({ header, position }) => ({
    file: header.path,
    position,
    type: header.type,
    width: header.displayWidth,
    height: header.displayHeight,
    orientation: header.orientation,
    ticks: ticksFor(position),
    fitted: header.displayWidth !== fitSize.width || header.displayHeight !== fitSize.height,
    alpha: header.alpha,
  }));
  if (!opts.size && !opts.width && !opts.height) {
    const small = smallFirst(frames);
    if (small) warn(small);
  }
  const fitted = frames.filter((f) => f.fitted).length;
  const odd = frames.find((f) => f.fitted);
  if (odd && opts.fit === 'error') {
    throw sizeMismatch({ label: `${odd.file} (input ${odd.position})`, file: odd.file, position: odd.position, width: odd.width, height: odd.height }, fitSize, `; ${fitted} of ${frames.length} images differ`);
  }
  // The layout first: a frame size past the codec's limit (--width 20000) fails there, and its
  // error came after a "Fitted ... to 20000x13333" warning for a fit that never happens.
  const laidOut: Text[] = [];
  const layout = settleLayout(opts, fitSize, (message) => laidOut.push(message), { label: first.header.path, file: first.header.path, position: first.position });
  if (fitted) warn(text`Fitted ${fitted} of ${frames.length} images to ${fitSize.width}x${fitSize.height} (${opt('fit', opts.fit)})`);
  laidOut.forEach(warn);

  // Alpha is kept or flattened once, for the whole video: kept when any input has transparency.
  let alpha = false;
  if (opts.alphaPossible && !layout.animation) {
    alpha = await anyMayHaveAlpha(frames);
  }

  const slideshow = planSlideshow(opts.slideshow, fps, frames.map((f, i) => f.ticks + (i === frames.length - 1 ? Math.round(opts.slideshow.holdLast * fps) : 0)));
  let seconds = (frames.reduce((sum, f) => sum + f.ticks, 0) + Math.round(opts.slideshow.holdLast * fps)) / fps;
  // The music is probed now, so a missing or silent file fails before anything is encoded;
  // the output core fits it (and for extend, holds the last image) when the pictures end.
  const audio = opts.audio ? await probeAudio(opts.audio, opts.format) : undefined;
  if (audio) seconds += Math.ceil(fitAudio(audio, seconds).extendBy * fps - 1e-9) / fps;
  // A lossy WebP carries an alpha plane (yuva420p) when its pictures have transparency: expected where an image may have it.
  const webpAlpha = layout.animation?.codec === 'webp' && !layout.animation.lossless && opts.alphaPossible && (await anyMayHaveAlpha(frames));
  const animation = webpAlpha && layout.animation ? { ...layout.animation, pixelFormat: animationPixelFormat('webp', { alpha: true }) } : layout.animation;
  const codec = animation ? animation.codec : opts.codec;
  const transitionFrames = slideshow ? slideshow.transitionFrames * Math.max(0, frames.length - 1) + slideshow.fadeInFrames + slideshow.fadeOutFrames : 0;
  const frameCount = animation || opts.vfr ? frames.length + transitionFrames : Math.ceil(seconds * fps - 1e-9);
  if (frameCount > opts.frameLimit) {
    throw new FlipbookError('INVALID_OPTION', text`The output would have ${frameCount} frames (${seconds.toFixed(1)} s at ${fps} fps), more than the limit of ${opts.frameLimit}`, {
      option: 'frameLimit',
      hint: text`Check ${opt('fps')}, ${opt('hold')}, the fades and ${opt('holdLast')}; or raise ${opt('frameLimit')} (0 for none) if you mean it`,
    });
  }
  return {
    output,
    codec,
    profile: animation ? '' : codecProfileName(opts.codec, { quality: opts.encoder.quality, alpha, crf: opts.encoder.crf }),
    pixelFormat: animation ? animation.pixelFormat : codecPixelFormat(opts.codec, alpha),
    alpha,
    width: layout.width,
    height: layout.height,
    fitSize,
    format: opts.format,
    fit: opts.fit,
    background: opts.background,
    fps: opts.fps,
    duration: seconds,
    frameCount,
    vfr: opts.vfr && !animation,
    images: frames,
    fitted,
    padded: layout.padded,
    skipped,
    warnings,
    audio: audio ? { ...audio, end: fitAudio(audio, seconds).end } : undefined,
    slideshow,
    animation,
    encoder: opts.encoder,
    request: { inputs: typeof inputs === 'string' ? [inputs] : [...inputs], options: jsonOptions(options) },
    headers: valid.map((v) => v.header),
    options: opts,
    layout,
  };
}

/** The options a worker can be sent: the caller's, without the signal and the callbacks. */
export function jsonOptions(options: object): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function' || key === 'signal' || value === undefined) continue;
    json[key] = value;
  }
  return json;
}

/**
 * The warning when the first image, which sets the frame size, is much smaller than the
 * others (the median image has more than 4 times its area): they would all be shrunk to it.
 */
export function smallFirst(frames: readonly PlannedImage[]): Text | undefined {
  const first = frames[0];
  if (!first || frames.length < 2) return undefined;
  const byArea = [...frames].sort((a, b) => a.width * a.height - b.width * b.height);
  const median = byArea[Math.floor(byArea.length / 2)];
  if (!median || median.width * median.height <= 4 * first.width * first.height) return undefined;
  return text`The first image, ${first.file} (${first.width}x${first.height}), sets the frame size, but the median image is ${median.width}x${median.height}: the others are shrunk to it. Pass ${opt('size')} (such as ${median.width}x${median.height}) to choose the size`;
}

/** The warning for an input skipped under skipInvalid: the error's fact, without its hint. */
export function skippedWarning(error: FlipbookError): Text {
  return ['Skipped an invalid input: ', ...(typeof error.factText === 'string' ? [error.factText] : error.factText)];
}
