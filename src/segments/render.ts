import { stat } from 'node:fs/promises';

import { ImageDecoders, type Picture } from '../engine/index.js';
import { FlipbookError, isFlipbookError } from '../errors.js';
import { videoSessionSpec } from '../core/output.js';
import { VideoOutput } from '../core/video-output.js';
import { type StitchOptions } from '../options/output-options.js';
import { decodeAhead } from '../stitch/decode-ahead.js';
import { type PlannedImage, planStitch } from '../stitch/plan.js';
import { ReadBuffers } from '../stitch/read-buffers.js';
import { throwIfAborted } from '../util/abort.js';
import { renderGifSegment } from './gif.js';
import type { SegmentDone, SegmentSource, SegmentTask } from './task.js';
import { moduleFrames } from './module-frames.js';

/**
 * Renders one segment, frames [first, first + count) of the output, into `file`: a raw video
 * stream (NUT) encoded by the output core's VideoOutput with the settings a one-piece run
 * would use, its timestamps the output's, its first frame a keyframe. Stitch decodes only the
 * images shown in the segment; animate imports the module and draws only its frames.
 * `onFrame` is told of every frame encoded (the pool's progress).
 */
export async function renderSegment(task: SegmentTask, file: string, signal?: AbortSignal, onFrame?: () => void): Promise<SegmentDone> {
  throwIfAborted(signal);
  checkTask(task);
  if (task.gif) return renderGifSegment(task, task.gif, file, signal, onFrame);
  return task.source.kind === 'stitch' ? renderStitchSegment(task, task.source, file, signal, onFrame) : renderAnimateSegment(task, task.source, file, signal, onFrame);
}

function checkTask(task: SegmentTask): void {
  const whole = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (!whole(task.first) || !whole(task.count) || !whole(task.total) || task.count < 1 || task.first + task.count > task.total) {
    throw new FlipbookError('INVALID_OPTION', `Segment ${task.index + 1} asks for frames ${task.first} to ${task.first + task.count} of ${task.total}`);
  }
}

/** The VideoOutput of a segment: the output's settings, the segment's file, no music. */
async function openSegmentOutput(file: string, spec: Parameters<typeof videoSessionSpec>[0], task: SegmentTask): Promise<VideoOutput> {
  const session = videoSessionSpec(spec);
  // Errors name the output the user asked for too, not only the segment's hidden file.
  const name = `${file} (segment ${task.index + 1} of ${task.output})`;
  return VideoOutput.open({ ...session, encoder: { ...session.encoder, threads: task.threads }, output: file, name, overwrite: true, inputs: [], audio: undefined, segment: true });
}

async function finishSegment(video: VideoOutput, file: string, task: SegmentTask): Promise<{ frames: number; bytes: number }> {
  const written = await video.finish();
  if (written.frames !== task.count) {
    throw new FlipbookError('ENGINE', `Segment ${task.index + 1} of ${task.segments} has ${written.frames} frames, not the ${task.count} planned`);
  }
  return { frames: written.frames, bytes: (await stat(file)).size };
}

async function renderStitchSegment(task: SegmentTask, source: Extract<SegmentSource, { kind: 'stitch' }>, file: string, signal: AbortSignal | undefined, onFrame: (() => void) | undefined): Promise<SegmentDone> {
  // The plan again, from the same inputs and options: the same images, sizes and timing. The
  // music is the join's, and the output is the coordinator's to check and write.
  const options = { ...(source.options as StitchOptions), overwrite: true, audio: undefined, jobs: 1, signal };
  const plan = await planStitch(source.inputs, task.output, options, source.headers ? { headers: source.headers } : {});
  const end = task.first + task.count;
  // Each image from where the previous ends; the last held until the output ends (holdLast,
  // music that extends the video).
  const shown: { image: PlannedImage; index: number; start: number; end: number }[] = [];
  let at = 0;
  plan.images.forEach((image, index) => {
    const last = index === plan.images.length - 1;
    shown.push({ image, index, start: at, end: last ? Math.max(task.total, at + image.ticks) : at + image.ticks });
    at += image.ticks;
  });
  const inWindow = shown.filter((s) => s.end > task.first && s.start < end);
  const video = await openSegmentOutput(file, { options: plan.options, layout: plan.layout, transparency: plan.alpha, ticksPerFrame: 1, inputs: [], audio: undefined }, task);
  const decoders = new ImageDecoders();
  const buffers = new ReadBuffers();
  const skipped: NonNullable<SegmentDone['skipped']> = [];
  let added = 0;
  const add = async (picture: Picture, orientation: number, from: number, to: number): Promise<void> => {
    const pts = Math.max(from, task.first);
    await video.add(picture, orientation, Math.min(to, end) - pts, pts);
    added++;
  };
  try {
    const byFile = new Map(inWindow.map((s) => [s.image, s]));
    const lastInWindow = inWindow.at(-1)?.image;
    for await (const item of decodeAhead(inWindow.map((s) => s.image), decoders, buffers)) {
      throwIfAborted(signal);
      const span = byFile.get(item.frame)!;
      if ('error' in item) {
        if (!plan.options.skipInvalid) throw item.error;
        skipped.push({ file: item.frame.file, position: item.frame.position, reason: item.error.fact });
        // The picture before holds on, until the next one starts. At the segment's start, that is
        // an image before it; at its end, there is no next one to stop it, so the nearest earlier
        // image that decodes is added again for the span (the segment came out short of frames).
        if (added === 0) await addEarlier(shown, span.index, decoders, buffers, async (picture, orientation) => add(picture, orientation, task.first, span.end));
        else if (item.frame === lastInWindow) await addEarlier(shown, span.index, decoders, buffers, async (picture, orientation) => add(picture, orientation, span.start, span.end));
        continue;
      }
      await add(item.picture, item.frame.orientation, span.start, span.end);
      for (let i = 0; i < frameCount(span, task); i++) onFrame?.();
    }
    if (added === 0) throw new FlipbookError('NO_INPUT', `No image of segment ${task.index + 1} could be decoded`);
    throwIfAborted(signal);
    return { ...(await finishSegment(video, file, task)), ...(skipped.length ? { skipped } : {}) };
  } catch (error) {
    await video.abort();
    throw error;
  } finally {
    decoders.close();
  }
}

/** Frames of the segment an image covers. */
function frameCount(span: { start: number; end: number }, task: SegmentTask): number {
  return Math.max(0, Math.min(span.end, task.first + task.count) - Math.max(span.start, task.first));
}

/** skipInvalid, when the segment's first image does not decode: the nearest earlier image that does is held. */
async function addEarlier(shown: readonly { image: PlannedImage; index: number }[], index: number, decoders: ImageDecoders, buffers: ReadBuffers, use: (picture: Picture, orientation: number) => Promise<void>): Promise<void> {
  for (let i = index - 1; i >= 0; i--) {
    const image = shown[i]!.image;
    const picture = await buffers.read(image.file, (bytes) => decoders.decode(bytes, image.type, image.file, image.position)).catch((error: unknown) => {
      if (isFlipbookError(error)) return undefined;
      throw error;
    });
    if (picture) return use(picture, image.orientation);
  }
}

async function renderAnimateSegment(task: SegmentTask, source: { module: string; options: Record<string, unknown> }, file: string, signal: AbortSignal | undefined, onFrame: (() => void) | undefined): Promise<SegmentDone> {
  const { resolved, layout, frames } = await moduleFrames(task, source, signal);
  const video = await openSegmentOutput(file, { options: resolved, layout, transparency: false, ticksPerFrame: 1, inputs: [], audio: undefined }, task);
  try {
    for await (const { index, picture } of frames) {
      await video.add(picture, 1, 1, index);
      onFrame?.();
    }
    return await finishSegment(video, file, task);
  } catch (error) {
    await video.abort();
    throw error;
  }
}
