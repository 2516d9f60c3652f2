import { type AnimationCodec, VIDEO_CODECS, type VideoCodec, codecPixelFormat, codecProfileName } from '../engine/index.js';
import { FlipbookError, isFlipbookError } from '../errors.js';
import { discoverInputs } from '../inputs/discover.js';
import { type ImageHeader, readImageHeader } from '../inputs/headers.js';
import type { ImageType } from '../inputs/image-types.js';
import { imageMayHaveAlpha } from '../inputs/alpha.js';
import { checkOutput } from '../output/safe-output.js';
import { resolveCodecOptions, settleCodec } from '../options/codec-options.js';
import { type AnimationPlan, planAnimation, resolveAnimationOptions } from '../options/animation-options.js';
import { checkCodec, outputFormatFor } from '../options/output-formats.js';
import { type ResolvedStitchOptions, STITCH_DEFAULTS, type StitchOptions, checkCrf, resolveStitchOptions } from '../options/stitch-options.js';
import { type Size, colorToHex, fractionToNumber } from '../options/values.js';
import { audioCodecFor, resolveAudioOptions } from '../options/audio-options.js';
import { type SlideshowPlan, planSlideshow, resolveSlideshowOptions } from '../options/slideshow-options.js';
import { throwIfAborted } from './abort.js';
import { type AudioPlan, planAudio } from './audio-plan.js';
import { mapConcurrent } from './concurrency.js';
import type { VideoSpec } from './encode-session.js';

export interface PlannedFrame {
  file: string;
  /** 1-based position among the discovered inputs. */
  position: number;
  type: ImageType;
  /** Size as shown (after EXIF orientation). */
  width: number;
  height: number;
  orientation: number;
  /** How long it is shown, in ticks of 1/fps. */
  ticks: number;
  /** Whether it is fitted to another size. */
  fitted: boolean;
}

export interface SkippedFile {
  file: string;
  position: number;
  reason: string;
}

/** What a run will do, before it does it: inspect it, print it (`--dry-run`), or run it. */
export interface StitchPlan extends Omit<VideoSpec, 'codec'> {
  output: string;
  /** The video codec (h264, vp9...), or the animation's (gif, webp, apng). */
  codec: VideoCodec | AnimationCodec;
  profile: string;
  /** yuv420p; yuva420p for VP9 with alpha; yuv(a)444p10le for ProRes 4444. */
  pixelFormat: string;
  /** Whether the video keeps an alpha channel: the codec carries one, `alpha` is not `flatten`, and an input has transparency. */
  alpha: boolean;
  /** Total seconds. */
  duration: number;
  frames: PlannedFrame[];
  /** How many frames are fitted to the frame size. */
  fitted: number;
  /** Set when an odd size is padded to even. */
  padded: { from: Size; to: Size } | undefined;
  skipped: SkippedFile[];
  warnings: string[];
  /** Transitions and fades between the images, in frames (undefined: plain cuts). */
  slideshow: SlideshowPlan | undefined;
  /** The music muxed beside the video (`audio`), with the fit settled. */
  audio: AudioPlan | undefined;
  /** An animated image (GIF, WebP, APNG): its settings and size; undefined for a video. */
  animation: AnimationPlan | undefined;
  /** @internal */
  options: ResolvedStitchOptions;
}

/** Concurrent header reads: enough to hide disk latency, few enough to keep file handles low. */
const HEADER_CONCURRENCY = 16;

/**
 * Everything up to the first encoded frame: validates the options, finds the inputs, reads
 * every header (type, size, orientation), checks the pixel limit and the output path, and
 * settles the frame size, the timing and the codec. Nothing is written.
 */
export async function planStitch(inputs: string | readonly string[], output: string, options: StitchOptions = {}): Promise<StitchPlan> {
  const opts = resolveStitchOptions(options);
  const audioOptions = resolveAudioOptions(options);
  const slideshowOptions = resolveSlideshowOptions(options);
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const warnings: string[] = [];
  if (typeof output !== 'string' || output === '') {
    throw new FlipbookError('INVALID_OPTION', 'No output file was given', { option: 'output', hint: 'Pass an output such as movie.mp4 (-o movie.mp4)' });
  }
  const format = outputFormatFor(output);
  // An animated image refuses video options (crf for a GIF) and takes its own.
  const animationSettings = resolveAnimationOptions(format, options, STITCH_DEFAULTS.preset);
  const codec = opts.codec ?? format.codecs[0] ?? 'h264';
  if (!animationSettings) {
    checkCodec(format, codec);
    checkCrf(opts.crf, codec, options.crf);
  }
  const codecChoice = settleCodec(codec, format, { ...resolveCodecOptions(options), crf: opts.crf, bitrate: opts.bitrate }, { crf: options.crf });
  // Before any file is read: a GIF or an image output refuses music outright.
  if (audioOptions) audioCodecFor(format);

  const discovered = await discoverInputs(typeof inputs === 'string' ? [inputs] : inputs, { sort: opts.sort, startNumber: opts.startNumber });
  discovered.notices.forEach(warn);
  await checkOutput(output, { overwrite: opts.overwrite, inputs: discovered.files });

  const headerCache = new Map<string, Promise<ImageHeader>>();
  const results = await mapConcurrent(discovered.files, HEADER_CONCURRENCY, async (file, i) => {
    // Header reads are synchronous (cheaper than the thread pool for a few kB): let signals
    // and timers in between batches.
    if (i % 256 === 255) await new Promise<void>((resolve) => setImmediate(resolve));
    throwIfAborted(options.signal);
    let header = headerCache.get(file);
    if (!header) {
      header = readImageHeader(file);
      header.catch(() => undefined);
      headerCache.set(file, header);
    }
    try {
      return { header: await header, position: i + 1 };
    } catch (error) {
      if (!isFlipbookError(error)) throw error;
      // Name the position of this occurrence, not the first.
      const message = error.message.replace(error.hint ? `. ${error.hint}` : '', '').replace(file, `${file} (input ${i + 1})`);
      const located = new FlipbookError(error.code, message, { file, position: i + 1, ...(error.hint ? { hint: error.hint } : {}), cause: error.cause });
      return { error: located, position: i + 1, file };
    }
  });

  const skipped: SkippedFile[] = [];
  const valid: { header: ImageHeader; position: number }[] = [];
  for (const r of results) {
    if ('error' in r && r.error) {
      if (!opts.skipInvalid) throw r.error;
      skipped.push({ file: r.file, position: r.position, reason: r.error.message });
      warn(`Skipped an invalid input: ${withoutHint(r.error)}`);
      continue;
    }
    if ('header' in r && r.header) {
      const { header } = r;
      if (header.width * header.height > opts.limitPixels) {
        throw new FlipbookError('PIXEL_LIMIT', `${header.path} (input ${r.position}) declares ${header.width}x${header.height} = ${header.width * header.height} pixels, above the limit of ${opts.limitPixels}`, {
          file: header.path,
          position: r.position,
          option: 'limitPixels',
          hint: 'Pass a larger --limit-pixels (or 0 for none) if you trust this file',
        });
      }
      valid.push(r);
    }
  }
  const first = valid[0];
  if (!first) {
    throw new FlipbookError('NO_INPUT', `None of the ${discovered.files.length} inputs is a readable image`, { hint: 'See the warnings above for each file' });
  }

  const fitSize = frameSize(opts, first.header);
  // Animated images need no even sizes (no 4:2:0).
  const even = animationSettings ? fitSize : { width: fitSize.width + (fitSize.width % 2), height: fitSize.height + (fitSize.height % 2) };
  const padded = even.width !== fitSize.width || even.height !== fitSize.height ? { from: fitSize, to: even } : undefined;

  const ticksEach = opts.duration === undefined ? 1 : Math.round(opts.duration * fractionToNumber(opts.fps));
  if (ticksEach < 1) {
    throw new FlipbookError('INVALID_OPTION', `A duration of ${opts.duration}s is shorter than one frame at ${fractionToNumber(opts.fps)} fps`, {
      option: 'duration',
      hint: 'Give a longer duration or a higher --fps',
    });
  }

  const fpsValue = fractionToNumber(opts.fps);
  const listed = (position: number): number | undefined => {
    const seconds = discovered.durations[position - 1];
    return seconds === undefined ? undefined : Math.max(1, Math.round(seconds * fpsValue));
  };
  const frames: PlannedFrame[] = valid.map(({ header, position }) => ({
    file: header.path,
    position,
    type: header.type,
    width: header.displayWidth,
    height: header.displayHeight,
    orientation: header.orientation,
    ticks: listed(position) ?? ticksEach,
    fitted: header.displayWidth !== fitSize.width || header.displayHeight !== fitSize.height,
  }));
  const fitted = frames.filter((f) => f.fitted).length;
  if (fitted && opts.fit === 'error') {
    const odd = frames.find((f) => f.fitted);
    throw new FlipbookError('SIZE_MISMATCH', `${odd?.file} (input ${odd?.position}) is ${odd?.width}x${odd?.height}, not ${fitSize.width}x${fitSize.height} like the video; ${fitted} of ${frames.length} images differ`, {
      option: 'fit',
      ...(odd ? { file: odd.file, position: odd.position } : {}),
      hint: 'Pass --fit contain, cover or fill to fit them, or --size to choose the size',
    });
  }
  if (fitted) warn(`Fitted ${fitted} of ${frames.length} images to ${fitSize.width}x${fitSize.height} (--fit ${opts.fit})`);
  if (padded) warn(`Padded ${fitSize.width}x${fitSize.height} to ${even.width}x${even.height}: yuv420p needs even dimensions`);

  // Alpha is kept or flattened once, for the whole video: kept when any input has transparency.
  let alpha = false;
  if (codecChoice.alphaPossible) {
    for (const { header } of valid) if ((alpha = await imageMayHaveAlpha(header.path, header.type))) break;
  }

  const lastFrame = frames[frames.length - 1];
  if (lastFrame) lastFrame.ticks += Math.round(slideshowOptions.holdLast * fpsValue);
  const slideshow = planSlideshow(slideshowOptions, fpsValue, frames.map((f) => f.ticks));
  let totalTicks = frames.reduce((sum, f) => sum + f.ticks, 0);
  let audio: AudioPlan | undefined;
  if (audioOptions) {
    const planned = await planAudio(audioOptions, format, totalTicks / fractionToNumber(opts.fps));
    audio = planned.audio;
    const last = frames[frames.length - 1];
    const extra = Math.ceil(planned.extendBy * fractionToNumber(opts.fps) - 1e-9);
    if (last && extra > 0) {
      last.ticks += extra;
      totalTicks += extra;
      warn(`Held the last image ${(extra / fractionToNumber(opts.fps)).toFixed(2)} s longer, until the audio ends (--audio-fit extend)`);
    }
  }
  const animation = animationSettings ? planAnimation(animationSettings, fitSize, Boolean(opts.size ?? opts.width ?? opts.height), warn) : undefined;
  return {
    output,
    format,
    codec: animation ? animation.codec : codec,
    profile: animation ? '' : codecProfileName(codec, { quality: codecChoice.quality, alpha }),
    pixelFormat: animation ? animation.pixelFormat : codecPixelFormat(codec, alpha),
    alpha,
    width: even.width,
    height: even.height,
    fitSize,
    fit: opts.fit,
    background: colorToHex(opts.background),
    fps: opts.fps,
    duration: totalTicks / fractionToNumber(opts.fps),
    frames,
    fitted,
    padded,
    skipped,
    warnings,
    audio,
    slideshow,
    animation,
    // Pictures of unequal durations (a list file, --audio-fit extend): no B-frames (see VideoEncoder).
    encoder: { crf: codecChoice.crf, preset: opts.preset, bitrate: opts.bitrate, quality: codecChoice.quality, hwaccel: codecChoice.hwaccel, ...(frames.some((f) => f.ticks !== frames[0]?.ticks) ? { bFrames: false } : {}) },
    options: opts,
  };
}

/** The video codec of a plan that writes a video (not an animated image). */
export function videoCodecOf(plan: Pick<StitchPlan, 'codec' | 'output'>): VideoCodec {
  const codec = plan.codec;
  if (!(VIDEO_CODECS as readonly string[]).includes(codec)) throw new FlipbookError('ENGINE', `${plan.output} is an animated image (${codec}), not a video`);
  return codec as VideoCodec;
}

/** The fit size: `size`, or `width`/`height` with the first image's aspect ratio, or the first image's. */
function frameSize(opts: ResolvedStitchOptions, first: ImageHeader): Size {
  if (opts.size) return opts.size;
  const w = first.displayWidth;
  const h = first.displayHeight;
  if (opts.width && opts.height) return { width: opts.width, height: opts.height };
  if (opts.width) return { width: opts.width, height: Math.max(2, Math.round((opts.width * h) / w)) };
  if (opts.height) return { width: Math.max(2, Math.round((opts.height * w) / h)), height: opts.height };
  return { width: w, height: h };
}

/** An error's message without its hint ("do this to fix it"), for a warning that it was skipped. */
export function withoutHint(error: FlipbookError): string {
  return error.hint ? error.message.replace(`. ${error.hint}`, '') : error.message;
}
