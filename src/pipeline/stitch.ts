import { readFile, stat } from 'node:fs/promises';

import { Normaliser, type Picture, VideoEncoder, decodeImage } from '../engine/index.js';
import { FlipbookError, isFlipbookError } from '../errors.js';
import { SafeOutput } from '../output/safe-output.js';
import type { StitchOptions } from '../options/stitch-options.js';
import { type Fraction, fractionToNumber } from '../options/values.js';
import { throwIfAborted } from './abort.js';
import { orderedAhead } from './concurrency.js';
import { type PlannedFrame, type SkippedFile, type StitchPlan, planStitch, withoutHint } from './plan.js';
import { ProgressClock } from './progress.js';

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
}

/** Images decoded ahead of the encoder: enough to keep both cores busy, few enough to stay small. */
const DECODE_AHEAD = 3;

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

type Decoded = { frame: PlannedFrame; picture: Picture } | { frame: PlannedFrame; error: FlipbookError };

/** Runs a plan made by planStitch. */
export async function runStitch(plan: StitchPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'> = {}): Promise<StitchResult> {
  const { signal } = options;
  throwIfAborted(signal);
  const skipped = [...plan.skipped];
  const warnings = [...plan.warnings];
  const out = await SafeOutput.create(plan.output, { overwrite: plan.options.overwrite, inputs: plan.frames.map((f) => f.file) });
  let encoder: VideoEncoder | undefined;
  const normaliser = new Normaliser({
    fitWidth: plan.fitSize.width,
    fitHeight: plan.fitSize.height,
    width: plan.width,
    height: plan.height,
    fit: plan.fit,
    background: plan.background,
    pixelFormat: plan.pixelFormat,
    flattenAlpha: true,
  });
  try {
    encoder = await VideoEncoder.open({
      file: out.temporary,
      container: plan.format.container,
      codec: plan.codec,
      width: plan.width,
      height: plan.height,
      timeBase: { num: plan.fps.den, den: plan.fps.num },
      frameRate: plan.fps,
      crf: plan.encoder.crf,
      preset: plan.encoder.preset,
      bitrate: plan.encoder.bitrate,
      faststart: plan.format.faststart,
    });
    const clock = new ProgressClock(plan.frames.length);
    const decoded = orderedAhead<PlannedFrame, Decoded>(plan.frames, DECODE_AHEAD, decodeFrame, (d) => {
      if ('picture' in d) d.picture.release();
    });
    let pts = 0;
    let frames = 0;
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
      const picture = await normaliser.process(item.picture, item.frame.orientation);
      try {
        await encoder.write(picture, pts, item.frame.ticks);
      } finally {
        picture.release();
      }
      pts += item.frame.ticks;
      frames++;
      options.onProgress?.(clock.tick());
    }
    throwIfAborted(signal);
    if (frames === 0) throw new FlipbookError('NO_INPUT', 'No image could be decoded, so there is no video to write', { hint: 'See the warnings for each file' });
    await encoder.finish();
    await out.commit();
    const { size } = await stat(plan.output);
    return {
      output: plan.output,
      frames,
      width: plan.width,
      height: plan.height,
      fps: plan.fps,
      duration: pts / fractionToNumber(plan.fps),
      codec: plan.codec,
      profile: plan.profile,
      pixelFormat: plan.pixelFormat,
      bytes: size,
      fitted: plan.fitted,
      skipped,
      warnings,
    };
  } catch (error) {
    await encoder?.close();
    await out.discard();
    throw error;
  } finally {
    normaliser.close();
  }
}

async function decodeFrame(frame: PlannedFrame): Promise<Decoded> {
  try {
    const bytes = await readFile(frame.file).catch((cause: NodeJS.ErrnoException) => {
      throw new FlipbookError('INVALID_INPUT', `Cannot read ${frame.file} (input ${frame.position}): ${cause.code ?? String(cause)}`, { file: frame.file, position: frame.position, cause });
    });
    return { frame, picture: await decodeImage(bytes, frame.type, frame.file, frame.position) };
  } catch (error) {
    if (isFlipbookError(error)) return { frame, error };
    throw error;
  }
}
