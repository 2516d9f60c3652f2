import { type FitMode, X264_PRESETS, DEFAULT_CRF, type VideoCodec } from '../engine/index.js';
import { invalidOption } from '../errors.js';
import { SORT_ORDERS, type SortOrder } from '../inputs/sort.js';
import type { AnimationOptions } from './animation-options.js';
import type { AudioOptions } from './audio-options.js';
import type { SlideshowOptions } from './slideshow-options.js';
import type { CodecOptions } from './codec-options.js';
import { VIDEO_CODECS } from './output-formats.js';
import {
  type Fraction,
  type Rgb,
  type Size,
  parseBitrate,
  parseChoice,
  parseColor,
  parseDimension,
  parseDuration,
  parseFps,
  parseInteger,
  parsePixelLimit,
  parseSize,
} from './values.js';

export const FIT_MODES: readonly FitMode[] = ['contain', 'cover', 'fill', 'error'];

/** Progress of a run, reported after every frame. */
export interface Progress {
  /** Frames written so far. */
  frame: number;
  /** Frames the run will write. */
  total: number;
  /** Frames written per second of wall time so far. */
  fps: number;
  /** Seconds left at that pace (undefined until it can be estimated). */
  eta: number | undefined;
  /** Seconds since the run started. */
  elapsed: number;
}

export interface StitchOptions extends AudioOptions, SlideshowOptions, CodecOptions, AnimationOptions {
  /** Frames per second, a number or an exact fraction string `"30000/1001"`. Default 25. */
  fps?: number | string;
  /** Show each image this long (seconds or `"2s"`), for slideshows. Default: one frame each. */
  duration?: number | string;
  /** Output size `"1280x720"` or `{ width, height }`. Default: the first image's size. */
  size?: string | Size;
  /** Output width; the height follows the first image's aspect ratio. */
  width?: number | string;
  /** Output height; the width follows the first image's aspect ratio. */
  height?: number | string;
  /** How images of another size are fitted. Default `contain`. */
  fit?: FitMode;
  /** Colour behind letterboxing, padding and transparency. Default `black`. */
  background?: string;
  /** Order of glob and directory matches; given, it orders the whole list. Default `natural`. */
  sort?: SortOrder;
  /** First number of a `%05d` sequence. Default: the first of 0 to 4 that exists. */
  startNumber?: number | string;
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
  /** Skip unreadable, corrupt or truncated images with a warning instead of failing. Default false. */
  skipInvalid?: boolean;
  /** Refuse images whose header declares more pixels than this. Default 268402689 (16383²), `false` for none. */
  limitPixels?: number | string | false;
  /** Cancels the run; it then rejects with code `ABORTED` and leaves no output. */
  signal?: AbortSignal;
  /** Called after every frame. */
  onProgress?: (progress: Progress) => void;
  /** Called with each warning as it arises (also listed in the result). */
  onWarning?: (message: string) => void;
}

/** The options after validation, with every default filled in. */
export interface ResolvedStitchOptions {
  fps: Fraction;
  fpsGiven: boolean;
  duration: number | undefined;
  size: Size | undefined;
  width: number | undefined;
  height: number | undefined;
  fit: FitMode;
  background: Rgb;
  sort: SortOrder | undefined;
  startNumber: number | undefined;
  codec: VideoCodec | undefined;
  crf: number | undefined;
  preset: string;
  bitrate: number | undefined;
  overwrite: boolean;
  skipInvalid: boolean;
  limitPixels: number;
}

/** sharp's default: 0x3FFF × 0x3FFF pixels. */
export const DEFAULT_PIXEL_LIMIT = 0x3fff * 0x3fff;

export const STITCH_DEFAULTS = {
  fps: 25,
  fit: 'contain',
  background: 'black',
  sort: 'natural',
  preset: 'medium',
  crf: DEFAULT_CRF,
  limitPixels: DEFAULT_PIXEL_LIMIT,
} as const;

/**
 * crf within the codec's range: libvpx takes 0 to 63, x264 1 to 51 (0 is lossless, which High
 * profile cannot carry). Checked once the codec is known: a .webm output picks vp9.
 */
export function checkCrf(crf: number | undefined, codec: VideoCodec, received: unknown): void {
  if (crf !== undefined && codec === 'h264' && (crf < 1 || crf > 51)) {
    throw invalidOption('crf', 'a whole number from 1 to 51 for h264 (0 to 63 for vp9)', received);
  }
}

/** Validates every option once, without touching the caller's object. */
export function resolveStitchOptions(options: StitchOptions = {}): ResolvedStitchOptions {
  const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  const codec = given(options.codec) ? parseChoice(options.codec, 'codec', VIDEO_CODECS) : undefined;
  const crf = given(options.crf) ? parseInteger(options.crf, 'crf', 0, 63) : undefined;
  if (given(options.size) && (given(options.width) || given(options.height))) {
    throw invalidOption('size', 'either size or width/height, not both', options.size);
  }
  return {
    fps: parseFps(options.fps ?? STITCH_DEFAULTS.fps),
    fpsGiven: given(options.fps),
    duration: given(options.duration) ? parseDuration(options.duration, 'duration') : undefined,
    size: given(options.size) ? parseSize(options.size) : undefined,
    width: given(options.width) ? parseDimension(options.width, 'width') : undefined,
    height: given(options.height) ? parseDimension(options.height, 'height') : undefined,
    fit: parseChoice(options.fit ?? STITCH_DEFAULTS.fit, 'fit', FIT_MODES),
    background: parseColor(options.background ?? STITCH_DEFAULTS.background),
    sort: given(options.sort) ? parseChoice(options.sort, 'sort', SORT_ORDERS) : undefined,
    startNumber: given(options.startNumber) ? parseInteger(options.startNumber, 'startNumber', 0, 2 ** 31 - 1) : undefined,
    codec,
    crf,
    preset: parseChoice(options.preset ?? STITCH_DEFAULTS.preset, 'preset', X264_PRESETS),
    bitrate: given(options.bitrate) ? parseBitrate(options.bitrate) : undefined,
    overwrite: options.overwrite === true,
    skipInvalid: options.skipInvalid === true,
    limitPixels: parsePixelLimit(options.limitPixels ?? STITCH_DEFAULTS.limitPixels),
  };
}
