import colorString from 'color-string';

import { FlipbookError, describeValue, invalidOption, opt, text } from '../errors.js';

/** How raw pixels are laid out: 4, 3 or 1 bytes a pixel. */
export type PixelLayout = 'rgba' | 'rgb' | 'gray';
export const PIXEL_LAYOUTS: readonly PixelLayout[] = ['rgba', 'rgb', 'gray'];

/** An exact fraction, as FFmpeg keeps frame rates and time bases: 30000/1001, not 29.97. */
export interface Fraction {
  num: number;
  den: number;
}

export function fractionToNumber(f: Fraction): number {
  return f.num / f.den;
}

export function formatFraction(f: Fraction): string {
  return f.den === 1 ? String(f.num) : `${f.num}/${f.den}`;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return Math.abs(a);
}

export function reduceFraction(num: number, den: number): Fraction {
  const g = gcd(num, den) || 1;
  return { num: num / g, den: den / g };
}

/** The NTSC rates people write as decimals, and the exact fractions they mean. */
const NTSC_RATES: ReadonlyMap<string, Fraction> = new Map([
  ['23.976', { num: 24000, den: 1001 }],
  ['23.98', { num: 24000, den: 1001 }],
  ['29.97', { num: 30000, den: 1001 }],
  ['47.952', { num: 48000, den: 1001 }],
  ['59.94', { num: 60000, den: 1001 }],
  ['119.88', { num: 120000, den: 1001 }],
]);

/**
 * A frame rate: a positive number (`25`, `0.5`, `29.97` meaning 30000/1001) or a fraction
 * string (`"30000/1001"`). At most 1000 frames per second.
 */
export function parseFps(value: unknown, option = 'fps'): Fraction {
  const expected = 'a frame rate such as 25, 29.97 or 30000/1001 (above 0, at most 1000)';
  let result: Fraction | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) {
    result = NTSC_RATES.get(String(value)) ?? decimalToFraction(value);
  } else if (typeof value === 'string') {
    const text = value.trim();
    const frac = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
    if (frac) {
      const den = Number(frac[2]);
      if (den > 0) result = reduceFraction(Number(frac[1]), den);
    } else if (/^\d+(\.\d+)?$/.test(text)) {
      result = NTSC_RATES.get(text) ?? decimalToFraction(Number(text));
    }
  }
  if (!result || result.num <= 0 || result.num / result.den > 1000) throw invalidOption(option, expected, value);
  return result;
}

function decimalToFraction(value: number): Fraction {
  const scale = 1000;
  return reduceFraction(Math.round(value * scale), scale);
}

/**
 * A length of time in seconds: a number (seconds), or a string `2`, `2s`, `1.5s`, `500ms`,
 * `1m30s`, `00:01:30.5`.
 */
export function parseDuration(value: unknown, option: string, { allowZero = false } = {}): number {
  const expected = `a duration such as 2, "2s", "500ms" or "00:01:30.5"${allowZero ? '' : ' (above 0)'}`;
  let seconds: number | undefined;
  if (typeof value === 'number') seconds = value;
  else if (typeof value === 'string') seconds = durationFromText(value.trim());
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0 || (!allowZero && seconds === 0)) {
    throw invalidOption(option, expected, value);
  }
  return seconds;
}

function durationFromText(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text);
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  const units = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(text);
  if (units && units.slice(1).some((part) => part !== undefined)) {
    const [, h, m, s, ms] = units;
    return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0) + Number(ms ?? 0) / 1000;
  }
  return undefined;
}

export interface Size {
  width: number;
  height: number;
}

/**
 * `"1920x1080"` or `{ width, height }`: whole numbers from 2. An output's frame size has no
 * bound here: each codec has its own largest (x264 16384, libvpx 65536, ProRes 65535...), which
 * checkFrameSize says while planning, naming the codec.
 */
export function parseSize(value: unknown, option = 'size'): Size {
  const expected = 'a size WIDTHxHEIGHT such as 1280x720 (whole numbers from 2)';
  let size: Size | undefined;
  if (typeof value === 'string') {
    const m = /^\s*(\d+)\s*[xX×:]\s*(\d+)\s*$/.exec(value);
    if (m) size = { width: Number(m[1]), height: Number(m[2]) };
  } else if (value && typeof value === 'object') {
    const v = value as Partial<Size>;
    if (typeof v.width === 'number' && typeof v.height === 'number') size = { width: v.width, height: v.height };
  }
  if (!size || !isDimension(size.width, Number.MAX_SAFE_INTEGER) || !isDimension(size.height, Number.MAX_SAFE_INTEGER)) throw invalidOption(option, expected, value);
  return size;
}

/**
 * A side in pixels, a whole number from 2 to `max`. An output's `width` and `height` pass no
 * `max` of their own (Number.MAX_SAFE_INTEGER): as for parseSize, its codec's limit is said
 * while planning.
 */
export function parseDimension(value: unknown, option: string, max = 16384): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !isDimension(n, max)) {
    throw invalidOption(option, max === Number.MAX_SAFE_INTEGER ? 'a whole number of pixels from 2' : `a whole number of pixels from 2 to ${max}`, value);
  }
  return n;
}

function isDimension(n: number, max: number): boolean {
  return Number.isSafeInteger(n) && n >= 2 && n <= max;
}

/** A whole number in [min, max]; strings of digits are accepted (the CLI passes strings). */
export function parseInteger(value: unknown, option: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalidOption(option, `a whole number from ${min} to ${max}`, value);
  }
  return n;
}

/**
 * A pixel count: a whole number, or with a suffix `268M`, `100MP`, `4k` (thousands).
 * `false` or `0` turns the limit off.
 */
export function parsePixelLimit(value: unknown, option = 'limitPixels'): number {
  if (value === false || value === 0 || value === '0') return Number.POSITIVE_INFINITY;
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(k|m|mp|g)?\s*$/i.exec(value);
    if (m) n = Number(m[1]) * ({ k: 1e3, m: 1e6, mp: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase()] ?? 1);
  }
  if (n === undefined || !Number.isFinite(n) || n < 1) {
    throw invalidOption(option, 'a pixel count such as 268435456, "268M" or 0 for no limit', value);
  }
  return Math.round(n);
}

/** A byte count: `8000000`, `8MB`, `500kB`, `1.5MiB`. */
export function parseBytes(value: unknown, option: string): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib|k|m|g)?\s*$/i.exec(value);
    const units: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
    if (m) n = Number(m[1]) * (units[(m[2] ?? '').toLowerCase()] ?? Number.NaN);
  }
  if (n === undefined || !Number.isFinite(n) || n <= 0) throw invalidOption(option, 'a size in bytes such as 8MB, 500kB or 8000000', value);
  return Math.round(n);
}

/** A bit rate for the encoder: `2M`, `800k`, `2500000`. */
export function parseBitrate(value: unknown, option = 'bitrate'): number {
  let n: number | undefined;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmM])?(?:bps|b\/s)?\s*$/.exec(value);
    if (m) n = Number(m[1]) * (m[2] ? (m[2].toLowerCase() === 'k' ? 1e3 : 1e6) : 1);
  }
  if (n === undefined || !Number.isFinite(n) || n < 1000) throw invalidOption(option, 'a bit rate such as 2M, 800k or 2500000 (at least 1000)', value);
  return Math.round(n);
}

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/**
 * A colour as a web developer types it: every CSS colour name, `#rgb`, `#rgba`, `#rrggbb`,
 * `#rrggbbaa`, `rgb()`/`rgba()` (parsed by color-string), and ffmpeg's `0xrrggbb`. A background
 * is painted under everything, so it must be opaque: a see-through one (alpha below 1,
 * `transparent`) is refused rather than silently made opaque.
 */
export function parseColor(value: unknown, option = 'background'): Rgb {
  const parsed = typeof value === 'string' ? readColor(value.trim()) : undefined;
  if (!parsed) {
    throw invalidOption(option, 'a colour: a CSS colour name (black, rebeccapurple, ...), #rrggbb, #rgb, rgb(r, g, b) or 0xrrggbb', value);
  }
  const [r, g, b, alpha] = parsed;
  if (alpha < 1) {
    throw new FlipbookError('INVALID_OPTION', text`The colour ${describeValue(value)} for ${opt(option)} is ${alpha === 0 ? 'fully transparent' : `${Math.round(alpha * 100)}% opaque`}, and a background must be opaque`, {
      option,
      hint: `${alpha === 0 ? 'Give an opaque colour such as black or #rrggbb' : `Give it without alpha (${colorString.to.hex(r, g, b) ?? '#rrggbb'})`}: the background is painted under every picture, with nothing beneath it to show through`,
    });
  }
  return { r, g, b };
}

function readColor(text: string): [number, number, number, number] | undefined {
  const ffmpegHex = /^0x([0-9a-f]{6})$/i.exec(text);
  if (ffmpegHex?.[1]) {
    const n = parseInt(ffmpegHex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255, 1];
  }
  const rgba = colorString.get.rgb(text);
  if (!rgba) return undefined;
  const [r = 0, g = 0, b = 0, alpha = 1] = rgba;
  return [r, g, b, alpha];
}

export function colorToHex({ r, g, b }: Rgb): string {
  return `0x${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

/** One of a closed set of values; the error lists them. */
export function parseChoice<T extends string>(value: unknown, option: string, choices: readonly T[]): T {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  throw invalidOption(option, `one of ${choices.join(', ')}`, value);
}

/** Whether an option was given: not undefined, null or an empty string (`false` counts as given). */
export function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * The signal and callbacks the entry points take, checked when given as every other option
 * is: an AbortController given for its signal was ignored (stitch, split: the run could not be
 * cancelled) or failed with a bare TypeError, and a callback that is not a function failed mid-run.
 */
export function checkHooks(options: { signal?: unknown; onProgress?: unknown; onWarning?: unknown }): void {
  const { signal } = options;
  if (isGiven(signal) && !isAbortSignal(signal)) {
    if (typeof signal === 'object' && isAbortSignal((signal as { signal?: unknown }).signal)) {
      throw new FlipbookError('INVALID_OPTION', text`Expected an AbortSignal for ${opt('signal')} but received its AbortController`, {
        option: 'signal',
        hint: "Pass the controller's signal: { signal: controller.signal }",
      });
    }
    throw invalidOption('signal', 'an AbortSignal', signal);
  }
  for (const name of ['onProgress', 'onWarning'] as const) {
    if (isGiven(options[name]) && typeof options[name] !== 'function') throw invalidOption(name, 'a function', options[name]);
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean' && typeof (value as AbortSignal).addEventListener === 'function';
}

/**
 * An entry point's options: refused when not an object (`null`, which a default parameter does
 * not replace, failed with a TypeError reading it), then its signal and callbacks checked.
 */
export function checkOptionsObject(options: unknown): void {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object of options', options);
  checkHooks(options);
}
