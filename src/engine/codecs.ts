/**
 * The codec table: one recipe per codec flipbook writes, with everything that differs between
 * them (encoder, pixel formats with and without alpha, profile, quality mapping, tag, the
 * hardware encoders that may replace the software one). Adding a codec is adding a recipe.
 */
import {
  FF_ENCODER_LIBSVTAV1,
  FF_ENCODER_LIBVPX_VP9,
  FF_ENCODER_LIBX264,
  FF_ENCODER_LIBX265,
  FF_ENCODER_PRORES_KS,
  type FFEncoderCodec,
} from 'node-av/constants';

export type VideoCodec = 'h264' | 'h265' | 'vp9' | 'av1' | 'prores';
export type Quality = 'low' | 'medium' | 'high' | 'lossless';

export const VIDEO_CODECS: readonly VideoCodec[] = ['h264', 'h265', 'vp9', 'av1', 'prores'];
export const QUALITIES: readonly Quality[] = ['low', 'medium', 'high', 'lossless'];

/** What a recipe needs to choose its settings. */
export interface RecipeInput {
  preset: string;
  /** Constant quality; undefined with a bit rate. */
  crf: number | undefined;
  bitrate: number | undefined;
  quality: Quality | undefined;
  alpha: boolean;
  bFrames: boolean | undefined;
}

export interface CodecRecipe {
  /** FFmpeg's encoder name. @internal engine use only (node-av's type). */
  encoder: FFEncoderCodec;
  /** What a reader reports as the codec (FFmpeg's decoder name). */
  decodedName: string;
  /** The output pixel format without and with alpha (undefined: no alpha in this codec). */
  pixelFormat: string;
  alphaPixelFormat: string | undefined;
  profileName(input: Pick<RecipeInput, 'quality' | 'alpha'> & { crf?: number | undefined }): string;
  /**
   * crf: the default, the range the encoder takes (`whole`: whole numbers only, as libvpx-vp9's
   * and libsvtav1's integer option; x264 and x265 take fractions), and the value of each quality
   * short of lossless.
   */
  crf: { default: number; min: number; max: number; whole: boolean; low: number; medium: number; high: number } | undefined;
  /** Whether `quality: 'lossless'` is lossless for this codec. */
  lossless: boolean;
  /** The four-character code MP4 and MOV store (hvc1: Apple players refuse hev1). */
  tag: string | undefined;
  /** Hardware encoders tried in turn with hwaccel auto, before the software one. */
  hardware: readonly string[];
  options(input: RecipeInput): Record<string, string>;
  /** The largest frame the encoder takes (checked while planning, not when the encoder opens). */
  limits: FrameLimits;
}

/**
 * The largest frame an encoder or a format takes: each side, and for some the area (in
 * 16x16 macroblocks for H.264, in luma samples for H.265), with where the limit comes from.
 */
export interface FrameLimits {
  width: number;
  height: number;
  area?: { unit: 'macroblocks' | 'pixels'; max: number };
  /** Who sets the limit, for the error: "x264", "H.264 level 6.2"... */
  source: string;
}

/** H.264's highest level (6.2) allows 139264 macroblocks a frame (8192x4352); x264 takes sides up to 16384 (its MAX_RESOLUTION). */
const H264_LIMITS: FrameLimits = { width: 16384, height: 16384, area: { unit: 'macroblocks', max: 139_264 }, source: 'x264 (sides up to 16384) and H.264 level 6.2 (139264 macroblocks of 16x16)' };
/** H.265 level 6.2: 35651584 luma samples, each side at most sqrt(8 x that) = 16888. */
const H265_LIMITS: FrameLimits = { width: 16888, height: 16888, area: { unit: 'pixels', max: 35_651_584 }, source: 'H.265 level 6.2 (35651584 pixels, sides up to 16888)' };

/**
 * The largest frame most hardware plays (phones, TVs, hardware decoders): H.264 and H.265 level
 * 5.2, 36864 macroblocks (4096x2304) and 8912896 luma samples. Larger frames need level 6, which
 * x264 and x265 write but many of those players refuse (software decoders, browsers on a
 * desktop, play them).
 */
export const PLAYABLE_LIMITS: Readonly<Partial<Record<VideoCodec, FrameLimits>>> = {
  h264: { width: 16384, height: 16384, area: { unit: 'macroblocks', max: 36_864 }, source: 'H.264 level 5.2' },
  h265: { width: 16888, height: 16888, area: { unit: 'pixels', max: 8_912_896 }, source: 'H.265 level 5.2' },
};

/** The limits of the animated formats: GIF stores sides in 16 bits, WebP in 14; APNG's are FFmpeg's own (see ffmpegFrameFits). */
export const ANIMATION_LIMITS: Readonly<Record<'gif' | 'webp' | 'apng', FrameLimits>> = {
  gif: { width: 65535, height: 65535, source: 'GIF (16-bit sides)' },
  webp: { width: 16383, height: 16383, source: 'WebP (14-bit sides)' },
  apng: { width: 0x7fffffff, height: 0x7fffffff, source: 'PNG' },
};

/** What in a frame size is past the limits, as a clause ("its width 20000 is above 16384"), or undefined when it fits. */
export function frameSizeProblem(limits: FrameLimits, width: number, height: number): string | undefined {
  if (width > limits.width) return `its width ${width} is above ${limits.width}`;
  if (height > limits.height) return `its height ${height} is above ${limits.height}`;
  if (limits.area) {
    const area = limits.area.unit === 'macroblocks' ? Math.ceil(width / 16) * Math.ceil(height / 16) : width * height;
    if (area > limits.area.max) return `it has ${area} ${limits.area.unit}, above ${limits.area.max}`;
  }
  return undefined;
}

/**
 * FFmpeg's own cap on a picture, for every decoder and encoder (libavutil's
 * av_image_check_size2, called by each decoder as it sets its size and by avcodec_open2 with the
 * width aligned to 64): a plane of 8 bytes a pixel with a 128-pixel border must stay under
 * 2^31 bytes, that is (8 x width + 1024) x (height + 128) < 2147483647. 16000x16000 passes,
 * 16383x16383 does not; whatever the pixel format, and whatever `limitPixels` says.
 */
export function ffmpegPictureFits(width: number, height: number): boolean {
  const stride = 8 * (Math.ceil(width / 64) * 64) + 1024;
  return width > 0 && height > 0 && stride * (height + 128) < 0x7fffffff;
}

/** The largest square FFmpeg decodes or encodes: 16255x16255. */
export const FFMPEG_LARGEST_SQUARE = 16255;

/** x264/x265 preset names; the other encoders map them to their own speed scale. */
export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow', 'placebo'] as const;

/** libvpx-vp9 speed (cpu-used, 0 best to 5 fastest with deadline=good) per preset. */
const VP9_SPEED = [5, 5, 5, 4, 4, 3, 2, 1, 0, 0];
/** SVT-AV1 preset (0 slowest; v3 maps anything above 10 to 10) per preset; medium 8, a common balance. */
const SVT_PRESET = [10, 10, 10, 9, 8, 8, 6, 4, 2, 1];

function speed(table: readonly number[], preset: string, fallback: number): string {
  const i = (X264_PRESETS as readonly string[]).indexOf(preset);
  return String(i >= 0 ? (table[i] ?? fallback) : fallback);
}

/** The crf a run uses: given, or the quality's, or the codec's default. */
export function crfFor(recipe: CodecRecipe, input: Pick<RecipeInput, 'crf' | 'quality'>): number | undefined {
  if (!recipe.crf) return undefined;
  if (input.crf !== undefined) return input.crf;
  if (input.quality && input.quality !== 'lossless') return recipe.crf[input.quality];
  return recipe.crf.default;
}

export const RECIPES: Readonly<Record<VideoCodec, CodecRecipe>> = {
  h264: {
    encoder: FF_ENCODER_LIBX264,
    decodedName: 'h264',
    pixelFormat: 'yuv420p',
    alphaPixelFormat: undefined,
    // x264 writes lossless only in the High 4:4:4 Predictive profile (few hardware decoders);
    // a crf below 1 is lossless too (x264 truncates it: 0.5 gives the bytes of 0, that is qp 0).
    profileName: ({ quality, crf }) => (quality === 'lossless' || (crf !== undefined && crf < 1) ? 'High 4:4:4 Predictive' : 'High'),
    // x264 takes 0 to 51 in 8 bits, fractions too (above 51 it clamps without a word).
    crf: { default: 23, min: 0, max: 51, whole: false, low: 28, medium: 23, high: 18 },
    lossless: true,
    tag: undefined,
    hardware: ['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_vaapi'],
    limits: H264_LIMITS,
    options: (input) => ({
      preset: input.preset,
      ...(input.quality === 'lossless'
        ? { qp: '0' }
        : {
            // A crf below 1 is lossless, which the High profile refuses ("high profile doesn't
            // support lossless"): the profile is left to x264 there (High 4:4:4 Predictive).
            ...(input.crf !== undefined && input.crf < 1 ? {} : { profile: 'high' }),
            // ultrafast turns off every High tool and x264 then writes Constrained Baseline,
            // whatever the profile asked; the 8x8 transform keeps the stream High.
            '8x8dct': '1',
            ...(input.bitrate ? {} : { crf: String(input.crf ?? 23) }),
          }),
      ...(input.bFrames === false ? { bf: '0' } : {}),
    }),
  },
  h265: {
    encoder: FF_ENCODER_LIBX265,
    decodedName: 'hevc',
    pixelFormat: 'yuv420p',
    alphaPixelFormat: undefined,
    profileName: () => 'Main',
    // x265 takes 0 to 51 in 8 bits, fractions too.
    crf: { default: 28, min: 0, max: 51, whole: false, low: 32, medium: 28, high: 22 },
    lossless: true,
    tag: 'hvc1',
    hardware: ['hevc_nvenc', 'hevc_qsv', 'hevc_amf', 'hevc_vaapi'],
    limits: H265_LIMITS,
    options: (input) => {
      const params = ['log-level=error', input.quality === 'lossless' ? 'lossless=1' : '', input.bFrames === false ? 'bframes=0' : ''].filter(Boolean);
      return {
        preset: input.preset,
        ...(input.quality === 'lossless' || input.bitrate ? {} : { crf: String(input.crf ?? 28) }),
        'x265-params': params.join(':'),
      };
    },
  },
  vp9: {
    encoder: FF_ENCODER_LIBVPX_VP9,
    decodedName: 'vp9',
    pixelFormat: 'yuv420p',
    // libvpx encodes the alpha plane as a second stream; WebM stores it as BlockAdditional
    // with alpha_mode=1, which Chromium and libvpx's decoder read (FFmpeg's own vp9 ignores it).
    alphaPixelFormat: 'yuva420p',
    profileName: () => 'Profile 0',
    crf: { default: 32, min: 0, max: 63, whole: true, low: 40, medium: 32, high: 24 },
    lossless: true,
    tag: undefined,
    hardware: [],
    // libvpx takes sides up to 65536 (VP9 stores them less one in 16 bits); FFmpeg's cap is lower.
    limits: { width: 65536, height: 65536, source: 'libvpx (sides up to 65536)' },
    options: (input) => ({
      deadline: 'good',
      'cpu-used': speed(VP9_SPEED, input.preset, 3),
      'row-mt': '1',
      ...(input.quality === 'lossless' ? { lossless: '1' } : input.bitrate ? {} : { crf: String(input.crf ?? 32), b: '0' }),
    }),
  },
  av1: {
    encoder: FF_ENCODER_LIBSVTAV1,
    decodedName: 'av1',
    pixelFormat: 'yuv420p',
    alphaPixelFormat: undefined,
    profileName: () => 'Main',
    crf: { default: 35, min: 0, max: 63, whole: true, low: 45, medium: 35, high: 27 },
    lossless: true,
    tag: undefined,
    hardware: ['av1_nvenc', 'av1_qsv', 'av1_amf', 'av1_vaapi'],
    // SVT-AV1 refuses a source wider than 16384 or taller than 8704.
    limits: { width: 16384, height: 8704, source: 'SVT-AV1 (16384 wide, 8704 high at most)' },
    options: (input) => ({
      preset: speed(SVT_PRESET, input.preset, 8),
      ...(input.quality === 'lossless' ? { 'svtav1-params': 'lossless=1' } : input.bitrate ? {} : { crf: String(input.crf ?? 35) }),
    }),
  },
  prores: {
    encoder: FF_ENCODER_PRORES_KS,
    decodedName: 'prores',
    // ProRes 4444 carries 4:4:4 10-bit with or without a 16-bit alpha plane; editors take it.
    pixelFormat: 'yuv444p10le',
    alphaPixelFormat: 'yuva444p10le',
    // FFmpeg's names for the two: 4444 and XQ (4444 XQ).
    profileName: ({ quality }) => (quality === 'high' ? 'XQ' : '4444'),
    crf: undefined,
    lossless: false,
    tag: undefined,
    hardware: [],
    // The ProRes frame header stores each side in 16 bits.
    limits: { width: 65535, height: 65535, source: 'ProRes (16-bit sides)' },
    options: (input) => ({
      profile: input.quality === 'high' ? '4444xq' : '4444',
      vendor: 'apl0',
      ...(input.alpha ? { alpha_bits: '16' } : {}),
    }),
  },
};

/** Whether a codec carries alpha in a container. */
export function keepsAlpha(codec: VideoCodec, container: string): boolean {
  if (codec === 'vp9') return container === 'webm' || container === 'matroska';
  if (codec === 'prores') return container === 'mov';
  return false;
}

export function codecProfileName(codec: VideoCodec, input: Pick<RecipeInput, 'quality' | 'alpha'> & { crf?: number | undefined } = { quality: undefined, alpha: false }): string {
  return RECIPES[codec].profileName(input);
}

export function codecPixelFormat(codec: VideoCodec, alpha: boolean): string {
  const recipe = RECIPES[codec];
  return (alpha ? recipe.alphaPixelFormat : undefined) ?? recipe.pixelFormat;
}

/** Every hardware encoder name `hwaccel` accepts. */
export const HARDWARE_ENCODERS: readonly string[] = Object.values(RECIPES).flatMap((r) => r.hardware);

/** The crf a run encodes with: undefined with a bit rate, for lossless and for codecs without crf. */
export function encoderCrf(codec: VideoCodec, input: Pick<RecipeInput, 'crf' | 'quality' | 'bitrate'>): number | undefined {
  if (input.bitrate || input.quality === 'lossless') return undefined;
  return crfFor(RECIPES[codec], input);
}
