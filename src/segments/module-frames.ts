import type { Picture } from '../engine/index.js';
import { FlipbookError } from '../errors.js';
import { type FrameLayout, settleLayout } from '../core/layout.js';
import { createCanvas } from '../animate/canvas-package.js';
import { loadAnimationModule } from '../animate/module.js';
import type { DrawingCanvas, DrawingContext2D } from '../animate/drawing-context.js';
import { type OutputOptions, type ResolvedWriterOptions, resolveWriterOptions } from '../options/output-options.js';
import { fractionToNumber, parseDimension, parseFps } from '../options/values.js';
import { prepareFrame } from '../writer/frame-input.js';
import { throwIfAborted } from '../util/abort.js';
import type { SegmentTask } from './task.js';

/**
 * An animation module set up for one segment (video or GIF): imported, its options resolved with
 * the coordinator's size and rate (the caller's, else the module's), and its frames
 * [first, first + count) drawn on a fresh canvas, each read back as a picture.
 */
export async function moduleFrames(
  task: SegmentTask,
  source: { module: string; options: Record<string, unknown> },
  signal: AbortSignal | undefined,
): Promise<{ resolved: ResolvedWriterOptions; layout: FrameLayout; frames: AsyncGenerator<{ index: number; picture: Picture }> }> {
  const animation = await loadAnimationModule(source.module);
  const given = source.options as { width?: number; height?: number; fps?: string | number };
  const width = parseDimension(given.width ?? animation.width, 'width');
  const height = parseDimension(given.height ?? animation.height, 'height');
  const fps = parseFps(given.fps ?? animation.fps ?? 25);
  const resolved = resolveWriterOptions(task.output, { ...(source.options as OutputOptions), overwrite: true, width, height, fps: `${fps.num}/${fps.den}` });
  const layout = settleLayout(resolved, { width, height }, () => undefined);
  const canvas: DrawingCanvas = await createCanvas(width, height);
  const ctx: DrawingContext2D = canvas.getContext('2d');
  const rate = fractionToNumber(fps);
  async function* frames(): AsyncGenerator<{ index: number; picture: Picture }> {
    for (let index = task.first; index < task.first + task.count; index++) {
      throwIfAborted(signal);
      const progress = task.total > 1 ? index / (task.total - 1) : 0;
      // (An exception names the module and the frame: loadAnimationModule's draw.)
      await animation.draw(ctx, { index, t: index / rate, progress, datum: index, canvas });
      const prepared = prepareFrame(canvas, { index: index + 1, layout: undefined, size: { width, height } });
      if (prepared.kind !== 'pixels') throw new FlipbookError('ENGINE', 'The canvas gave no pixels');
      yield { index, picture: prepared.picture };
    }
  }
  return { resolved, layout, frames: frames() };
}
