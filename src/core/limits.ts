/**
 * Limits said up front: the sizes FFmpeg and each encoder refuse, checked from the headers
 * while planning, so a run fails before decoding anything, with an error naming the image.
 */
import { ANIMATION_LIMITS, FFMPEG_LARGEST_SQUARE, PLAYABLE_LIMITS, RECIPES, type AnimationCodec, type VideoCodec, ffmpegPictureFits, frameSizeProblem } from '../engine/index.js';
import { FlipbookError, type Text, opt, text } from '../errors.js';
import type { Size } from '../options/values.js';
import { formatBytes } from '../util/format.js';

/** The image a frame size came from: stitch's first image, the writer's first frame. */
export interface SizeSource {
  /** How the error names it: a path, or "Frame 1". */
  label: string;
  file?: string | undefined;
  position?: number | undefined;
}

function where(source: SizeSource): { file?: string; position?: number } {
  return { ...(source.file === undefined ? {} : { file: source.file }), ...(source.position === undefined ? {} : { position: source.position }) };
}

/**
 * Refuses an image FFmpeg cannot decode because of its size alone (its cap is below the
 * default `limitPixels`: 16383x16383 is refused, 16000x16000 is not).
 */
export function checkDecodable(width: number, height: number, source: SizeSource): void {
  if (ffmpegPictureFits(width, height)) return;
  throw new FlipbookError(
    'PIXEL_LIMIT',
    `${source.label}${source.position === undefined ? '' : ` (input ${source.position})`} is ${width}x${height}, too large for FFmpeg to decode: it refuses pictures where (8 x width + 1024) x (height + 128) reaches 2^31 bytes (a square up to ${FFMPEG_LARGEST_SQUARE}x${FFMPEG_LARGEST_SQUARE})`,
    { ...where(source), hint: 'Scale the image down with another tool first' },
  );
}

/**
 * Refuses a frame size the output's encoder (or animated format) does not take, or that
 * FFmpeg does not open an encoder at. `source` is the image that set the size; undefined when
 * the size was asked (`size`, `width`, `height`).
 */
export function checkFrameSize(codec: VideoCodec | AnimationCodec, frame: Size, source: SizeSource | undefined): void {
  const limits = codec in RECIPES ? RECIPES[codec as VideoCodec].limits : ANIMATION_LIMITS[codec as AnimationCodec];
  let problem = frameSizeProblem(limits, frame.width, frame.height);
  let by = limits.source;
  if (!problem && !ffmpegPictureFits(frame.width, frame.height)) {
    problem = `(8 x width + 1024) x (height + 128) reaches 2^31 bytes`;
    by = `FFmpeg (a square up to ${FFMPEG_LARGEST_SQUARE}x${FFMPEG_LARGEST_SQUARE})`;
  }
  if (!problem) return;
  const from = source ? ` (the size of ${source.label}${source.position === undefined ? '' : `, input ${source.position}`})` : '';
  throw new FlipbookError('UNSUPPORTED_OUTPUT', `The frame, ${frame.width}x${frame.height}${from}, is too large for ${codec}: ${problem} (the limit of ${by})`, {
    ...(source ? where(source) : {}),
    option: 'size',
    hint: text`Pass a smaller ${opt('size')} or ${opt('width')} to fit the pictures to it`,
  });
}

/**
 * A warning when a video's frame is past what most hardware plays (PLAYABLE_LIMITS: H.264 or
 * H.265 level 5.2; a 12-megapixel photo's 4000x3000 needs level 6), with the widest `width` at
 * the same aspect ratio that stays within it; undefined when it plays everywhere.
 */
export function playabilityWarning(codec: VideoCodec, frame: Size, aspect: Size = frame): Text | undefined {
  const limits = PLAYABLE_LIMITS[codec];
  if (!limits || !frameSizeProblem(limits, frame.width, frame.height)) return undefined;
  // The height `width` gives at the pictures' aspect ratio (fitSizeFor): an even one, so that
  // nothing is padded either.
  const heightAt = (w: number): number => Math.max(2, Math.round((w * aspect.height) / aspect.width));
  let width = frame.width - (frame.width % 2);
  while (width > 2 && (heightAt(width) % 2 === 1 || frameSizeProblem(limits, width, heightAt(width)))) width -= 2;
  return text`${frame.width}x${frame.height} needs ${codec === 'h264' ? 'H.264' : 'H.265'} level 6: many phones, TVs and hardware players stop at ${limits.source} (${codec === 'h264' ? '4096x2304' : '8.9 million pixels'}); ${opt('width', width)} (${width}x${heightAt(width)}) plays everywhere`;
}

/** Bytes decoding takes per pixel of an image: the decoded RGBA picture and its converted, fitted copies (a 16000x16000 RGBA PNG measured 3.15 GB). */
export const DECODE_BYTES_PER_PIXEL = 12;

/** The memory decoding `images` takes with `inFlight` of them decoded at once: the largest ones together. */
export function estimateDecodeBytes(images: readonly Size[], inFlight: number): number {
  const largest = images.map((s) => s.width * s.height).sort((a, b) => b - a).slice(0, Math.max(1, inFlight));
  return largest.reduce((sum, px) => sum + px * DECODE_BYTES_PER_PIXEL, 0);
}

/**
 * Refuses a run whose decoding would take more than `memoryLimit`, estimated from the headers
 * before anything is decoded. `largest` names the largest image.
 */
export function checkMemory(images: readonly Size[], inFlight: number, memoryLimit: number, largest: SizeSource): void {
  const bytes = estimateDecodeBytes(images, inFlight);
  if (bytes <= memoryLimit) return;
  const many = Math.min(images.length, Math.max(1, inFlight));
  throw new FlipbookError(
    'PIXEL_LIMIT',
    text`Decoding would take about ${formatBytes(bytes)} (${DECODE_BYTES_PER_PIXEL} bytes a pixel of ${many === 1 ? 'the image' : `the ${many} largest images, decoded at once`}; the largest is ${largest.label}), more than ${opt('memoryLimit')} of ${formatBytes(memoryLimit)}`,
    { ...where(largest), option: 'memoryLimit', hint: text`Scale the images down first, or raise ${opt('memoryLimit')} (0 for none) if the machine has the memory` },
  );
}
