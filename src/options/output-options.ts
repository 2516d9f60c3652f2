import { type FitMode, type Quality, type VideoCodec, VIDEO_CODECS, X264_PRESETS } from '../engine/index.js';
import { FlipbookError, type WarningHandler, eitherNotBoth, invalidOption, opt, text } from '../errors.js';
import { SORT_ORDERS, type SortOrder } from '../inputs/sort.js';
import { type ResolvedQueue, resolveQueueOptions } from '../queue/url.js';
import { type AnimationOptions, type AnimationSettings, resolveAnimationOptions } from './animation-options.js';
import { type AudioOptions, type ResolvedAudioOptions, audioCodecFor, resolveAudioOptions } from './audio-options.js';
import { type CodecOptions, parseCrf, resolveCodecOptions, settleCodec } from './codec-options.js';
import { type OutputFormat, checkCodec, outputFormatFor } from './output-formats.js';
import { type ResolvedSlideshowOptions, type SlideshowOptions, type SlideshowPlan, planSlideshow, resolveSlideshowOptions } from './slideshow-options.js';
import {
  type Fraction,
  type Size,
  colorToHex,
  checkHooks,
  fractionToNumber,
  isGiven,
  parseBitrate,
  parseBytes,
  parseChoice,
  parseColor,
  parseDimension,
  parseDuration,
  parseFps,
  parseInteger,
  parsePixelLimit,
  parseSize,
  reduceFraction,
} from './values.js';

export const FIT_MODES: readonly FitMode[] = ['contain', 'cover', 'fill', 'error'];

/** sharp's default: 0x3FFF × 0x3FFF pixels. */
export const DEFAULT_PIXEL_LIMIT = 0x3fff * 0x3fff;

/**
 * Every default of an output, in one table: stitch, the frame writer and animate read it, and
 * the command's help prints it. `fit` differs on purpose: stitch fits images of another size
 * (photos of mixed sizes are normal input), the writer refuses a frame of another size (a
 * program that draws frames of the wrong size has a bug, and a fitted frame would hide it).
 */
export const OUTPUT_DEFAULTS = {
  fps: 25,
  fit: { stitch: 'contain', writer: 'error' },
  background: 'black',
  preset: 'medium',
  limitPixels: DEFAULT_PIXEL_LIMIT,
  /** The most frames one output may have: 10 hours at 25 fps, 2.8 at 100. */
  frameLimit: 900_000,
  /** The memory decoding may take, estimated from the headers (see estimateDecodeBytes): 4 GB. */
  memoryLimit: 4_000_000_000,
  sort: 'natural',
  /** With `queue`: seconds the run waits for a worker to take its first segment before it fails. */
  queueWait: 300,
} as const;

/** The most worker processes `jobs` starts. */
export const MAX_JOBS = 64;

/**
 * The pass a GIF, WebP or APNG is in: its pictures are spooled (decoded, drawn or written,
 * normalised, a GIF's colours counted), then the file is written from the spool; a `maxSize`
 * try at another size reads the spool again (a GIF's palette, then the writing).
 */
export type ProgressStage = 'spooling' | 'palette' | 'writing';

/** Progress of a run, reported after every frame. */
export interface Progress {
  /** Frames done so far (GIF, WebP, APNG: in this `stage`). */
  frame: number;
  /** Frames the run will do (the frame writer without `expectedFrames`: the frames so far); GIF, WebP, APNG: the animation's frames, in each stage. */
  total: number;
  /** Frames per second of wall time so far (GIF, WebP, APNG: in this stage). */
  fps: number;
  /** Seconds left at that pace, every stage to come included (undefined until it can be estimated). */
  eta: number | undefined;
  /** Seconds since the run started. */
  elapsed: number;
  /** GIF, WebP, APNG: which pass over the frames this is; absent for a video. */
  stage?: ProgressStage;
  /** With a stage: the `maxSize` try (1 for the first size). */
  attempt?: number;
}

/**
 * The options of every output, whatever feeds it (stitch's images, the frame writer's frames,
 * animate's drawings): size and rate, codec, music, slideshow, GIF/WebP/APNG, and the run's
 * signal and callbacks.
 */
export interface OutputOptions extends CodecOptions, AnimationOptions, AudioOptions, SlideshowOptions {
  /** Frames per second, a number or an exact fraction string `"30000/1001"`. Default 25. */
  fps?: number | string;
  /** Frame size `"1280x720"` or `{ width, height }`. Default: the first picture's size. */
  size?: string | Size;
  /** Frame width; alone, the height follows the first picture's aspect ratio. */
  width?: number | string;
  /** Frame height; alone, the width follows the first picture's aspect ratio. */
  height?: number | string;
  /**
   * How a picture of another size is fitted: `contain` (letterbox), `cover` (crop), `fill`
   * (stretch) or `error` (refused). Default: `contain` for stitch; `error` for the frame writer
   * (`contain` when only width or height is given). See OUTPUT_DEFAULTS for why.
   */
  fit?: FitMode;
  /** Colour behind letterboxing, padding and transparency. Default `black`. */
  background?: string;
  /** Video codec. Default: the container's first (`h264`; `vp9` for WebM). */
  codec?: VideoCodec;
  /** Constant quality (lower is better). Default: the codec's (23 for H.264, 32 for VP9). */
  crf?: number | string;
  /** Encoder speed preset (x264 names). Default `medium`. */
  preset?: string;
  /** Target bit rate (`"2M"`, `800000`); replaces crf. */
  bitrate?: number | string;
  /**
   * Video: a variable frame rate, each picture one sample held by its timestamp (small, fast
   * slideshows). Default false: every frame of `fps` exists, so every player, editor and
   * `ffmpeg -ss` finds a held still (`-ss` skips every sample that starts before the seek point,
   * whatever its length, so in a VFR slideshow it cannot find the still on screen).
   */
  vfr?: boolean;
  /** Replace an existing output. Default false. */
  overwrite?: boolean;
  /** Refuse encoded images whose header declares more pixels than this. Default 268402689 (16383²), `false` or 0 for none. */
  limitPixels?: number | string | false;
  /** The most frames the output may have (a typo such as `fps: 1000` with hour-long fades is refused, not run for a day). Default 900000, 0 for none. */
  frameLimit?: number | string;
  /**
   * The memory decoding may take, in bytes (`4GB`, 0 or `false` for no limit): an estimate of
   * 12 bytes a pixel of each image (the decoded picture and its converted copies) times the
   * images decoded at once (stitch: 2 ahead; the writer: 1), from the headers. Above it the
   * run is refused before anything is decoded. Default 4 GB.
   */
  memoryLimit?: number | string | false;
  /**
   * Render the segments on `flipbook worker`s through this Redis server (`redis://host:6379`),
   * with `workDir`; its server must answer within a few seconds. Default: on this machine.
   */
  queue?: string;
  /** With `queue`: the directory this machine and every worker share, where the segments are written. */
  workDir?: string;
  /**
   * With `queue`: how long to wait for a worker to take the run's first segment (seconds, or
   * `"5m"`) before the run fails, removing its segments from the queue; 0 waits for ever. Default
   * 300 (5 minutes): a run whose workers are not started, or watch another queue or Redis, says so.
   */
  queueWait?: number | string;
  /**
   * Render in parallel: cut the video into segments of a few seconds (each starting on a
   * keyframe, all encoded with the same settings), render them on this many worker processes,
   * each with an engine of its own, and join them by stream copy (the music encoded once over
   * the whole length). Default 1: one piece, in this process. Video outputs at a constant rate
   * without transitions, fades or kept alpha; anything else runs in one piece with a warning.
   */
  jobs?: number | string;
  /** Cancels the run; it then rejects with code `ABORTED` and leaves no output. */
  signal?: AbortSignal;
  /** Called after every frame. */
  onProgress?: (progress: Progress) => void;
  /** Called with each warning as it arises (also listed in the result); `text` names options as references. */
  onWarning?: WarningHandler;
}

/** Stitch's options: the output's, and how its images are found, timed and checked. */
export interface StitchOptions extends OutputOptions {
  /**
   * Hold each image this long (seconds or `"2s"`), for slideshows. Default: one frame each.
   * (`duration` is always a length of video: the result's, a clip's, an animation's.)
   */
  hold?: number | string;
  /** Order of glob and directory matches; given, it orders the whole list. Default `natural`. */
  sort?: SortOrder;
  /** First number of a `%05d` sequence. Default: the first of 0 to 4 that exists. */
  startNumber?: number | string;
  /** Skip unreadable, corrupt or truncated images with a warning instead of failing. Default false. */
  skipInvalid?: boolean;
}

/**
 * The frame writer's options: the output's, and how many frames will come. The writer learns
 * the video's length only at close(), so the music is fitted then (see `audioFit`).
 */
export interface WriterOptions extends OutputOptions {
  /** How many frames will come, if known: the `total` and `eta` of onProgress. */
  expectedFrames?: number;
}

/** What is written and how, settled once for every source of pictures. */
export interface ResolvedOutput {
  output: string;
  format: OutputFormat;
  /** The video codec (for an animated output, unused: see `animation`). */
  codec: VideoCodec;
  /** GIF, WebP, APNG: the animation's settings; undefined for a video. */
  animation: AnimationSettings | undefined;
  /** Whether alpha is kept when a picture has transparency (`alpha` and the codec allow it). */
  alphaPossible: boolean;
  /** Both sides given (`size`, or `width` and `height`). */
  size: Size | undefined;
  /** One side given: the other follows the first picture's aspect ratio. */
  width: number | undefined;
  height: number | undefined;
  fps: Fraction;
  fit: FitMode;
  /** `0xrrggbb` */
  background: string;
  encoder: { crf: number | undefined; preset: string; bitrate: number | undefined; quality: Quality | undefined; hwaccel: string | undefined };
  /** Variable frame rate (pictures held by timestamp) instead of every frame of the rate. */
  vfr: boolean;
  overwrite: boolean;
  limitPixels: number;
  /** The most frames; Infinity for no limit. */
  frameLimit: number;
  /** The memory decoding may take, in bytes; Infinity for no limit. */
  memoryLimit: number;
  /** The music, checked against the output (GIF, WebP, APNG refuse it); its file is probed later. */
  audio: ResolvedAudioOptions | undefined;
  /** Worker processes rendering segments; 1: one piece, in this process. */
  jobs: number;
  slideshow: ResolvedSlideshowOptions;
  /** Transitions and fades in frames; undefined: cuts. */
  slides: SlideshowPlan | undefined;
  /** Render on a queue (`queue`, `workDir`); undefined: on this machine. */
  queue: ResolvedQueue | undefined;
}

export interface ResolvedStitchOptions extends ResolvedOutput {
  /** Seconds each image is shown; undefined: one frame. */
  /** Seconds each image is held; undefined: one frame. */
  hold: number | undefined;
  sort: SortOrder | undefined;
  startNumber: number | undefined;
  skipInvalid: boolean;
}

export interface ResolvedWriterOptions extends ResolvedOutput {
  expectedFrames: number | undefined;
  /** Timestamps count ticks of 1/(fps × ticksPerFrame) s: a whole number of ticks a millisecond. */
  ticksPerFrame: number;
}

/**
 * Validates the output options once, for every source, without touching the caller's object.
 * `source` picks the one default that differs on purpose (`fit`).
 */
export function resolveOutputOptions(output: string, options: OutputOptions, source: 'stitch' | 'writer'): ResolvedOutput {
  if (typeof output !== 'string' || output === '') {
    throw new FlipbookError('INVALID_OPTION', 'No output file was given', { option: 'output', hint: 'Pass an output such as movie.mp4' });
  }
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object of options', options);
  checkHooks(options);
  if (isGiven(options.size) && (isGiven(options.width) || isGiven(options.height))) {
    throw invalidOption('size', eitherNotBoth(['size'], ['width', 'height']), options.size);
  }
  const size = isGiven(options.size) ? parseSize(options.size) : undefined;
  // No bound but the codec's, said while planning (checkFrameSize).
  const width = isGiven(options.width) ? parseDimension(options.width, 'width', Number.MAX_SAFE_INTEGER) : undefined;
  const height = isGiven(options.height) ? parseDimension(options.height, 'height', Number.MAX_SAFE_INTEGER) : undefined;
  // The writer with one side alone asks for scaling: frames keep the first one's aspect ratio.
  const defaultFit = source === 'writer' && (width === undefined) !== (height === undefined) ? 'contain' : OUTPUT_DEFAULTS.fit[source];
  const fps = parseFps(options.fps ?? OUTPUT_DEFAULTS.fps);
  // A number here; the codec's own range, and whether it takes fractions, once the codec is known (settleCodec).
  const crf = isGiven(options.crf) ? parseCrf(options.crf) : undefined;
  const bitrate = isGiven(options.bitrate) ? parseBitrate(options.bitrate) : undefined;
  const preset = parseChoice(options.preset ?? OUTPUT_DEFAULTS.preset, 'preset', X264_PRESETS);

  const format = outputFormatFor(output);
  // GIF, WebP, APNG refuse video options (crf for a GIF) and take their own.
  const animation = resolveAnimationOptions(format, options, OUTPUT_DEFAULTS.preset);
  const codec = isGiven(options.codec) ? parseChoice(options.codec, 'codec', VIDEO_CODECS) : (format.codecs[0] ?? 'h264');
  if (!animation) checkCodec(format, codec);
  const codecOptions = resolveCodecOptions(options);
  // GIF, WebP and APNG carry transparency (GIF's one bit a pixel): `alpha` keeps it (the default)
  // or flattens it onto the background; the video codec's check is not theirs.
  const choice = settleCodec(codec, format, { ...codecOptions, ...(animation ? { alpha: undefined } : {}), crf, bitrate, preset: { value: preset, default: OUTPUT_DEFAULTS.preset } }, { crf: options.crf, bitrate: options.bitrate });
  const alphaPossible = animation ? codecOptions.alpha !== 'flatten' : choice.alphaPossible;
  // Before any file is read: a GIF or an image output refuses music outright.
  const audio = resolveAudioOptions(options);
  if (audio) audioCodecFor(format);
  const slideshow = resolveSlideshowOptions(options);
  return {
    output,
    format,
    codec,
    animation,
    alphaPossible,
    size: size ?? (width && height ? { width, height } : undefined),
    width: size ? undefined : width,
    height: size ? undefined : height,
    fps,
    fit: parseChoice(options.fit ?? defaultFit, 'fit', FIT_MODES),
    background: colorToHex(parseColor(options.background ?? OUTPUT_DEFAULTS.background)),
    encoder: { crf: choice.crf, preset, bitrate, quality: choice.quality, hwaccel: choice.hwaccel },
    vfr: options.vfr === true,
    overwrite: options.overwrite === true,
    limitPixels: parsePixelLimit(options.limitPixels ?? OUTPUT_DEFAULTS.limitPixels),
    frameLimit: isGiven(options.frameLimit) ? parseInteger(options.frameLimit, 'frameLimit', 0, Number.MAX_SAFE_INTEGER) || Infinity : OUTPUT_DEFAULTS.frameLimit,
    memoryLimit: options.memoryLimit === false || options.memoryLimit === 0 || options.memoryLimit === '0' ? Infinity : isGiven(options.memoryLimit) ? parseBytes(options.memoryLimit, 'memoryLimit') : OUTPUT_DEFAULTS.memoryLimit,
    audio,
    jobs: isGiven(options.jobs) ? parseInteger(options.jobs, 'jobs', 1, MAX_JOBS) : 1,
    slideshow,
    slides: planSlideshow(slideshow, fractionToNumber(fps), []),
    queue: resolveQueueOptions(options, isGiven(options.queueWait) ? parseDuration(options.queueWait, 'queueWait', { allowZero: true }) : OUTPUT_DEFAULTS.queueWait),
  };
}

/**
 * Every option of an output, by name: JavaScript callers (and options read from a file) get no
 * type error for a misspelt one (`framerate`), which would otherwise be ignored without a word.
 * The type keeps the table whole: a new option not added here fails the type check.
 */
const OUTPUT_OPTION_NAMES = {
  fps: true, size: true, width: true, height: true, fit: true, background: true, codec: true, crf: true, preset: true, bitrate: true, vfr: true, overwrite: true,
  limitPixels: true, frameLimit: true, memoryLimit: true, queue: true, workDir: true, queueWait: true, jobs: true, signal: true, onProgress: true, onWarning: true,
  quality: true, alpha: true, hwaccel: true,
  audio: true, audioFit: true, audioFade: true, audioOffset: true, volume: true, allowPlaylists: true,
  crossfade: true, transition: true, fadeIn: true, fadeOut: true, holdLast: true,
  dither: true, colors: true, loop: true, lossless: true, tolerance: true, lossy: true, maxSize: true,
} satisfies Record<keyof OutputOptions, true>;
const STITCH_OPTION_NAMES = { ...OUTPUT_OPTION_NAMES, hold: true, sort: true, startNumber: true, skipInvalid: true } satisfies Record<keyof StitchOptions, true>;
const WRITER_OPTION_NAMES = { ...OUTPUT_OPTION_NAMES, expectedFrames: true } satisfies Record<keyof WriterOptions, true>;
/** animate's: the writer's less what the animation itself gives (its size, rate and length). */
const { width: _width, height: _height, fps: _fps, expectedFrames: _expected, ...ANIMATE_OPTION_NAMES } = WRITER_OPTION_NAMES;

/**
 * Refuses an option animate does not take, naming animate: it hands its options to the frame
 * writer, whose check named createWriter, a function the caller never called.
 */
export function checkAnimateOptionNames(options: unknown): void {
  if (options !== null && typeof options === 'object') checkOptionNames(options, ANIMATE_OPTION_NAMES, 'animate');
}

/** Common misspellings and other tools' names for an option. */
const OPTION_ALIASES: Readonly<Record<string, string>> = { framerate: 'fps', frameRate: 'fps', r: 'fps', fpsRate: 'fps', resolution: 'size', vcodec: 'codec', loops: 'loop', colours: 'colors', duration: 'hold' };

/** Refuses an option name that is not one of `names`, suggesting the nearest one. */
export function checkOptionNames(options: object, names: Readonly<Record<string, true>>, what: string): void {
  for (const name of Object.keys(options)) {
    if (Object.hasOwn(names, name)) continue;
    const near = OPTION_ALIASES[name] ?? nearestName(name, Object.keys(names));
    throw new FlipbookError('INVALID_OPTION', `${what} has no option ${JSON.stringify(name)}`, {
      option: name,
      hint: near === undefined ? 'The options are listed in the README' : text`Did you mean ${opt(near)}?`,
    });
  }
}

/** The name within two edits of `name` (case aside), if one is. */
function nearestName(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length] ?? 0;
}

export function resolveStitchOptions(output: string, options: StitchOptions = {}): ResolvedStitchOptions {
  if (options !== null && typeof options === 'object') checkOptionNames(options, STITCH_OPTION_NAMES, 'stitch');
  const resolved = resolveOutputOptions(output, options, 'stitch');
  return {
    ...resolved,
    hold: isGiven(options.hold) ? parseDuration(options.hold, 'hold') : undefined,
    sort: isGiven(options.sort) ? parseChoice(options.sort, 'sort', SORT_ORDERS) : undefined,
    startNumber: isGiven(options.startNumber) ? parseInteger(options.startNumber, 'startNumber', 0, 2 ** 31 - 1) : undefined,
    skipInvalid: options.skipInvalid === true,
  };
}

export function resolveWriterOptions(output: string, options: WriterOptions = {}): ResolvedWriterOptions {
  if (options !== null && typeof options === 'object') checkOptionNames(options, WRITER_OPTION_NAMES, 'createWriter');
  const resolved = resolveOutputOptions(output, options, 'writer');
  const expected = options.expectedFrames;
  if (expected !== undefined && !(Number.isInteger(expected) && expected >= 0)) throw invalidOption('expectedFrames', 'a whole number of frames', expected);
  return { ...resolved, expectedFrames: expected, ticksPerFrame: ticksPerFrameForMilliseconds(resolved.fps) };
}

/**
 * The fewest ticks a frame such that a millisecond is a whole number of ticks: 40 at 25 fps
 * (ticks of 1 ms), 1001 at 30000/1001 (ticks of 1/30000 s). Frame times given in seconds are
 * then kept exactly to the millisecond.
 */
export function ticksPerFrameForMilliseconds(fps: Fraction): number {
  // A tick is fps.den / (fps.num × k) s; a millisecond is fps.num × k / (1000 × fps.den) ticks.
  const exact = reduceFraction(1000 * fps.den, fps.num).num;
  // The time base's denominator (fps.num × k) is a 32-bit int in FFmpeg. For the rare rates
  // where the exact k overflows it (29.971 = 29971/1000), ticks of at most 1 ms instead.
  return fps.num * exact <= 2 ** 31 - 1 ? exact : Math.ceil((1000 * fps.den) / fps.num);
}
