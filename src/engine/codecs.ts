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
  profileName(input: Pick<RecipeInput, 'quality' | 'alpha'>): string;
  /** crf: the default, the valid range, and the value of each quality short of lossless. */
  crf: { default: number; min: number; max: number; low: number; medium: number; high: number } | undefined;
  /** Whether `quality: 'lossless'` is lossless for this codec. */
  lossless: boolean;
  /** The four-character code MP4 and MOV store (hvc1: Apple players refuse hev1). */
  tag: string | undefined;
  /** Hardware encoders tried in turn with hwaccel auto, before the software one. */
  hardware: readonly string[];
  options(input: RecipeInput): Record<string, string>;
}

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
    // x264 writes lossless only in the High 4:4:4 Predictive profile (few hardware decoders).
    profileName: ({ quality }) => (quality === 'lossless' ? 'High 4:4:4 Predictive' : 'High'),
    crf: { default: 23, min: 1, max: 51, low: 28, medium: 23, high: 18 },
    lossless: true,
    tag: undefined,
    hardware: ['h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_vaapi'],
    options: (input) => ({
      preset: input.preset,
      ...(input.quality === 'lossless'
        ? { qp: '0' }
        : {
            profile: 'high',
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
    crf: { default: 28, min: 0, max: 51, low: 32, medium: 28, high: 22 },
    lossless: true,
    tag: 'hvc1',
    hardware: ['hevc_nvenc', 'hevc_qsv', 'hevc_amf', 'hevc_vaapi'],
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
    crf: { default: 32, min: 0, max: 63, low: 40, medium: 32, high: 24 },
    lossless: true,
    tag: undefined,
    hardware: [],
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
    crf: { default: 35, min: 0, max: 63, low: 45, medium: 35, high: 27 },
    lossless: true,
    tag: undefined,
    hardware: ['av1_nvenc', 'av1_qsv', 'av1_amf', 'av1_vaapi'],
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

export function codecProfileName(codec: VideoCodec, input: Pick<RecipeInput, 'quality' | 'alpha'> = { quality: undefined, alpha: false }): string {
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
