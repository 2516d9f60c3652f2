import { CUTS, type SlideshowWords, checkSlideshowImage } from '../options/slideshow-options.js';
import type { ResolvedWriterOptions } from '../options/writer-options.js';
import { type AudioPlan, fitAudio } from './audio-plan.js';
import { type PictureSink, Slideshow } from './slideshow.js';

const WRITER_WORDS: SlideshowWords = { noun: 'frame', hint: 'Give the frames longer durations (write(frame, { duration: 2 })) or later times, or a shorter transition' };

/**
 * Whether the frame writer keeps each frame until the next comes: a transition takes its
 * frames from the end of the earlier one, and the last is faded out or held longer at close
 * (holdLast; audioFit extend, until the music ends).
 */
export function writerHoldsFrames(opts: ResolvedWriterOptions): boolean {
  return opts.slides !== undefined || opts.slideshow.holdLast > 0 || opts.audio?.fit === 'extend';
}

/** The writer's slideshow over its session: ticks of the writer's clock, and frames too short for their transitions refused as stitch refuses images. */
export function writerSlideshow(sink: PictureSink, opts: ResolvedWriterOptions): Slideshow {
  const slides = opts.slides ?? CUTS;
  return new Slideshow(sink, slides, {
    frameTicks: opts.ticksPerFrame,
    check: (image) => checkSlideshowImage(slides, opts.slideshow, image, WRITER_WORDS),
  });
}

/**
 * At close: holds the last frame `holdLast` longer, and with audioFit extend until the music
 * ends (rounded up to the writer's ticks, said in a warning), then adds it and its fade out.
 */
export async function finishWriterSlideshow(slideshow: Slideshow, opts: ResolvedWriterOptions, audio: AudioPlan | undefined, warn: (message: string) => void): Promise<void> {
  const tps = (opts.fps.num * opts.ticksPerFrame) / opts.fps.den;
  slideshow.extendLast(Math.round(opts.slideshow.holdLast * tps));
  if (audio?.fit === 'extend') {
    const extra = Math.ceil(fitAudio(audio, slideshow.end / tps).extendBy * tps - 1e-9);
    if (extra > 0) {
      slideshow.extendLast(extra);
      warn(`Held the last frame ${(extra / tps).toFixed(2)} s longer, until the audio ends (audioFit extend)`);
    }
  }
  await slideshow.finish();
}
