import { type AnimationCodec, DITHERS, type Dither, animationPixelFormat } from '../engine/index.js';
import { FlipbookError, type Text, opt, text } from '../errors.js';
import type { OutputFormat } from './output-formats.js';
import { type Size, parseBytes, parseChoice, parseInteger, isGiven } from './values.js';

/** The options of animated outputs (`.gif`, `.webp`, `.apng`), shared by stitch, the writer and the CLI. */
export interface AnimationOptions {
  /** GIF: how colours between palette entries are dithered. Default `floyd_steinberg`. */
  dither?: Dither;
  /** GIF: palette size, 2 to 256. Default 256. */
  colors?: number | string;
  /** GIF, WebP, APNG: how many times the animation plays, 0 forever. Default 0. */
  loop?: number | string;
  /** WebP: lossless instead of lossy. Default false. */
  lossless?: boolean;
  /**
   * GIF: a pixel whose colour moved by at most this much (0-255, in each of R, G, B) since it was
   * drawn keeps its old colour, so it costs nothing in the frame. 0 (the default): only pixels
   * that did not change. A size knob for grainy or noisy footage (6: a third smaller on film grain).
   */
  tolerance?: number | string;
  /**
   * GIF: lossy LZW, a size knob in the manner of gifsicle's `--lossy`: a pixel may be written as
   * another palette colour at most this far from its own (RGB distance, 0-441) when that makes
   * a longer LZW string. 0 (the default): exact. 20 to 40: some 10% to 25% smaller.
   */
  lossy?: number | string;
  /** GIF: the largest file (`"8MB"`, bytes): smaller sizes, frame rates and palettes are tried until it fits. */
  maxSize?: number | string;
}

/** An animated output's settings after validation. */
export interface AnimationSettings {
  codec: AnimationCodec;
  pixelFormat: string;
  dither: Dither;
  colors: number;
  loop: number;
  lossless: boolean;
  tolerance: number;
  lossy: number;
  maxSize: number | undefined;
}

export const ANIMATION_DEFAULTS = { dither: 'floyd_steinberg', colors: 256, loop: 0, lossless: false, tolerance: 0, lossy: 0 } as const;

/** GIF players cap delays near 50 fps (2 hundredths): faster frames are dropped. */
export const GIF_MAX_FPS = 50;

/** The width an animation gets when no size is given: GIFs of full-HD frames are huge and slow. */
export const ANIMATION_WIDTH_CAP = 640;

/** Which option each format takes, for the refusals below. */
const TAKES: Readonly<Record<keyof AnimationOptions, readonly AnimationCodec[]>> = {
  dither: ['gif'],
  colors: ['gif'],
  loop: ['gif', 'webp', 'apng'],
  lossless: ['webp'],
  tolerance: ['gif'],
  lossy: ['gif'],
  maxSize: ['gif'],
};

/** Video options that make no sense for an animated image. */
const VIDEO_ONLY = ['codec', 'crf', 'bitrate', 'preset', 'quality'] as const;

/** Each animated format as a sentence names it. */
const ANIMATION_NAMES = { gif: 'a GIF', webp: 'a WebP', apng: 'an APNG' } as const;

/** An animation option in use: given, and not `false` (`lossless: false` asks for nothing). */
const given = (value: unknown): boolean => isGiven(value) && value !== false;

/**
 * Validates the animation options against the output: an animated format refuses video
 * options (crf for a GIF) and options of another format (colors for a WebP); a video refuses
 * them all. Returns the settings for an animated output, undefined for a video.
 */
export function resolveAnimationOptions(
  format: OutputFormat,
  options: AnimationOptions & { codec?: unknown; crf?: unknown; bitrate?: unknown; preset?: unknown; quality?: unknown },
  defaultPreset: string,
): AnimationSettings | undefined {
  const names = Object.keys(TAKES) as (keyof AnimationOptions)[];
  if (format.kind === 'video') {
    const wrong = names.find((name) => given(options[name]));
    if (wrong) {
      // The option as a reference, so the command line names it as its flag (--colors), as the hint does.
      throw new FlipbookError('INVALID_OPTION', text`The option ${opt(wrong)} applies to ${TAKES[wrong].map((c) => `.${c}`).join(', ')} outputs, not ${format.extension}`, {
        option: wrong,
        hint: text`Leave out ${opt(wrong)}, or write ${TAKES[wrong].map((c) => `.${c}`).join(' or ')}`,
      });
    }
    return undefined;
  }
  const codec = format.animation;
  for (const name of VIDEO_ONLY) {
    const value = options[name];
    if (!given(value) || (name === 'preset' && value === defaultPreset)) continue;
    throw new FlipbookError('INVALID_OPTION', text`The option ${opt(name)} applies to videos, not to ${format.extension}: ${ANIMATION_NAMES[codec]} has no ${name === 'codec' ? 'codec choice' : name}`, {
      option: name,
      hint: codec === 'gif' ? text`Leave out ${opt(name)}; for a GIF use ${opt('colors')}, ${opt('dither')} or ${opt('maxSize')}` : codec === 'webp' ? text`Leave out ${opt(name)}; for WebP use ${opt('lossless', true)}` : text`Leave out ${opt(name)}`,
    });
  }
  for (const name of names) {
    if (given(options[name]) && !TAKES[name].includes(codec)) {
      throw new FlipbookError('INVALID_OPTION', text`The option ${opt(name)} applies to ${TAKES[name].map((c) => `.${c}`).join(', ')} outputs, not ${format.extension}`, {
        option: name,
        hint: text`Leave out ${opt(name)}`,
      });
    }
  }
  return {
    codec,
    // Without alpha: the plan says yuva420p for a lossy WebP of images that may have transparency.
    pixelFormat: animationPixelFormat(codec, { lossless: options.lossless === true }),
    dither: parseChoice(options.dither ?? ANIMATION_DEFAULTS.dither, 'dither', DITHERS),
    colors: given(options.colors) ? parseInteger(options.colors, 'colors', 2, 256) : ANIMATION_DEFAULTS.colors,
    loop: given(options.loop) ? parseInteger(options.loop, 'loop', 0, 65535) : ANIMATION_DEFAULTS.loop,
    lossless: options.lossless === true,
    tolerance: given(options.tolerance) ? parseInteger(options.tolerance, 'tolerance', 0, 255) : ANIMATION_DEFAULTS.tolerance,
    lossy: given(options.lossy) ? parseInteger(options.lossy, 'lossy', 0, 441) : ANIMATION_DEFAULTS.lossy,
    maxSize: given(options.maxSize) ? parseBytes(options.maxSize, 'maxSize') : undefined,
  };
}

/** The default width cap: a frame wider than 640 px is scaled down, aspect kept (even sizes not needed). */
export function capAnimationSize(size: Size): Size | undefined {
  if (size.width <= ANIMATION_WIDTH_CAP) return undefined;
  return { width: ANIMATION_WIDTH_CAP, height: Math.max(1, Math.round((size.height * ANIMATION_WIDTH_CAP) / size.width)) };
}

/** An animated output as planned: the settings and the frame size (after the default width cap). */
export interface AnimationPlan extends AnimationSettings {
  size: Size;
}

/**
 * The animation's frame size: the fitted size, or, when no size was asked, at most 640 px
 * wide with the aspect ratio kept (said in a warning).
 */
export function planAnimation(settings: AnimationSettings, fitSize: Size, sizeGiven: boolean, warn: (message: Text) => void): AnimationPlan {
  const capped = sizeGiven ? undefined : capAnimationSize(fitSize);
  if (capped) {
    warn(
      text`Scaled ${fitSize.width}x${fitSize.height} to ${capped.width}x${capped.height} for ${settings.codec.toUpperCase()} (at most ${ANIMATION_WIDTH_CAP} px wide unless a size is given, aspect ratio kept); pass ${opt('width')} or ${opt('size')} to choose`,
    );
  }
  return { ...settings, size: capped ?? fitSize };
}
