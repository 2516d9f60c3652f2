import { TRANSITIONS, type Transition } from '../engine/index.js';
import { invalidOption } from '../errors.js';
import { parseChoice, parseDuration } from './values.js';

/** Transitions and fades between the images of a slideshow (stitch). */
export interface SlideshowOptions {
  /** Blend each image into the next over this long (`"0.5s"`), taken from the end of the first. */
  crossfade?: number | string;
  /** The kind of transition, one of FFmpeg's xfade set (`fade`, `wipeleft`, `slideup`, ...). Default `fade`; alone, it lasts 0.5 s. */
  transition?: Transition;
  /** Fade in from black over this long at the start. */
  fadeIn?: number | string;
  /** Fade out to black over this long at the end. */
  fadeOut?: number | string;
  /** Show the last image this much longer. */
  holdLast?: number | string;
}

export interface ResolvedSlideshowOptions {
  transition: Transition;
  /** Seconds of each transition (0: cuts). */
  crossfade: number;
  fadeIn: number;
  fadeOut: number;
  holdLast: number;
}

const DEFAULT_TRANSITION_SECONDS = 0.5;

export function resolveSlideshowOptions(options: SlideshowOptions): ResolvedSlideshowOptions {
  const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';
  const time = (value: unknown, option: string): number => (given(value) ? parseDuration(value, option, { allowZero: true }) : 0);
  const transition = given(options.transition) ? parseChoice(options.transition, 'transition', TRANSITIONS) : 'fade';
  const crossfade = given(options.crossfade) ? time(options.crossfade, 'crossfade') : given(options.transition) ? DEFAULT_TRANSITION_SECONDS : 0;
  return { transition, crossfade, fadeIn: time(options.fadeIn, 'fadeIn'), fadeOut: time(options.fadeOut, 'fadeOut'), holdLast: time(options.holdLast, 'holdLast') };
}

/** The transitions in frames, as the run makes them. */
export interface SlideshowPlan {
  transition: Transition;
  /** Frames of each transition between two images (0: cuts). */
  transitionFrames: number;
  fadeInFrames: number;
  fadeOutFrames: number;
}

/**
 * Turns the seconds into frames and checks that every image lasts long enough for the frames
 * taken from it: its transition out, and the fade in or out at the ends.
 */
export function planSlideshow(options: ResolvedSlideshowOptions, fps: number, ticks: readonly number[]): SlideshowPlan | undefined {
  const frames = (seconds: number): number => Math.round(seconds * fps);
  const plan: SlideshowPlan = { transition: options.transition, transitionFrames: frames(options.crossfade), fadeInFrames: frames(options.fadeIn), fadeOutFrames: frames(options.fadeOut) };
  if (plan.transitionFrames === 0 && plan.fadeInFrames === 0 && plan.fadeOutFrames === 0) return undefined;
  ticks.forEach((t, i) => {
    const last = i === ticks.length - 1;
    const needed = (last ? plan.fadeOutFrames : plan.transitionFrames) + (i === 0 ? plan.fadeInFrames : 0);
    if (t < needed || (!last && t <= plan.transitionFrames && plan.transitionFrames > 0)) {
      const option = !last && plan.transitionFrames > 0 ? 'crossfade' : i === 0 && plan.fadeInFrames ? 'fadeIn' : 'fadeOut';
      throw invalidOption(option, `transitions shorter than the images (image ${i + 1} lasts ${t} frames, ${needed} are needed)`, option === 'crossfade' ? options.crossfade : option === 'fadeIn' ? options.fadeIn : options.fadeOut, 'Give the images a longer --duration (or durations in a list file), or a shorter transition');
    }
  });
  return plan;
}
