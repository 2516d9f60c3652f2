import { TRANSITIONS, type Transition } from '../engine/index.js';
import { FlipbookError, type Text, invalidOption, text, opt } from '../errors.js';
import { parseChoice, parseDuration, isGiven } from './values.js';

/**
 * Transitions and fades between the images of a slideshow: stitch's images (any output, GIF,
 * WebP and APNG included), or the frame writer's frames, each lasting until the next starts
 * (give frames a `duration` to hold them). An image or frame shorter than the frames taken from
 * it is refused (INVALID_OPTION naming the option).
 */
export interface SlideshowOptions {
  /** Blend each image into the next over this long (`"0.5s"`), taken from the end of the first, so the length does not change. */
  crossfade?: number | string;
  /** The kind of transition, one of FFmpeg's xfade set (`fade`, `wipeleft`, `slideup`, ...). Default `fade`; alone, it lasts 0.5 s. */
  transition?: Transition;
  /** Fade in from black over this long at the start, taken from the first image (or frame). */
  fadeIn?: number | string;
  /** Fade out to black over this long at the end, taken from the last image (or frame). */
  fadeOut?: number | string;
  /** Show the last image (the writer: the last frame, at close()) this much longer. */
  holdLast?: number | string;
}

export interface ResolvedSlideshowOptions {
  transition: Transition;
  /** Seconds of each transition (0: cuts). */
  crossfade: number;
  /** Whether `crossfade` was given; not, a transition given alone lasts 0.5 s, and errors about its length name `transition`. */
  crossfadeGiven: boolean;
  fadeIn: number;
  fadeOut: number;
  holdLast: number;
}

const DEFAULT_TRANSITION_SECONDS = 0.5;

export function resolveSlideshowOptions(options: SlideshowOptions): ResolvedSlideshowOptions {
  const time = (value: unknown, option: string): number => (isGiven(value) ? parseDuration(value, option, { allowZero: true }) : 0);
  const transition = isGiven(options.transition) ? parseChoice(options.transition, 'transition', TRANSITIONS) : 'fade';
  const crossfade = isGiven(options.crossfade) ? time(options.crossfade, 'crossfade') : isGiven(options.transition) ? DEFAULT_TRANSITION_SECONDS : 0;
  return { transition, crossfade, crossfadeGiven: isGiven(options.crossfade), fadeIn: time(options.fadeIn, 'fadeIn'), fadeOut: time(options.fadeOut, 'fadeOut'), holdLast: time(options.holdLast, 'holdLast') };
}

/** The transitions in frames, as the run makes them. */
export interface SlideshowPlan {
  transition: Transition;
  /** Frames of each transition between two images (0: cuts). */
  transitionFrames: number;
  fadeInFrames: number;
  fadeOutFrames: number;
}

/** A plan without transitions or fades: a slideshow of cuts (the frame writer's, to hold its last frame longer). */
export const CUTS: SlideshowPlan = { transition: 'fade', transitionFrames: 0, fadeInFrames: 0, fadeOutFrames: 0 };

/**
 * Turns the seconds into frames and checks that every image lasts long enough for the frames
 * taken from it: its transition out, and the fade in or out at the ends.
 */
export function planSlideshow(options: ResolvedSlideshowOptions, fps: number, ticks: readonly number[]): SlideshowPlan | undefined {
  const frames = (seconds: number): number => Math.round(seconds * fps);
  const plan: SlideshowPlan = { transition: options.transition, transitionFrames: frames(options.crossfade), fadeInFrames: frames(options.fadeIn), fadeOutFrames: frames(options.fadeOut) };
  if (plan.transitionFrames === 0 && plan.fadeInFrames === 0 && plan.fadeOutFrames === 0) return undefined;
  ticks.forEach((t, index) => checkSlideshowImage(plan, options, { index, frames: t, last: index === ticks.length - 1 }));
  return plan;
}

/** How a source's pictures are named in errors (checkSlideshowImage's, a GIF over maxSize's), and what to do about them. */
export interface SlideshowWords {
  noun: string;
  hint: Text;
  /**
   * What else makes an animation smaller, after a larger maxSize: in the source's own options
   * (stitch has no `duration`, the frame writer no `hold`).
   */
  smaller: Text;
}

/** How stitch's errors name its images, and the fix. */
export const STITCH_WORDS: SlideshowWords = {
  noun: 'image',
  hint: text`Give the images a longer ${opt('hold')} (or durations in a list file), or a shorter transition`,
  smaller: text`fewer images or a smaller ${opt('size')}`,
};

/**
 * Refuses an image too short for the frames taken from it (`index` 0-based, `frames` its length
 * in frames of 1/fps, which the frame writer may give in fractions): its transition out must
 * leave it a moment of its own, and the first and last give the fade in and out their frames.
 */
export function checkSlideshowImage(plan: SlideshowPlan, options: ResolvedSlideshowOptions, image: { index: number; frames: number; last: boolean }, words: SlideshowWords = STITCH_WORDS): void {
  const { index, frames: t, last } = image;
  const atLeast = (last ? plan.fadeOutFrames : plan.transitionFrames) + (index === 0 ? plan.fadeInFrames : 0);
  const moreThan = !last && plan.transitionFrames > 0 ? plan.transitionFrames : -1;
  if (t >= atLeast && t > moreThan) return;
  const option = !last && plan.transitionFrames > 0 ? 'crossfade' : index === 0 && plan.fadeInFrames ? 'fadeIn' : 'fadeOut';
  const length = `${Number.isInteger(t) ? t : t.toFixed(2)} frame${t === 1 ? '' : 's'}`;
  const needed = t < atLeast ? `${atLeast} are needed` : `more than ${moreThan} are needed`;
  const fact = `transitions shorter than the ${words.noun}s (${words.noun} ${index + 1} lasts ${length}, ${needed})`;
  // A transition given alone: name it, not the crossfade its user never gave (nor its 0.5 s as if typed).
  if (option === 'crossfade' && !options.crossfadeGiven) {
    const noun = `${words.noun.charAt(0).toUpperCase()}${words.noun.slice(1)}`;
    throw new FlipbookError('INVALID_OPTION', text`${noun} ${index + 1} lasts ${length}, too short for ${opt('transition', options.transition)}, which lasts ${DEFAULT_TRANSITION_SECONDS} s without ${opt('crossfade')}: ${needed}`, {
      option: 'transition',
      hint: text`${words.hint} (${opt('crossfade')})`,
    });
  }
  const value = option === 'crossfade' ? options.crossfade : option === 'fadeIn' ? options.fadeIn : options.fadeOut;
  throw invalidOption(option, fact, value, words.hint);
}
