import { HARDWARE_ENCODERS, QUALITIES, RECIPES, type Quality, type VideoCodec, codecPixelFormat, encoderCrf, keepsAlpha } from '../engine/index.js';
import { FlipbookError, invalidOption, text, opt } from '../errors.js';
import type { OutputFormat } from './output-formats.js';
import { parseChoice, isGiven } from './values.js';

export type AlphaMode = 'keep' | 'flatten';
export const ALPHA_MODES: readonly AlphaMode[] = ['keep', 'flatten'];
export const HWACCEL_CHOICES: readonly string[] = ['auto', 'none', ...HARDWARE_ENCODERS];

/** The codec options of stitch and the frame writer beyond codec, crf, preset and bitrate. */
export interface CodecOptions {
  /** One knob for the codec's settings: `low`, `medium`, `high`, `lossless` (README has the table). `crf`, given, wins. */
  quality?: Quality;
  /**
   * Transparency: `keep` an alpha channel (VP9 in WebM or MKV, ProRes 4444 in MOV) or `flatten` it
   * onto the background. Default `keep` where the codec carries alpha, else `flatten`.
   */
  alpha?: AlphaMode;
  /** `none` (default), `auto` (a hardware encoder that works, else software with a notice) or an encoder such as `h264_nvenc`. */
  hwaccel?: string;
}

export interface ResolvedCodecOptions {
  quality: Quality | undefined;
  alpha: AlphaMode | undefined;
  hwaccel: string;
}


export function resolveCodecOptions(options: CodecOptions): ResolvedCodecOptions {
  return {
    quality: isGiven(options.quality) ? parseChoice(options.quality, 'quality', QUALITIES) : undefined,
    alpha: isGiven(options.alpha) ? parseChoice(options.alpha, 'alpha', ALPHA_MODES) : undefined,
    hwaccel: isGiven(options.hwaccel) ? parseChoice(options.hwaccel, 'hwaccel', HWACCEL_CHOICES) : 'none',
  };
}

/**
 * A crf before the codec is known: a number (`18`, `18.5`, `"0"`). Each codec's own range, and
 * whether it takes fractions, is checked in settleCodec; this message states them all.
 */
export function parseCrf(value: unknown): number {
  const n = typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    const ranges = Object.entries(RECIPES).flatMap(([codec, { crf }]) => (crf ? [`${codec} ${crf.min}-${crf.max}${crf.whole ? ' whole' : ''}`] : []));
    throw invalidOption('crf', `a number in the codec's range (${ranges.join(', ')})`, value);
  }
  return n;
}

/** What the encoder is told, settled once the codec and the output are known. */
export interface CodecChoice {
  /** Whether transparency can be kept (the inputs decide whether it is). */
  alphaPossible: boolean;
  quality: Quality | undefined;
  crf: number | undefined;
  /** undefined for `none`, so a default plan reads as before. */
  hwaccel: string | undefined;
}

/**
 * Checks the codec options against the codec and container: crf within the codec's range,
 * lossless only where the codec has it, `alpha: keep` only where alpha is carried, a named
 * hardware encoder of this codec.
 */
export function settleCodec(
  codec: VideoCodec,
  format: OutputFormat,
  opts: ResolvedCodecOptions & { crf: number | undefined; bitrate: number | undefined; preset?: { value: string; default: string } },
  received: { crf?: unknown; bitrate?: unknown },
): CodecChoice {
  const recipe = RECIPES[codec];
  // ProRes is sized by its profile (quality), not a rate: a bitrate was accepted and ignored.
  if (codec === 'prores' && opts.bitrate !== undefined) {
    throw new FlipbookError('INVALID_OPTION', 'prores has no bitrate: its profile sets its size', { option: 'bitrate', hint: text`Leave out ${opt('bitrate')}; ${opt('quality', 'high')} writes ProRes 4444 XQ, the default 4444` });
  }
  // Nor a speed: prores_ks has profiles, no preset, and a preset never reached it. A
  // preset other than the default is refused, as GIF, WebP and APNG refuse it (the command
  // passes the default when none is given, so the default cannot be told from no preset).
  if (codec === 'prores' && opts.preset && opts.preset.value !== opts.preset.default) {
    throw new FlipbookError('INVALID_OPTION', `prores has no preset (${opts.preset.value}): its encoder has no speed setting, and its profile sets its quality`, {
      option: 'preset',
      hint: text`Leave out ${opt('preset')}; ${opt('quality', 'high')} writes ProRes 4444 XQ, the default 4444`,
    });
  }
  if (opts.crf !== undefined) {
    if (!recipe.crf) throw invalidOption('crf', `no crf for ${codec} (it has none: use quality)`, received.crf);
    const { min, max, whole } = recipe.crf;
    if (opts.crf < min || opts.crf > max || (whole && !Number.isInteger(opts.crf))) {
      throw invalidOption('crf', `${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (the range of ${codec})`, received.crf);
    }
  }
  if (opts.quality === 'lossless' && !recipe.lossless) {
    throw new FlipbookError('INVALID_OPTION', `${codec} has no lossless mode`, { option: 'quality', hint: text`Use ${opt('quality', 'high')} with ${codec}, or a codec with one: h264, h265, vp9, av1` });
  }
  const container = 'container' in format ? format.container : '';
  const alphaPossible = keepsAlpha(codec, container);
  if (opts.alpha === 'keep' && !alphaPossible) {
    throw new FlipbookError('INVALID_OPTION', `${codec} in ${format.extension} cannot carry alpha`, {
      option: 'alpha',
      hint: text`Write .webm (VP9), or .mov with ${opt('codec', 'prores')}, to keep transparency; or pass ${opt('alpha', 'flatten')}`,
    });
  }
  const { hwaccel } = opts;
  if (hwaccel !== 'auto' && hwaccel !== 'none' && !recipe.hardware.includes(hwaccel)) {
    throw new FlipbookError('INVALID_OPTION', `The hardware encoder ${hwaccel} does not write ${codec}`, {
      option: 'hwaccel',
      hint: recipe.hardware.length ? `For ${codec} use one of ${recipe.hardware.join(', ')}, or auto` : text`${codec} has no hardware encoder here: pass ${opt('hwaccel', 'none')}`,
    });
  }
  return {
    alphaPossible: alphaPossible && opts.alpha !== 'flatten',
    quality: opts.quality,
    crf: encoderCrf(codec, { crf: opts.crf, quality: opts.quality, bitrate: opts.bitrate }),
    hwaccel: hwaccel === 'none' ? undefined : hwaccel,
  };
}

export { codecPixelFormat };
