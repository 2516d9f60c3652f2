/**
 * Limits said up front: the sizes FFmpeg and each encoder refuse, checked from the headers
 * while planning, so a run fails before decoding anything, with an error naming the image.
 */
import { ANIMATION_LIMITS, FFMPEG_LARGEST_SQUARE, RECIPES, type AnimationCodec, type VideoCodec, ffmpegPictureFits, frameSizeProblem } from '../engine/index.js';
import { FlipbookError, opt, text } from '../errors.js';
import type { Size } from '../options/values.js';

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
