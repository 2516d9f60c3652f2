import { ImageDecoders } from '../engine/index.js';
import { FlipbookError } from '../errors.js';
import type { StitchOptions } from '../options/stitch-options.js';
import type { Fraction } from '../options/values.js';
import { throwIfAborted } from './abort.js';
import { decodeAhead } from './decode-ahead.js';
import { type AnimationResult, runAnimationStitch } from './animation-stitch.js';
import { EncodeSession } from './encode-session.js';
import { Slideshow } from './slideshow.js';
import { type SkippedFile, type StitchPlan, planStitch, videoCodecOf, withoutHint } from './plan.js';
import { ProgressClock } from './progress.js';
import { ReadBuffers } from './read-buffers.js';

export interface StitchResult {
  output: string;
  frames: number;
  width: number;
  height: number;
  fps: Fraction;
  /** Seconds. */
  duration: number;
  codec: string;
  profile: string;
  pixelFormat: string;
  bytes: number;
  /** How many frames were fitted to the frame size. */
  fitted: number;
  skipped: SkippedFile[];
  warnings: string[];
  /** GIF, WebP, APNG: the palette size, loop count and what a size search chose. */
  animation?: AnimationResult;
  /** Stitch with transitions: images decoded, each still once a pass whatever its transitions (a GIF takes two passes). */
  decoded?: number;
  /** With transitions or fades (stitch and the frame writer): frames they made, counted in `frames`. */
  transitionFrames?: number;
  /** The music written beside the video: its codec and seconds. */
  audio?: { file: string; codec: string; duration: number; sampleRate: number; channels: number };
}

/**
 * Stitches images into a video: `stitch('frames/*.png', 'movie.mp4')`.
 * Plans first (reads every header, refuses bad input before encoding), then streams
 * decode -> normalise -> encode -> mux with a small bounded queue, into a temporary file
 * that is renamed into place only when complete.
 */
export async function stitch(inputs: string | readonly string[], output: string, options: StitchOptions = {}): Promise<StitchResult> {
  throwIfAborted(options.signal);
  const plan = await planStitch(inputs, output, options);
  return runStitch(plan, options);
}

/** Runs a plan made by planStitch. */
export async function runStitch(plan: StitchPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'> = {}): Promise<StitchResult> {
  const { signal } = options;
  throwIfAborted(signal);
  if (plan.animation) return runAnimationStitch(plan, plan.animation, options);
  const skipped = [...plan.skipped];
  const warnings = [...plan.warnings];
  const session = await EncodeSession.open({
    ...plan,
    codec: videoCodecOf(plan),
    overwrite: plan.options.overwrite,
    inputs: [...plan.frames.map((f) => f.file), ...(plan.audio ? [plan.audio.file] : [])],
    ticksPerFrame: 1,
  });
  for (const notice of session.notices) {
    warnings.push(notice);
    options.onWarning?.(notice);
  }
  // Reused from image to image: no file buffer and no decoder is made and dropped for each.
  const decoders = new ImageDecoders();
  const buffers = new ReadBuffers();
  const slideshow = plan.slideshow ? new Slideshow(session, plan.slideshow) : undefined;
  let decodedImages = 0;
  try {
    const clock = new ProgressClock(plan.frames.length);
    const decoded = decodeAhead(plan.frames, decoders, buffers);
    for await (const item of decoded) {
      throwIfAborted(signal);
      if ('error' in item) {
        if (!plan.options.skipInvalid) throw item.error;
        skipped.push({ file: item.frame.file, position: item.frame.position, reason: item.error.message });
        const message = `Skipped an invalid input: ${withoutHint(item.error)}`;
        warnings.push(message);
        options.onWarning?.(message);
        clock.shrinkTotal();
        continue;
      }
      decodedImages++;
      if (slideshow) await slideshow.add(item.picture, item.frame.orientation, item.frame.ticks);
      else await session.add(item.picture, item.frame.orientation, item.frame.ticks);
      options.onProgress?.(clock.tick());
    }
    throwIfAborted(signal);
    if (session.frameCount === 0) throw new FlipbookError('NO_INPUT', 'No image could be decoded, so there is no video to write', { hint: 'See the warnings for each file' });
    await slideshow?.finish();
    const written = await session.finish();
    return {
      output: plan.output,
      frames: written.frames,
      ...(slideshow ? { decoded: decodedImages, transitionFrames: slideshow.transitionFrames } : {}),
      width: plan.width,
      height: plan.height,
      fps: plan.fps,
      duration: written.duration,
      codec: plan.codec,
      profile: plan.profile,
      pixelFormat: plan.pixelFormat,
      bytes: written.bytes,
      fitted: plan.fitted,
      skipped: skipped.sort((a, b) => a.position - b.position),
      warnings,
      ...(written.audio && plan.audio ? { audio: { file: plan.audio.file, ...written.audio } } : {}),
    };
  } catch (error) {
    slideshow?.release();
    await session.abort();
    throw error;
  } finally {
    decoders.close();
  }
}
