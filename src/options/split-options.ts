import { type WarningHandler, eitherNotBoth, invalidOption } from '../errors.js';
import { type MediaInputOptions, resolveAllowPlaylists } from './input-options.js';
import type { Progress } from './output-options.js';
import { type Fraction, checkHooks, parseDimension, parseDuration, parseFps, parseInteger, isGiven, type PixelLayout } from './values.js';

/**
 * Which frames come out, and at what size: shared by split, readFrames and (in part)
 * contactSheet.
 */
export interface SelectionOptions extends MediaInputOptions {
  /** Resample to this many frames per second, like ffmpeg's fps filter (25, 0.5, "30000/1001"). Default: every stored frame (passthrough). */
  fps?: number | string;
  /** Keep every Nth frame (of those selected by the other options). Default 1. */
  every?: number | string;
  /** Start here: seconds or `"hh:mm:ss.ms"`. Seeks to the keyframe before it, then decodes exactly to it. */
  start?: number | string;
  /** Stop before this time: seconds or `"hh:mm:ss.ms"`. */
  end?: number | string;
  /** Stop this long after `start` (instead of `end`). */
  duration?: number | string;
  /** Explicit 0-based frame numbers, in presentation order from the start of the video: `[0, 10, 20]` or `"0,10,20-25"`. */
  frameNumbers?: readonly number[] | string;
  /** Only keyframes (fast: the other frames are not decoded). */
  keyframesOnly?: boolean;
  /**
   * Output width; alone, the height keeps the aspect ratio. With `height` too: `split` fits the
   * picture inside both; `readFrames` makes every frame exactly that size (see its `fit`).
   */
  width?: number | string;
  /** Output height; the width keeps the aspect ratio. */
  height?: number | string;
  /** Scale factor for both sides (0.5: half size). */
  scale?: number | string;
  /** Stop after this many frames. */
  maxFrames?: number | string;
  /** Cancels the run; it then rejects with code `ABORTED` and leaves no output. */
  signal?: AbortSignal;
  /** Called with each warning (damaged input...) as it arises: its words, and as Text (options by reference). */
  onWarning?: WarningHandler;
}


export interface ReadFramesOptions extends SelectionOptions {
  /** Pixel layout of `data`. Default `rgba`. */
  layout?: PixelLayout;
  /**
   * With both `width` and `height`, every frame is exactly that size; this says how a picture
   * of another shape fills it: `contain` (whole picture, black bars), `cover` (cropped at the
   * centre), `fill` (stretched). Default `contain`. With one side (or `scale`) the other keeps
   * the aspect ratio.
   */
  fit?: 'contain' | 'cover' | 'fill';
}

export interface SplitOptions extends SelectionOptions {
  /** Number of the first file (`%05d` → 00001). Default 1. */
  startNumber?: number | string;
  /** Bits per component of PNG and TIFF files: 16 keeps more than 8 bits of the source. Default 8. */
  depth?: 8 | 16 | string;
  /** JPEG and WebP quality, 1 to 100. Default 90 (JPEG), 80 (WebP). (Not stitch's `quality`, a level for the video codec.) */
  imageQuality?: number | string;
  /** Also write a manifest mapping index, time and file: a path ending in .csv or .json. */
  manifest?: string;
  /** Replace existing frame files (and manifest). Default false. */
  overwrite?: boolean;
  /**
   * Plan only (`--dry-run`): planSplit changes nothing on disk. The recovery of a split killed
   * into the folder (its commit undone or finished, its temporary files removed) is only
   * described in a warning; runSplit does it if the plan is run. Default false.
   */
  dryRun?: boolean;
  /** Called after every frame written. */
  onProgress?: (progress: Progress) => void;
}

export interface ContactSheetOptions extends MediaInputOptions {
  /** Thumbnails per row. Default 4. */
  columns?: number | string;
  /** Rows; the thumbnails are spread evenly over the video. Default 4 (unless `every` is given). */
  rows?: number | string;
  /** One thumbnail every so many seconds (or `"1m"`, `"00:00:30"`), instead of `rows`. */
  every?: number | string;
  /** Width of the whole sheet in pixels. Default 1280. */
  width?: number | string;
  /** Print each thumbnail's time on it. Default true. */
  labels?: boolean;
  /** JPEG or WebP quality, 1 to 100. Default 90. */
  imageQuality?: number | string;
  /** Replace the output if it exists. Default false. */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  onWarning?: (message: string) => void;
}

export type SelectionMode = 'passthrough' | 'fps';

/** The selection after validation. */
export interface ResolvedSelection {
  mode: SelectionMode;
  fps: Fraction | undefined;
  every: number;
  /** Seconds from the start of the video. */
  start: number;
  /** Seconds, exclusive (undefined: to the end). */
  end: number | undefined;
  /** Sorted, distinct (undefined: not asked). */
  frameNumbers: number[] | undefined;
  keyframesOnly: boolean;
  /** A concat script or a playlist may be read (local files only). */
  allowPlaylists: boolean;
  maxFrames: number | undefined;
  width: number | undefined;
  height: number | undefined;
  scale: number | undefined;
}


/** `"0,10,20-25"` or an array of whole numbers to sorted distinct frame numbers. */
export function parseFrameList(value: unknown, option = 'frameNumbers'): number[] {
  const expected = 'frame numbers (0-based) such as [0, 10, 20] or "0,10,20-25"';
  const numbers: number[] = [];
  const add = (n: number): void => {
    if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) throw invalidOption(option, expected, value);
    numbers.push(n);
  };
  if (Array.isArray(value)) {
    for (const n of value) add(typeof n === 'number' ? n : Number.NaN);
  } else if (typeof value === 'string') {
    for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
      const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
      if (range) {
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (b < a || b - a > 1_000_000) throw invalidOption(option, expected, value);
        for (let n = a; n <= b; n++) add(n);
      } else if (/^\d+$/.test(part)) add(Number(part));
      else throw invalidOption(option, expected, value);
    }
  } else throw invalidOption(option, expected, value);
  if (numbers.length === 0) throw invalidOption(option, expected, value);
  return [...new Set(numbers)].sort((a, b) => a - b);
}

export function parseScale(value: unknown, option = 'scale'): number {
  const n = typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0 || n > 16) throw invalidOption(option, 'a scale factor above 0 and at most 16, such as 0.5', value);
  return n;
}

/** Validates the selection options once, without touching the caller's object. */
export function resolveSelection(options: SelectionOptions = {}): ResolvedSelection {
  checkHooks(options);
  const fps = isGiven(options.fps) ? parseFps(options.fps, 'fps') : undefined;
  const every = isGiven(options.every) ? parseInteger(options.every, 'every', 1, 2 ** 31 - 1) : 1;
  const start = isGiven(options.start) ? parseDuration(options.start, 'start', { allowZero: true }) : 0;
  if (isGiven(options.end) && isGiven(options.duration)) throw invalidOption('duration', eitherNotBoth(['end'], ['duration']), options.duration);
  let end: number | undefined;
  if (isGiven(options.end)) {
    end = parseDuration(options.end, 'end');
    if (end <= start) throw invalidOption('end', `a time after start (${start} s)`, options.end);
  } else if (isGiven(options.duration)) {
    end = start + parseDuration(options.duration, 'duration');
  }
  const frameNumbers = isGiven(options.frameNumbers) ? parseFrameList(options.frameNumbers) : undefined;
  if (frameNumbers) {
    const clash = (['fps', 'every', 'start', 'end', 'duration'] as const).find((k) => isGiven(options[k])) ?? (options.keyframesOnly ? 'keyframesOnly' : undefined);
    if (clash) throw invalidOption('frameNumbers', `frameNumbers alone (it picks exact frames; ${clash} cannot be combined with it)`, options.frameNumbers);
  }
  if (options.keyframesOnly !== undefined && typeof options.keyframesOnly !== 'boolean') throw invalidOption('keyframesOnly', 'true or false', options.keyframesOnly);
  if (fps && options.keyframesOnly) throw invalidOption('fps', 'no fps with keyframesOnly (keyframes keep their own times)', options.fps);
  if (isGiven(options.scale) && (isGiven(options.width) || isGiven(options.height))) throw invalidOption('scale', eitherNotBoth(['scale'], ['width', 'height']), options.scale);
  return {
    mode: fps ? 'fps' : 'passthrough',
    fps,
    every,
    start,
    end,
    frameNumbers,
    keyframesOnly: options.keyframesOnly === true,
    allowPlaylists: resolveAllowPlaylists(options),
    maxFrames: isGiven(options.maxFrames) ? parseInteger(options.maxFrames, 'maxFrames', 1, 2 ** 31 - 1) : undefined,
    width: isGiven(options.width) ? parseDimension(options.width, 'width') : undefined,
    height: isGiven(options.height) ? parseDimension(options.height, 'height') : undefined,
    scale: isGiven(options.scale) ? parseScale(options.scale) : undefined,
  };
}

/**
 * The output size for a picture shown at `width`x`height`: as asked, keeping the aspect ratio
 * (both width and height: the largest size that fits inside both).
 */
export function outputSize(selection: Pick<ResolvedSelection, 'width' | 'height' | 'scale'>, width: number, height: number): { width: number; height: number } {
  const round = (n: number): number => Math.max(1, Math.round(n));
  if (selection.scale !== undefined) return { width: round(width * selection.scale), height: round(height * selection.scale) };
  const { width: w, height: h } = selection;
  if (w !== undefined && h !== undefined) {
    const factor = Math.min(w / width, h / height);
    return { width: Math.min(w, round(width * factor)), height: Math.min(h, round(height * factor)) };
  }
  if (w !== undefined) return { width: w, height: round((w * height) / width) };
  if (h !== undefined) return { width: round((h * width) / height), height: h };
  return { width, height };
}

export function parseQuality(value: unknown, option = 'imageQuality'): number {
  return parseInteger(value, option, 1, 100);
}

export function parseDepth(value: unknown, option = 'depth'): 8 | 16 {
  if (value === 8 || value === '8') return 8;
  if (value === 16 || value === '16') return 16;
  throw invalidOption(option, '8 or 16', value);
}
