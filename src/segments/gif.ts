/**
 * A GIF in segments, a worker's part (the coordinator's is gif-run.ts). A GIF's palette needs
 * the colours of every frame before the first frame is written, so a segment is rendered in two
 * tasks:
 *
 * 1. `count`: the segment's pictures are made (stitch decodes its images, animate draws its
 *    frames), normalised to the animation's size as in one piece, their colours counted (the
 *    sampling checkerboard turned by each picture's place in the whole animation, as in one
 *    piece) and spooled raw beside the output. The counts go to `<file>.hist`.
 * 2. `map`: with the palette cut once from every segment's counts, the spooled pictures are
 *    mapped and written as the GIF's image blocks (no header, no trailer), the writer primed
 *    with the last frame written before the segment, so frame differences continue across the
 *    cut.
 */
import { readFile, stat, writeFile } from 'node:fs/promises';

import { AnimationEncoder, ImageDecoders, Palette, type Picture, readRawPictures } from '../engine/index.js';
import { AnimationSpool, type SpooledSegment } from '../core/animation-spool.js';
import { FlipbookError } from '../errors.js';
import type { FrameLayout } from '../core/layout.js';
import { type ResolvedOutput, type StitchOptions } from '../options/output-options.js';
import { decodeAhead } from '../stitch/decode-ahead.js';
import { type StitchPlan, planStitch } from '../stitch/plan.js';
import { ReadBuffers } from '../stitch/read-buffers.js';
import { throwIfAborted } from '../util/abort.js';
import type { Dither } from '../engine/index.js';
import type { GifPhase, SegmentDone, SegmentSource, SegmentTask } from './task.js';
import { moduleFrames } from './module-frames.js';

/** Where a segment's colour counts are written, beside its spool. */
export function histogramFile(spool: string): string {
  return `${spool}.hist`;
}

/** Renders one task of a GIF segment (see the top of this file). */
export async function renderGifSegment(task: SegmentTask, phase: GifPhase, file: string, signal?: AbortSignal, onFrame?: () => void): Promise<SegmentDone> {
  return phase.phase === 'count' ? countSegment(task, file, signal, onFrame) : mapSegment(task, phase, file, signal, onFrame);
}

/** One picture of a segment, as the one-piece output core gets it: shown from `pts` for `ticks` of `tps` a second. */
interface SegmentPicture {
  picture: Picture;
  orientation: number;
  pts: number;
  ticks: number;
}

interface PictureSource {
  options: ResolvedOutput;
  layout: FrameLayout;
  /** Ticks a second of the timestamps (the output core's: fps x ticksPerFrame). */
  tps: number;
  pictures: AsyncGenerator<SegmentPicture>;
  close(): void;
}

/**
 * The last plan this worker made, by its inputs and options: a worker renders several segments
 * of one output. (On this machine's pool the task carries the coordinator's headers, so a plan
 * reads no image again: 600 PNG headers cost some 0.1 s.)
 */
let lastPlan: { key: string; plan: Promise<StitchPlan> } | undefined;

function stitchPlan(task: SegmentTask, source: Extract<SegmentSource, { kind: 'stitch' }>): Promise<StitchPlan> {
  const key = JSON.stringify([task.output, source.inputs, source.options]);
  if (lastPlan?.key !== key) {
    const options = { ...(source.options as StitchOptions), overwrite: true, audio: undefined, jobs: 1 };
    const plan = planStitch(source.inputs, task.output, options, source.headers ? { headers: source.headers } : {});
    // A failed plan is not kept: the next task plans again (and fails the same way, naming its segment).
    plan.catch(() => {
      if (lastPlan?.plan === plan) lastPlan = undefined;
    });
    lastPlan = { key, plan };
  }
  return lastPlan.plan;
}

/** Stitch: the plan again, then the segment's images [first, first + count), decoded. */
async function stitchPictures(task: SegmentTask, source: Extract<SegmentSource, { kind: 'stitch' }>, signal: AbortSignal | undefined): Promise<PictureSource> {
  const plan = await stitchPlan(task, source);
  throwIfAborted(signal);
  if (plan.images.length !== task.total) throw new FlipbookError('ENGINE', `Segment ${task.index + 1} found ${plan.images.length} images, not the ${task.total} planned`);
  const { fps } = plan.options;
  // As the output core (ticksPerFrame 1): images follow one another, the last held for holdLast.
  const tps = fps.num / fps.den;
  const hold = Math.round(plan.options.slideshow.holdLast * tps);
  const starts: number[] = [];
  let at = 0;
  for (const image of plan.images) {
    starts.push(at);
    at += image.ticks;
  }
  const decoders = new ImageDecoders();
  const buffers = new ReadBuffers();
  const mine = plan.images.slice(task.first, task.first + task.count);
  async function* pictures(): AsyncGenerator<SegmentPicture> {
    let i = task.first;
    for await (const item of decodeAhead(mine, decoders, buffers)) {
      throwIfAborted(signal);
      if ('error' in item) throw item.error;
      const last = i === plan.images.length - 1;
      yield { picture: item.picture, orientation: item.frame.orientation, pts: starts[i] as number, ticks: item.frame.ticks + (last ? hold : 0) };
      i++;
    }
  }
  return { options: plan.options, layout: plan.layout, tps, pictures: pictures(), close: () => decoders.close() };
}

/** Animate: the module imported, its frames [first, first + count) drawn on a fresh canvas. */
async function animatePictures(task: SegmentTask, source: { module: string; options: Record<string, unknown> }, signal: AbortSignal | undefined): Promise<PictureSource> {
  const { resolved, layout, frames } = await moduleFrames(task, source, signal);
  // As the frame writer: frame i from i x ticksPerFrame, for ticksPerFrame; the last held for holdLast.
  const tpf = resolved.ticksPerFrame;
  const tps = (resolved.fps.num * tpf) / resolved.fps.den;
  const hold = Math.round(resolved.slideshow.holdLast * tps);
  async function* pictures(): AsyncGenerator<SegmentPicture> {
    for await (const { index, picture } of frames) {
      yield { picture, orientation: 1, pts: index * tpf, ticks: tpf + (index === task.total - 1 ? hold : 0) };
    }
  }
  return { options: resolved, layout, tps, pictures: pictures(), close: () => undefined };
}

/** Task 1: pictures normalised, counted and spooled raw into `file` (the output core's spool, AnimationSpool.segment); the counts into histogramFile(file). */
async function countSegment(task: SegmentTask, file: string, signal: AbortSignal | undefined, onFrame: (() => void) | undefined): Promise<SegmentDone> {
  const source = task.source.kind === 'stitch' ? await stitchPictures(task, task.source, signal) : await animatePictures(task, task.source, signal);
  const plan = source.layout.animation;
  try {
    if (plan?.codec !== 'gif') throw new FlipbookError('ENGINE', `Segment ${task.index + 1} is not a GIF's`);
    const { options } = source;
    // Letterboxing as one piece: transparent when a picture may have transparency. Stitch runs in
    // segments only when no image may (segmentsRefused); animate's canvas frames carry alpha
    // (as the frame writer's first frame says in one piece).
    const transparency = task.source.kind === 'animate';
    const spool = await AnimationSpool.segment(
      { output: task.output, overwrite: true, inputs: [], plan, fit: options.fit, background: options.background, fps: options.fps, ticksPerSecond: source.tps, transparency, flatten: !options.alphaPossible },
      file,
      `${file} (segment ${task.index + 1} of ${task.output}, spooled)`,
      task.first,
    );
    let spooled: SpooledSegment;
    try {
      for await (const item of source.pictures) {
        await spool.add(item.picture, item.orientation, item.ticks, item.pts);
        onFrame?.();
      }
      spooled = await spool.counted();
    } finally {
      await spool.abort();
    }
    const frames = spooled.times.length / 2;
    if (frames !== task.count) throw new FlipbookError('ENGINE', `Segment ${task.index + 1} of ${task.segments} has ${frames} pictures, not the ${task.count} planned`);
    const { counts } = spooled;
    await writeFile(histogramFile(file), new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength));
    return { frames, bytes: (await stat(file)).size, gif: { times: spooled.times, transparent: spooled.transparent } };
  } finally {
    source.close();
  }
}

/** Task 2: the spooled pictures mapped to the palette and written as image blocks into `file`. */
async function mapSegment(task: SegmentTask, phase: Extract<GifPhase, { phase: 'map' }>, file: string, signal: AbortSignal | undefined, onFrame: (() => void) | undefined): Promise<SegmentDone> {
  const { width, height } = phase;
  const encoder = await AnimationEncoder.open({
    file,
    name: `${file} (segment ${task.index + 1} of ${task.output})`,
    codec: 'gif',
    width,
    height,
    loop: phase.loop,
    palette: new Palette(Uint8Array.from(phase.palette), phase.transparent),
    dither: phase.dither as Dither,
    tolerance: phase.tolerance,
    lossy: phase.lossy,
    blocksOnly: true,
  });
  try {
    if (phase.references) {
      const bytes = await readFile(phase.references);
      // (A copy: a typed array of words needs an aligned start.)
      encoder.primeReferences(new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
    } else if (phase.prime) {
      for await (const picture of readRawPictures(phase.prime.file, width, height, phase.prime.frame, 1)) {
        try {
          encoder.prime(picture);
        } finally {
          picture.release();
        }
      }
    }
    let index = 0;
    let frames = 0;
    for await (const picture of readRawPictures(phase.spool, width, height, 0, phase.frames.length)) {
      try {
        throwIfAborted(signal);
        const placed = phase.frames[index++];
        if (placed) {
          // Its place among the animation's pictures, as one piece numbers it (the writer's own-palette windows).
          await encoder.write(picture, placed.pts, placed.duration, task.first + index - 1);
          frames++;
        }
      } finally {
        picture.release();
      }
      onFrame?.();
    }
    await encoder.finish();
    return { frames, bytes: (await stat(file)).size };
  } catch (error) {
    await encoder.close();
    throw error;
  }
}
