import { resolve } from 'node:path';

import { ImageDecoders } from '../engine/index.js';
import { musicWarnings } from '../core/audio-plan.js';
import { Output, type OutputResult, type SkippedFile } from '../core/output.js';
import type { StitchOptions } from '../options/output-options.js';
import { STITCH_WORDS } from '../options/slideshow-options.js';
import { checkOptionsObject } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { decodeAhead } from './decode-ahead.js';
import { type StitchPlan, anyMayHaveAlpha, planStitch, skippedWarning } from './plan.js';
import { ReadBuffers } from './read-buffers.js';
import { renderText, text } from '../errors.js';
import { runSegmented, segmentsRefused, worthSegments } from '../segments/run.js';
import { gifSegmentedResult, runSegmentedGif } from '../segments/gif-run.js';
import { codecProfileName, codecPixelFormat } from '../engine/index.js';


/**
 * Stitches images into a video: `stitch('frames/*.png', 'movie.mp4')`.
 * Plans first (reads every header, refuses bad input before encoding), then decodes the images
 * two ahead and hands them to the output core, which normalises, encodes and muxes into a
 * temporary file that is renamed into place only when complete.
 */
export async function stitch(inputs: string | readonly string[], output: string, options: StitchOptions = {}): Promise<OutputResult> {
  checkOptionsObject(options);
  throwIfAborted(options.signal);
  const plan = await planStitch(inputs, output, options, { running: true });
  return runStitch(plan, options);
}

/** Runs a plan made by planStitch: stitch's images, decoded, are the output core's pictures. */
export async function runStitch(plan: StitchPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'> = {}): Promise<OutputResult> {
  checkOptionsObject(options);
  const { signal } = options;
  throwIfAborted(signal);
  // An animation's transparency comes from its pictures (plan.alpha is the video's alpha
  // channel): it decides how it letterboxes (AnimationSpoolSpec.transparency), and whether a GIF
  // can be cut.
  const transparency = plan.layout.animation ? plan.options.alphaPossible && (await anyMayHaveAlpha(plan.images)) : plan.alpha;
  if ((plan.options.jobs > 1 || plan.options.queue) && worthSegments(plan.options, plan.frameCount)) {
    const refused = segmentsRefused(plan.options, { alpha: transparency });
    if (!refused) return plan.layout.animation ? runStitchGif(plan, options) : runStitchSegmented(plan, options);
    const said = renderText(refused);
    plan = { ...plan, warnings: [...plan.warnings, said] };
    options.onWarning?.(said, refused);
  }
  const skipped: SkippedFile[] = [...plan.skipped];
  const output = await Output.open(
    {
      options: plan.options,
      layout: plan.layout,
      transparency,
      ticksPerFrame: 1,
      inputs: [...plan.images.map((f) => f.file), ...(plan.audio ? [plan.audio.file] : [])],
      audio: plan.audio ? { ...plan.audio, end: undefined } : undefined,
      expected: plan.images.length,
      words: STITCH_WORDS,
      warnings: plan.warnings,
    },
    options,
  );
  // Reused from image to image: no file buffer and no decoder is made and dropped for each.
  const decoders = new ImageDecoders();
  const buffers = new ReadBuffers();
  let decoded = 0;
  let unfitted = 0;
  try {
    for await (const item of decodeAhead(plan.images, decoders, buffers)) {
      throwIfAborted(signal);
      if ('error' in item) {
        if (!plan.options.skipInvalid) throw item.error;
        skipped.push({ file: item.frame.file, position: item.frame.position, reason: item.error.fact });
        output.warn(skippedWarning(item.error));
        output.skip();
        // Fitted by the plan (from its header), but not in the video: not counted as fitted.
        if (item.frame.fitted) unfitted++;
        continue;
      }
      decoded++;
      await output.add(item.picture, item.frame.orientation, item.frame.ticks);
    }
    throwIfAborted(signal);
    return await output.finish({ fitted: plan.fitted - unfitted, skipped, decoded });
  } catch (error) {
    await output.abort();
    throw error;
  } finally {
    decoders.close();
  }
}

/** A stitch in segments on `jobs` worker processes (src/segments/), joined by stream copy. */
async function runStitchSegmented(plan: StitchPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'>): Promise<OutputResult> {
  const warnings = [...plan.warnings];
  const audio = plan.audio ? { ...plan.audio, end: undefined } : undefined;
  const written = await runSegmented(
    {
      options: plan.options,
      inputs: [...plan.images.map((f) => f.file), ...(plan.audio ? [plan.audio.file] : [])],
      frames: plan.frameCount,
      audio,
      // On a queue, the files the plan found (a worker checks each path it reads; it expands no
      // pattern): the same images, so the same plan.
      source: plan.options.queue
        ? { kind: 'stitch', inputs: plan.images.map((f) => resolve(f.file)), options: plan.request.options }
        : { kind: 'stitch', inputs: plan.request.inputs, options: plan.request.options, headers: plan.headers },
    },
    options,
  );
  const skipped = [...plan.skipped, ...written.skipped].sort((a, b) => a.position - b.position);
  for (const s of written.skipped) {
    const said = renderText(text`Skipped an invalid input: ${s.reason}`);
    warnings.push(said);
    options.onWarning?.(said, said);
  }
  for (const warning of plan.audio ? musicWarnings(plan.audio, written.audio, written.duration) : []) {
    const said = renderText(warning);
    warnings.push(said);
    options.onWarning?.(said, warning);
  }
  const { options: opts } = plan;
  return {
    output: plan.output,
    frames: written.frames,
    width: plan.width,
    height: plan.height,
    fps: plan.fps,
    duration: written.duration,
    codec: opts.codec,
    profile: codecProfileName(opts.codec, { quality: opts.encoder.quality, alpha: false, crf: opts.encoder.crf }),
    pixelFormat: codecPixelFormat(opts.codec, false),
    bytes: written.bytes,
    fitted: plan.fitted,
    skipped,
    warnings,
    ...(written.audio && plan.audio ? { audio: { file: plan.audio.file, ...written.audio } } : {}),
  };
}

/** A GIF stitched in segments on `jobs` worker processes (src/segments/gif-run.ts). */
async function runStitchGif(plan: StitchPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'>): Promise<OutputResult> {
  const animation = plan.layout.animation!;
  const written = await runSegmentedGif(
    {
      options: plan.options,
      plan: animation,
      inputs: plan.images.map((f) => f.file),
      pictures: plan.images.length,
      source: { kind: 'stitch', inputs: plan.request.inputs, options: plan.request.options, headers: plan.headers },
    },
    options,
  );
  const warnings = [...plan.warnings];
  for (const message of written.warnings) {
    const said = renderText(message);
    warnings.push(said);
    options.onWarning?.(said, message);
  }
  return gifSegmentedResult(plan.output, animation, written, { fitted: plan.fitted, skipped: [...plan.skipped], warnings });
}
