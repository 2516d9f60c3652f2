import { ImageDecoders, Normaliser } from '../engine/index.js';
import { imageMayHaveAlpha } from '../inputs/alpha.js';
import type { AnimationPlan } from '../options/animation-options.js';
import type { StitchOptions } from '../options/stitch-options.js';
import { type Size, fractionToNumber } from '../options/values.js';
import { type FrameReplay, type ReplayFrame, writeAnimation } from './animation-session.js';
import type { SkippedFile, StitchPlan } from './plan.js';
import { withoutHint } from './plan.js';
import { decodeAhead } from './decode-ahead.js';
import { ReadBuffers } from './read-buffers.js';
import { type PictureSink, Slideshow } from './slideshow.js';
import type { StitchResult } from './stitch.js';

/** What an animated output adds to the result. */
export interface AnimationResult {
  /** GIF: palette size used. */
  colors: number | undefined;
  /** Times the animation plays, 0 forever. */
  loop: number;
  /** GIF: the dither used. */
  dither: string | undefined;
  /** WebP: lossless or not. */
  lossless: boolean | undefined;
  /** With maxSize: the limit and every size tried (the last one is the file). */
  maxSize: { limit: number; attempts: { width: number; height: number; fps: number | undefined; colors: number | undefined; bytes: number }[] } | undefined;
}

/**
 * Stitch's images into a GIF, WebP or APNG. Nothing is held between passes: each pass decodes
 * the images again (the palette pass, then the frames; more for a size search).
 */
export async function runAnimationStitch(plan: StitchPlan, animation: AnimationPlan, options: Pick<StitchOptions, 'signal' | 'onProgress' | 'onWarning'>): Promise<StitchResult> {
  const warnings = [...plan.warnings];
  const skipped: SkippedFile[] = [...plan.skipped];
  const onWarning = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  const fps = fractionToNumber(plan.fps);
  const failed = new Set<number>();
  let transparent = false;
  for (const frame of plan.frames) if ((transparent = await imageMayHaveAlpha(frame.file, frame.type))) break;
  let decoded = 0;
  let transitionFrames = 0;
  const replay: FrameReplay = {
    count: plan.frames.length + transitionCount(plan),
    transparent,
    async *frames(size: Size): AsyncGenerator<ReplayFrame> {
      const decoders = new ImageDecoders();
      const buffers = new ReadBuffers();
      // Images are fitted straight to this pass's size (the width cap or a size search's).
      const normaliser = new Normaliser({
        fitWidth: size.width,
        fitHeight: size.height,
        width: size.width,
        height: size.height,
        fit: plan.fit,
        background: plan.background,
        pixelFormat: 'rgba',
        flattenAlpha: false,
      });
      // Every pass draws the transitions again (a GIF's palette must see the blends too);
      // the pictures of one image and its transition wait here to be yielded.
      const ready: ReplayFrame[] = [];
      const sink: PictureSink = {
        normalise: (picture, orientation) => normaliser.process(picture, orientation),
        addNormalised: async (picture, ticks, pts) => {
          ready.push({ picture, start: pts / fps, end: (pts + ticks) / fps });
        },
      };
      const slideshow = plan.slideshow ? new Slideshow(sink, plan.slideshow) : undefined;
      let ticks = 0;
      try {
        // Decoded two ahead, as for a video: the palette and the mapping of one image overlap
        // the decoding of the next (a GIF of 300 1080p PNGs: 13.7 s -> see bench/RESULTS.md).
        for await (const item of decodeAhead(plan.frames.filter((f) => !failed.has(f.position)), decoders, buffers)) {
          const { frame } = item;
          if ('error' in item) {
            if (!plan.options.skipInvalid) throw item.error;
            failed.add(frame.position);
            skipped.push({ file: frame.file, position: frame.position, reason: item.error.message });
            onWarning(`Skipped an invalid input: ${withoutHint(item.error)}`);
            continue;
          }
          const { picture } = item;
          decoded++;
          if (slideshow) await slideshow.add(picture, frame.orientation, frame.ticks);
          else await sink.addNormalised(await sink.normalise(picture, frame.orientation), frame.ticks, ticks);
          ticks += frame.ticks;
          yield* drain(ready);
        }
        await slideshow?.finish();
        transitionFrames = slideshow?.transitionFrames ?? 0;
        yield* drain(ready);
      } finally {
        for (const frame of ready.splice(0)) frame.picture.release();
        slideshow?.release();
        normaliser.close();
        decoders.close();
      }
    },
  };
  const written = await writeAnimation(
    { output: plan.output, overwrite: plan.options.overwrite, inputs: plan.frames.map((f) => f.file), settings: animation, size: animation.size, fps: plan.fps },
    replay,
    { signal: options.signal, onWarning, onProgress: options.onProgress },
  );
  const result = animationResult(plan.output, animation, written, { fitted: plan.fitted, skipped: skipped.sort((a, b) => a.position - b.position), warnings });
  return plan.slideshow ? { ...result, decoded, transitionFrames } : result;
}

/** Frames a pass yields from one image's pictures: each shift()ed before it is yielded, so the receiver owns it. */
function* drain(ready: ReplayFrame[]): Generator<ReplayFrame> {
  for (let frame = ready.shift(); frame; frame = ready.shift()) yield frame;
}

/** The transition and fade frames a slideshow adds to a pass (for progress). */
function transitionCount(plan: StitchPlan): number {
  const slides = plan.slideshow;
  return slides ? slides.transitionFrames * Math.max(0, plan.frames.length - 1) + slides.fadeInFrames + slides.fadeOutFrames : 0;
}

/** The result of an animated output: stitch's fields, told truthfully (codec gif, pal8), and the animation's. */
export function animationResult(
  output: string,
  animation: AnimationPlan | (Omit<AnimationPlan, 'size'> & { size?: Size }),
  written: Awaited<ReturnType<typeof writeAnimation>>,
  rest: { fitted: number; skipped: SkippedFile[]; warnings: string[] },
): StitchResult & { animation: AnimationResult } {
  const gif = animation.codec === 'gif';
  return {
    output,
    frames: written.frames,
    width: written.width,
    height: written.height,
    fps: written.fps,
    duration: written.duration,
    codec: animation.codec,
    profile: animation.codec === 'webp' ? (animation.lossless ? 'lossless' : 'lossy') : '',
    pixelFormat: animation.pixelFormat,
    bytes: written.bytes,
    fitted: rest.fitted,
    skipped: rest.skipped,
    warnings: rest.warnings,
    animation: {
      colors: written.colors,
      loop: written.loop,
      dither: gif ? animation.dither : undefined,
      lossless: animation.codec === 'webp' ? animation.lossless : undefined,
      maxSize: animation.maxSize === undefined ? undefined : { limit: animation.maxSize, attempts: written.attempts },
    },
  };
}
