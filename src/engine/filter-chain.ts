/**
 * The normalise stage as an FFmpeg filter description: flatten alpha onto the background,
 * apply EXIF orientation, fit to the frame size, pad odd sizes to even, and convert to the
 * output pixel format with the BT.709 matrix in limited range, tagged so. Pure string
 * building, so it can be tested without FFmpeg.
 */

import { hasAlpha } from './color-tags.js';

export type FitMode = 'contain' | 'cover' | 'fill' | 'error';

export interface ChainSource {
  width: number;
  height: number;
  /** FFmpeg's name of the source pixel format. */
  pixelFormat: string;
  hasAlpha: boolean;
  /** EXIF orientation, 1 to 8. */
  orientation: number;
}

export interface ChainTarget {
  /** The size the picture is fitted to (before padding to even). */
  fitWidth: number;
  fitHeight: number;
  /** The output size (even for 4:2:0). */
  width: number;
  height: number;
  fit: FitMode;
  /** `0xrrggbb` */
  background: string;
  /** Output pixel format, e.g. yuv420p. */
  pixelFormat: string;
  /**
   * Flatten alpha onto the background (outputs without alpha). When false and the output
   * pixel format has alpha (yuva420p, yuva444p10le), alpha is kept: letterboxing and padding
   * are transparent, and opaque sources get an opaque alpha plane.
   */
  flattenAlpha: boolean;
  /**
   * With alpha kept: letterboxing and padding transparent (the default), or `background` when
   * false (an animation keeps its pictures' alpha, but letterboxes opaque pictures as a video
   * does).
   */
  padTransparent?: boolean;
}

/** EXIF orientation to the filters that show the picture upright. */
export const ORIENTATION_FILTERS: Readonly<Record<number, readonly string[]>> = {
  1: [],
  2: ['hflip'],
  3: ['hflip', 'vflip'],
  4: ['vflip'],
  5: ['transpose=cclock_flip'],
  6: ['transpose=clock'],
  7: ['transpose=clock_flip'],
  8: ['transpose=cclock'],
};

const COLOUR_TAGS = 'setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv';

/**
 * Whether alpha is kept at 16 bits through the chain: a source of more than 8 bits (16-bit PNG,
 * TIFF) into an output of more than 8 (ProRes 4444's yuva444p10le). Otherwise RGBA at 8 bits,
 * which is all an 8-bit output holds.
 */
function deepAlpha(source: ChainSource, target: ChainTarget): boolean {
  return /(9|1[0-6])(le|be)$/.test(target.pixelFormat) && /(16|48|64)(le|be)$/.test(source.pixelFormat);
}

/**
 * The filters that bring a picture to exactly `w`x`h`: `cover` scales up and crops at the
 * centre, `fill` stretches, `contain` (and `error`, which never gets here with another size)
 * scales down and pads with `padColour` (an FFmpeg colour: `0x000000`, `black@0`).
 */
export function fitFilters(w: number, h: number, fit: FitMode, padColour: string): string[] {
  if (fit === 'cover') return [`scale=${w}:${h}:force_original_aspect_ratio=increase`, `crop=${w}:${h}`];
  if (fit === 'fill') return [`scale=${w}:${h}`, 'setsar=1'];
  return [`scale=${w}:${h}:force_original_aspect_ratio=decrease`, `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${padColour}`];
}

/**
 * fitFilters for a decoded video frame of any pixel format: first to planar RGB with alpha
 * (reading the source's matrix and range), since padding or cropping 4:2:0 to an odd size or
 * offset is refused. Then the fit, exact to the pixel.
 */
export function fitFiltersFromAny(w: number, h: number, fit: FitMode, padColour: string): string[] {
  return ['scale=in_color_matrix=auto:in_range=auto:flags=bicubic+full_chroma_int', 'format=gbrap', ...fitFilters(w, h, fit, padColour)];
}

/**
 * Whether buildFilterChain would leave the picture's pixels as they are: an RGBA source already
 * upright at the output size, into RGBA with alpha kept (a canvas frame, a same-size RGBA PNG
 * into an animation). The chain would then only tag the colours (COLOUR_TAGS); the normalise
 * stage does that itself and skips the graph's two round trips on the thread pool.
 */
export function chainKeepsPixels(source: ChainSource, target: ChainTarget): boolean {
  return (
    source.pixelFormat === 'rgba' &&
    target.pixelFormat === 'rgba' &&
    !target.flattenAlpha &&
    source.orientation === 1 &&
    source.width === target.width &&
    source.height === target.height &&
    target.fitWidth === target.width &&
    target.fitHeight === target.height
  );
}

/** Returns a graph description with one input pad `[in]` and one output `[out]`. */
export function buildFilterChain(source: ChainSource, target: ChainTarget): string {
  const steps: string[] = [];
  const isYuv = /^(yuv|nv|p0)/.test(source.pixelFormat);
  const keepAlpha = !target.flattenAlpha && hasAlpha(target.pixelFormat);
  // JPEG and other YUV sources carry the BT.601 matrix (often full range); swscale does not
  // change matrices between two YUV formats, so go through RGB to convert exactly.
  if (isYuv) steps.push(`scale=in_color_matrix=auto:in_range=auto`, keepAlpha ? 'format=gbrap' : 'format=gbrp');
  // Keeping alpha: every picture gets an alpha channel before fitting, so padding is transparent.
  // An RGB source without alpha gets it only before the first padding (or at the end): scaling
  // it down first and adding alpha in the same step is a fifth less CPU on 1080p PNGs.
  const alphaFormat = deepAlpha(source, target) ? 'format=rgba64le' : 'format=rgba';
  const lateAlpha = keepAlpha && !isYuv && !source.hasAlpha;
  if (keepAlpha && !isYuv && !lateAlpha) steps.push(alphaFormat);
  const padColour = keepAlpha && target.padTransparent !== false ? `${target.background}@0` : target.background;
  steps.push(...(ORIENTATION_FILTERS[source.orientation] ?? []));
  const shown = source.orientation >= 5 ? { w: source.height, h: source.width } : { w: source.width, h: source.height };
  if (shown.w !== target.fitWidth || shown.h !== target.fitHeight) {
    steps.push(...fitFilters(target.fitWidth, target.fitHeight, target.fit, padColour));
  }
  if (target.width !== target.fitWidth || target.height !== target.fitHeight) {
    steps.push(`pad=${target.width}:${target.height}:0:0:color=${padColour}`);
  }
  if (lateAlpha) {
    const pad = steps.findIndex((step) => step.startsWith('pad='));
    if (pad >= 0) steps.splice(pad, 0, alphaFormat);
  }
  // Plain bicubic, as the ffmpeg CLI converts: accurate_rnd would round the last level exactly
  // for 2% more CPU on 1080p (a colour lands within 1 level either way); full_chroma_int only
  // matters when converting to RGB.
  steps.push(`scale=out_color_matrix=bt709:out_range=tv:flags=bicubic`, `format=${target.pixelFormat}`, COLOUR_TAGS);
  if (source.hasAlpha && target.flattenAlpha) {
    // The background is a generated input drawn under the picture. The graph runs on a time
    // base of 1 s with one picture a second (the real timestamps are kept outside), so every
    // picture meets exactly one background frame and none is produced in between.
    const bg = `color=c=${target.background}:s=${source.width}x${source.height}:r=1,format=rgba[bg]`;
    return `${bg};[bg][in]overlay=format=rgb:shortest=1,${steps.join(',')}[out]`;
  }
  return `[in]${steps.join(',')}[out]`;
}
