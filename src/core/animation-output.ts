import { stat } from 'node:fs/promises';

import { ANIMATION_TICKS, AnimationEncoder, type Palette, PaletteGenerator, type Picture, animationPixelFormat } from '../engine/index.js';
import { FlipbookError, type Text, text, opt } from '../errors.js';
import { SafeOutput } from '../output/safe-output.js';
import { type AnimationSettings, GIF_MAX_FPS } from '../options/animation-options.js';
import { type Fraction, type Size, fractionToNumber } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { formatBytes } from '../util/format.js';

/** One frame of a replay: an RGBA picture at the asked size (the receiver releases it), shown from `start` to `end` seconds. */
export interface ReplayFrame {
  picture: Picture;
  start: number;
  end: number;
}

/**
 * Frames that can be produced again and again, never held: stitch decodes its images again,
 * the writer reads its spool file again. A GIF takes two passes (palette, then frames), a
 * size search two for each try.
 */
export interface FrameReplay {
  /** Frames expected in one pass (for progress). */
  readonly count: number;
  /** Whether a frame may have transparent pixels (a GIF then keeps a palette slot for them). */
  readonly transparent: boolean;
  frames(size: Size): AsyncIterable<ReplayFrame>;
  /**
   * A GIF palette of at most `colors` entries counted before the replay (while spooling), when
   * there is one for frames of this size: the palette pass is then skipped. It counts every
   * frame, also those a frame-rate cap drops.
   */
  palette?(size: Size, colors: number): Palette | undefined;
}

export interface AnimationJob {
  output: string;
  overwrite: boolean;
  inputs: readonly string[];
  settings: AnimationSettings;
  /** The frame size before any size search. */
  size: Size;
  fps: Fraction;
  /** What else makes the animation smaller, in the caller's options ("fewer images or a smaller size"), for the hint when maxSize cannot be met. */
  smaller?: Text | undefined;
}

export interface AnimationHooks {
  signal?: AbortSignal | undefined;
  onWarning?: ((message: Text) => void) | undefined;
  /** After each frame of each pass. */
  onFrame?: (() => void) | undefined;
  /**
   * Before each pass over the frames: a GIF's palette (a size search's try at another size),
   * then the writing; `attempt` counts the tries from 1, `frames` the frames of the pass.
   */
  onPass?: ((stage: 'palette' | 'writing', attempt: number, frames: number) => void) | undefined;
}

/** What was written, and for `maxSize` what the search chose. */
export interface AnimationWritten {
  frames: number;
  width: number;
  height: number;
  /** The frame rate the animation shows at most (the GIF clamp or the size search's choice). */
  fps: Fraction;
  duration: number;
  bytes: number;
  /** What the file holds, as FFmpeg names it (a lossy WebP: yuv420p, yuva420p when a picture has transparency). */
  pixelFormat: string;
  colors: number | undefined;
  /** GIF: the tolerance written with (a size search may raise it). */
  tolerance: number | undefined;
  loop: number;
  /** With maxSize: the tries, smallest last. */
  attempts: { width: number; height: number; fps: number | undefined; colors: number | undefined; tolerance?: number | undefined; bytes: number }[];
}

interface Choice {
  size: Size;
  /** Frames per second at most (frames in between are dropped), or undefined: every frame. */
  fpsCap: number | undefined;
  colors: number;
  /** GIF: the temporal tolerance. */
  tolerance: number;
}

/**
 * Tolerance steps of the size search (GIF): tried before any other lever, since a change of a
 * few levels is invisible on grainy footage and costs nothing on clean pictures. On the bench's
 * photo-like set, tolerance 6 kept 66% of the bytes at -0.03 SSIM where 128 colours kept 80% at
 * -0.06. Gentle up to 8, then up to 16.
 */
const TOLERANCE_STEPS = [4, 8, 12, 16];

/** Frame-rate steps of the size search: each divides 100, so GIF delays stay whole hundredths. */
const FPS_STEPS = [50, 25, 20, 10, 5];
const MAX_TRIES = 12;

/**
 * Writes a GIF (palette pass, then the frames mapped to it), WebP or APNG from a replay, into
 * a temporary file moved into place when complete. With maxSize, smaller sizes, frame rates and
 * palettes are tried until the file fits.
 */
export async function writeAnimation(job: AnimationJob, replay: FrameReplay, hooks: AnimationHooks): Promise<AnimationWritten> {
  const { settings } = job;
  const warn = (message: Text): void => hooks.onWarning?.(message);
  const fps = fractionToNumber(job.fps);
  let fpsCap: number | undefined;
  if (settings.codec === 'gif' && fps > GIF_MAX_FPS) {
    fpsCap = GIF_MAX_FPS;
    warn(`GIF delays are whole hundredths of a second and players show at most ${GIF_MAX_FPS} fps: ${formatFps(fps)} fps is written at ${GIF_MAX_FPS} fps (frames in between are dropped)`);
  }
  let choice: Choice = { size: job.size, fpsCap, colors: settings.colors, tolerance: settings.tolerance };
  const attempts: AnimationWritten['attempts'] = [];
  const progress = (): void => hooks.onFrame?.();
  // A GIF's palette pass of the try before, whose counts the next try clears and reuses.
  const counts: { last?: PaletteGenerator } = {};
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(hooks.signal);
    const out = await SafeOutput.create(job.output, { overwrite: job.overwrite, inputs: job.inputs });
    let written: { frames: number; duration: number; pixelFormat: string };
    try {
      written = await encodeOnce(out.temporary, job, replay, choice, hooks, progress, counts, attempt + 1);
    } catch (error) {
      await out.discard();
      throw error;
    }
    const { size: bytes } = await stat(out.temporary);
    const gif = settings.codec === 'gif';
    attempts.push({ ...choice.size, fps: choice.fpsCap, colors: gif ? choice.colors : undefined, ...(gif ? { tolerance: choice.tolerance } : {}), bytes });
    if (settings.maxSize === undefined || bytes <= settings.maxSize) {
      await out.commit();
      if (settings.maxSize !== undefined && attempt > 0) {
        warn(
          text`To fit ${formatBytes(settings.maxSize)} (${opt('maxSize')}), the GIF is ${choice.size.width}x${choice.size.height}, ${choice.fpsCap ? `${choice.fpsCap} fps at most` : `${formatFps(fps)} fps`}, ${choice.colors} colours, tolerance ${choice.tolerance}: ${formatBytes(bytes)} after ${attempt + 1} tries`,
        );
      }
      return {
        frames: written.frames,
        width: choice.size.width,
        height: choice.size.height,
        fps: choice.fpsCap && choice.fpsCap < fps ? { num: choice.fpsCap, den: 1 } : job.fps,
        duration: written.duration,
        bytes,
        pixelFormat: written.pixelFormat,
        colors: gif ? choice.colors : undefined,
        tolerance: gif ? choice.tolerance : undefined,
        loop: settings.loop,
        attempts,
      };
    }
    await out.discard();
    // The last try takes every lever to its limit: a search cut short by MAX_TRIES still ends
    // at the smallest the levers make, so that a failure means nothing smaller could be made.
    const next = attempt + 2 < MAX_TRIES ? shrink(choice, job.size, fps, settings.maxSize / bytes, gif) : attempt + 2 === MAX_TRIES ? smallest(choice, job.size, fps, gif) : undefined;
    if (!next) {
      throw new FlipbookError('OUTPUT_TOO_LARGE', text`${job.output} cannot fit in ${formatBytes(settings.maxSize)} (${opt('maxSize')}): the smallest try, ${choice.size.width}x${choice.size.height} at ${choice.fpsCap ?? formatFps(fps)} fps with ${choice.colors} colours, is ${formatBytes(bytes)}`, {
        file: job.output,
        option: 'maxSize',
        hint: job.smaller === undefined ? text`Give a larger ${opt('maxSize')}` : text`Give a larger ${opt('maxSize')}, ${job.smaller}`,
      });
    }
    choice = next;
  }
}

/**
 * The next, smaller try. A GIF first raises its tolerance (TOLERANCE_STEPS: up to 8, and up to
 * 16 once the gentle limits below are reached), whose saving cannot be foreseen (nothing on
 * clean pictures, a third on grain). Then the levers, each with the share of bytes it is
 * expected to keep: a smaller width (bytes follow the pixel count), a lower frame rate (bytes
 * follow the frames kept), half the colours (some 15% fewer bytes). First within gentle limits
 * (half the asked width, 10 fps, 64 colours), then beyond them (a quarter of the width, 5 fps,
 * 16 colours). Of the levers expected to fit, the mildest is taken; when none is, the strongest.
 * Returns undefined when nothing is left to take away.
 */
function shrink(current: Choice, base: Size, fps: number, ratio: number, gif: boolean): Choice | undefined {
  const effectiveFps = current.fpsCap ?? fps;
  type Lever = { choice: Choice; keeps: number };
  const scaled = (floor: number): Lever | undefined => {
    const minWidth = Math.max(32, Math.round(base.width * floor));
    if (current.size.width <= minWidth) return undefined;
    const width = Math.max(minWidth, Math.min(current.size.width - 2, Math.floor(current.size.width * Math.sqrt(ratio * 0.9))));
    const size = { width, height: Math.max(1, Math.round((base.height * width) / base.width)) };
    return { choice: { ...current, size }, keeps: (width / current.size.width) ** 2 };
  };
  const slower = (floor: number): Lever | undefined => {
    const step = FPS_STEPS.find((s) => s < effectiveFps && s >= floor);
    return step === undefined ? undefined : { choice: { ...current, fpsCap: step }, keeps: step / effectiveFps };
  };
  const fewer = (floor: number): Lever | undefined =>
    current.colors / 2 >= floor ? { choice: { ...current, colors: Math.floor(current.colors / 2) }, keeps: 0.85 } : undefined;
  const tolerant = (cap: number): Choice | undefined => {
    const step = gif ? TOLERANCE_STEPS.find((t) => t > current.tolerance && t <= cap) : undefined;
    return step === undefined ? undefined : { ...current, tolerance: step };
  };
  for (const [cap, levers] of [
    [8, [scaled(0.5), slower(10), fewer(64)]],
    [16, [scaled(0.25), slower(5), fewer(16)]],
  ] as const) {
    const raised = tolerant(cap);
    if (raised) return raised;
    const open = levers.filter((l): l is Lever => l !== undefined);
    if (!open.length) continue;
    const fitting = open.filter((l) => l.keeps <= ratio * 0.95);
    const pick = fitting.length ? fitting.reduce((a, b) => (b.keeps > a.keeps ? b : a)) : open.reduce((a, b) => (b.keeps < a.keeps ? b : a));
    return pick.choice;
  }
  return undefined;
}

/** The smallest try the levers make from `current` (shrink, each lever to its limit), or undefined when that is `current`. */
function smallest(current: Choice, base: Size, fps: number, gif: boolean): Choice | undefined {
  let last: Choice | undefined;
  // A ratio of 0: no lever is expected to fit, so each step takes the strongest, to its limit.
  for (let next = shrink(current, base, fps, 0, gif); next; next = shrink(next, base, fps, 0, gif)) last = next;
  return last;
}

/** One encode into `file`: for a GIF the palette pass, then the frames. */
async function encodeOnce(
  file: string,
  job: AnimationJob,
  replay: FrameReplay,
  choice: Choice,
  hooks: AnimationHooks,
  progress: () => void,
  counts: { last?: PaletteGenerator },
  attempt: number,
): Promise<{ frames: number; duration: number; pixelFormat: string }> {
  const { settings } = job;
  let palette: Palette | undefined;
  if (settings.codec === 'gif') palette = replay.palette?.(choice.size, choice.colors);
  if (settings.codec === 'gif' && !palette) {
    hooks.onPass?.('palette', attempt, replay.count);
    const generator = new PaletteGenerator(choice.colors, replay.transparent, counts.last);
    counts.last = generator;
    for await (const frame of replay.frames(choice.size)) {
      try {
        throwIfAborted(hooks.signal);
        if (placeFrame(frame, ANIMATION_TICKS.gif, choice.fpsCap, { last: -1 })) generator.add(frame.picture);
      } finally {
        frame.picture.release();
      }
      progress();
    }
    palette = generator.finish();
  }
  const ticks = ANIMATION_TICKS[settings.codec];
  let encoder: AnimationEncoder | undefined;
  try {
    encoder = await AnimationEncoder.open({
      file,
      name: job.output,
      codec: settings.codec,
      width: choice.size.width,
      height: choice.size.height,
      loop: settings.loop,
      palette,
      dither: settings.dither,
      tolerance: choice.tolerance,
      lossy: settings.lossy,
      lossless: settings.lossless,
      frames: replay.count,
    });
    hooks.onPass?.('writing', attempt, replay.count);
    let frames = 0;
    let end = 0;
    const state = { last: -1 };
    // Each picture's place in the spool: a GIF segment of --jobs numbers its pictures the same way.
    let index = 0;
    for await (const frame of replay.frames(choice.size)) {
      try {
        throwIfAborted(hooks.signal);
        const placed = placeFrame(frame, ticks, choice.fpsCap, state);
        if (placed) {
          await encoder.write(frame.picture, placed.pts, placed.duration, index);
          frames++;
          end = placed.pts + placed.duration;
        }
      } finally {
        frame.picture.release();
        index++;
      }
      progress();
    }
    if (frames === 0) throw new FlipbookError('NO_INPUT', 'No frame was left to write', { hint: 'See the warnings for each file' });
    await encoder.finish();
    const pixelFormat = animationPixelFormat(settings.codec, { lossless: settings.lossless, alpha: replay.transparent });
    return { frames, duration: end / ticks, pixelFormat };
  } catch (error) {
    await encoder?.close();
    throw error;
  }
}

/**
 * Whether an animation's frames are held: fewer of them than its length holds at `fps` (a
 * slideshow's images, each one frame however long it shows). Their delays then vary as a `vfr`
 * video's samples do, and the result says so (`vfr: true`) rather than claim `fps`.
 */
export function framesHeld(written: { frames: number; duration: number; fps: Fraction }): boolean {
  return (written.duration * written.fps.num) / written.fps.den > written.frames + 0.5;
}

/**
 * Where a frame lands on the format's clock: its start and end rounded to whole ticks (GIF:
 * hundredths) or, with a frame-rate cap, to whole slots of 1/cap s. A frame left with no time
 * of its own is dropped; the frames kept tile the timeline, so the total length is kept.
 */
export function placeFrame(frame: { start: number; end: number }, ticks: number, fpsCap: number | undefined, state: { last: number }): { pts: number; duration: number } | undefined {
  const unit = fpsCap ? Math.round(ticks / fpsCap) : 1;
  const pts = Math.round((frame.start * ticks) / unit) * unit;
  let end = Math.round((frame.end * ticks) / unit) * unit;
  // Under a frame-rate cap, the frame at 0 s is never dropped: an animation shorter than half a
  // slot (two 0.04 s images under maxSize's 5 fps try) lost every frame ("No frame reached the
  // palette pass"); it lasts one slot, and the frames that start within it are dropped.
  if (fpsCap && end <= pts && pts === 0 && state.last === -1) end = unit;
  if (end <= pts || pts <= state.last) return undefined;
  state.last = pts;
  return { pts, duration: end - pts };
}

function formatFps(fps: number): string {
  return String(Math.round(fps * 1000) / 1000);
}
