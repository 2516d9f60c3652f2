import { type FitMode, type Quality, type VideoCodec } from '../engine/index.js';
import { FlipbookError, invalidOption } from '../errors.js';
import { type AnimationOptions, type AnimationSettings, resolveAnimationOptions } from './animation-options.js';
import { type AudioOptions, type ResolvedAudioOptions, audioCodecFor, resolveAudioOptions } from './audio-options.js';
import { type CodecOptions, resolveCodecOptions, settleCodec } from './codec-options.js';
import { type OutputFormat, checkCodec, outputFormatFor } from './output-formats.js';
import { type ResolvedSlideshowOptions, type SlideshowOptions, type SlideshowPlan, planSlideshow, resolveSlideshowOptions } from './slideshow-options.js';
import { type Progress, STITCH_DEFAULTS, resolveStitchOptions } from './stitch-options.js';
import { type Fraction, type Size, colorToHex, fractionToNumber, reduceFraction } from './values.js';

/**
 * Options of `createWriter`: the frame size and rate, and stitch's output, music and slideshow
 * options. The writer learns the video's length only at close(), so the music is fitted then
 * (see `audioFit`), and each frame is encoded when the next comes while transitions, fades,
 * `holdLast` or `audioFit: 'extend'` may still need it.
 */
export interface WriterOptions extends CodecOptions, AnimationOptions, AudioOptions, SlideshowOptions {
  /**
   * Frame width. Default: the first frame's. Given alone, the height follows the first frame's
   * aspect ratio and frames are scaled to it. Odd sizes are padded to even (yuv420p needs it).
   */
  width?: number | string;
  /** Frame height. Default: the first frame's; given alone, as width. */
  height?: number | string;
  /** Frames per second (`25`, `29.97`, `"30000/1001"`). Default 25. Frames given a `time` may come at any rate. */
  fps?: number | string;
  /**
   * What a frame of another size does. Default `error`: it is refused, with both sizes in the
   * message (`contain` when only width or height is given). `contain` (letterbox), `cover`
   * (crop) or `fill` (stretch) fit it instead.
   */
  fit?: FitMode;
  /** Colour behind letterboxing, padding and transparency. Default `black`. */
  background?: string;
  /** Video codec. Default: the container's first (`h264`; `vp9` for WebM). */
  codec?: VideoCodec;
  /** Constant quality (lower is better). Default 23 for H.264, 32 for VP9. */
  crf?: number | string;
  /** Encoder speed preset (x264 names). Default `medium`. */
  preset?: string;
  /** Target bit rate (`"2M"`, `800000`); replaces crf. */
  bitrate?: number | string;
  /** Replace an existing output. Default false. */
  overwrite?: boolean;
  /** Refuse encoded images (files, Buffers) whose header declares more pixels. Default 268402689, `false` for none. */
  limitPixels?: number | string | false;
  /** How many frames will come, if known: the `total` and `eta` of onProgress. */
  expectedFrames?: number;
  /** Cancels the writer: pending and later writes reject with code `ABORTED` and no output is left. */
  signal?: AbortSignal;
  /** Called after every encoded frame. */
  onProgress?: (progress: Progress) => void;
  /** Called with each warning as it arises (also listed in the result). */
  onWarning?: (message: string) => void;
}

/** The writer's options after validation, every default filled in. */
export interface ResolvedWriterOptions {
  output: string;
  format: OutputFormat;
  codec: VideoCodec;
  /** Whether alpha is kept when the first frame has transparency (`alpha` and the codec allow it). */
  alphaPossible: boolean;
  /** GIF, WebP, APNG: the animation's settings; undefined for a video. */
  animation: AnimationSettings | undefined;
  /** The size frames must have (or are fitted to); undefined: the first frame's. */
  size: Size | undefined;
  /** Only one side given: the other follows the first frame's aspect ratio. */
  width: number | undefined;
  height: number | undefined;
  fps: Fraction;
  /** Timestamps count ticks of 1/(fps × ticksPerFrame) s: a whole number of ticks a millisecond. */
  ticksPerFrame: number;
  fit: FitMode;
  /** `0xrrggbb` */
  background: string;
  encoder: { crf: number | undefined; preset: string; bitrate: number | undefined; quality: Quality | undefined; hwaccel: string | undefined };
  overwrite: boolean;
  limitPixels: number;
  expectedFrames: number | undefined;
  /** The music, checked against the output (GIF, WebP, APNG refuse it); its file is probed at the first frame. */
  audio: ResolvedAudioOptions | undefined;
  slideshow: ResolvedSlideshowOptions;
  /** Transitions and fades in frames; undefined: cuts. */
  slides: SlideshowPlan | undefined;
}

const given = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** Validates the writer's options once, as stitch validates its own (same messages), without touching the caller's object. */
export function resolveWriterOptions(output: string, options: WriterOptions = {}): ResolvedWriterOptions {
  if (typeof output !== 'string' || output === '') {
    throw new FlipbookError('INVALID_OPTION', 'No output file was given', { option: 'output', hint: 'Pass an output such as movie.mp4' });
  }
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object of writer options', options);
  const opts = resolveStitchOptions({
    fps: options.fps,
    width: options.width,
    height: options.height,
    // One side alone asks for scaling: frames keep the first one's aspect ratio, so contain.
    fit: options.fit ?? (given(options.width) !== given(options.height) ? 'contain' : 'error'),
    background: options.background,
    codec: options.codec,
    crf: options.crf,
    preset: options.preset,
    bitrate: options.bitrate,
    overwrite: options.overwrite,
    limitPixels: options.limitPixels,
  });
  const format = outputFormatFor(output);
  // GIF, WebP, APNG refuse video options (crf for a GIF) and take their own.
  const animation = resolveAnimationOptions(format, options, STITCH_DEFAULTS.preset);
  const codec = opts.codec ?? format.codecs[0] ?? 'h264';
  if (!animation) checkCodec(format, codec);
  const choice = settleCodec(codec, format, { ...resolveCodecOptions(options), crf: opts.crf, bitrate: opts.bitrate }, { crf: options.crf });
  const audio = resolveAudioOptions(options);
  if (audio) audioCodecFor(format);
  const slideshow = resolveSlideshowOptions(options);
  const expected = options.expectedFrames;
  if (expected !== undefined && !(Number.isInteger(expected) && expected >= 0)) throw invalidOption('expectedFrames', 'a whole number of frames', expected);
  return {
    output,
    format,
    codec,
    alphaPossible: choice.alphaPossible,
    animation,
    size: opts.width && opts.height ? { width: opts.width, height: opts.height } : undefined,
    width: opts.width,
    height: opts.height,
    fps: opts.fps,
    ticksPerFrame: ticksPerFrameForMilliseconds(opts.fps),
    fit: opts.fit,
    background: colorToHex(opts.background),
    encoder: { crf: choice.crf, preset: opts.preset, bitrate: opts.bitrate, quality: choice.quality, hwaccel: choice.hwaccel },
    overwrite: opts.overwrite,
    limitPixels: opts.limitPixels,
    expectedFrames: expected,
    audio,
    slideshow,
    slides: planSlideshow(slideshow, fractionToNumber(opts.fps), []),
  };
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
