import { type Picture, pictureFromPixels, transitionPictures } from '../engine/index.js';
import type { SlideshowPlan } from '../options/slideshow-options.js';

/**
 * Where a slideshow puts its pictures: a video's EncodeSession, one pass of an animation
 * (stitch to GIF, WebP, APNG), the frame writer's animation spool.
 */
export interface PictureSink {
  /** The normalise stage alone; takes ownership of `picture`. */
  normalise(picture: Picture, orientation: number): Promise<Picture>;
  /** Takes ownership of a picture from `normalise` (or a blend of two), shown from `pts` for `ticks`. */
  addNormalised(normalised: Picture, ticks: number, pts: number): Promise<void>;
}

export interface SlideshowSetup {
  /** Ticks of one frame of a transition (1/fps): 1 for stitch, the writer's ticks a frame. */
  frameTicks?: number;
  /**
   * Called once an image's length is known (when the next comes, or at finish), before any of
   * its frames are taken: the writer refuses images too short for their transitions here
   * (stitch's plan has checked them already). `frames` counts frames of 1/fps.
   */
  check?: (image: { index: number; frames: number; last: boolean }) => void;
}

/** An image waiting for the next: normalised, shown from `pts` for `ticks`, after `taken` ticks of fade in. */
interface Held {
  picture: Picture;
  index: number;
  pts: number;
  ticks: number;
  taken: number;
}

/**
 * Slideshow transitions on top of a picture sink. Each still is decoded and normalised
 * once and added once, held by its timestamp; only the frames of a transition are extra:
 * xfade blends the two normalised stills. The transition out of an image takes its frames
 * from the end of that image's time (an image lasts until the next starts), the fade in from
 * the start of the first, the fade out from the end of the last, so the video lasts as long
 * as the images say.
 */
export class Slideshow {
  private readonly sink: PictureSink;
  private readonly plan: SlideshowPlan;
  private readonly frameTicks: number;
  private readonly check: SlideshowSetup['check'];
  /** The last image, normalised, waiting for the next to transition into. */
  private pending: Held | undefined;
  private images = 0;
  /** End of what was handed to the sink. */
  private added = 0;
  /** Transition pictures made. */
  transitionFrames = 0;

  constructor(sink: PictureSink, plan: SlideshowPlan, options: SlideshowSetup = {}) {
    this.sink = sink;
    this.plan = plan;
    this.frameTicks = options.frameTicks ?? 1;
    this.check = options.check;
  }

  /** Where the video ends so far, the image held included. */
  get end(): number {
    return this.pending ? this.pending.pts + this.pending.ticks : this.added;
  }

  /** Images added so far. */
  get count(): number {
    return this.images;
  }

  /** Shows the image held (the last so far) `ticks` longer: hold-last, audio fit extend. */
  extendLast(ticks: number): void {
    if (this.pending) this.pending.ticks += ticks;
  }

  /** Takes ownership of `picture`, shown from `pts` (default: where the previous ends) for `ticks`. */
  async add(picture: Picture, orientation: number, ticks: number, pts = this.end): Promise<void> {
    const normalised = await this.sink.normalise(picture, orientation);
    try {
      const previous = this.pending;
      this.pending = undefined;
      if (previous) {
        // The earlier image lasts until this one starts.
        previous.ticks = pts - previous.pts;
        await this.transition(this.checked(previous, false), normalised, this.plan.transitionFrames);
      }
      const held: Held = { picture: normalised, index: this.images++, pts, ticks, taken: 0 };
      if (held.index === 0 && this.plan.fadeInFrames > 0) {
        held.taken = this.plan.fadeInFrames * this.frameTicks;
        await this.fromBlack(normalised, pts, this.plan.fadeInFrames);
        held.pts += held.taken;
        held.ticks -= held.taken;
      }
      this.pending = held;
    } catch (error) {
      normalised.release();
      throw error;
    }
  }

  /** Adds the last image and its fade out. */
  async finish(): Promise<void> {
    const last = this.pending;
    this.pending = undefined;
    if (!last) return;
    this.checked(last, true);
    let black = this.plan.fadeOutFrames > 0 ? await this.black(last.picture).catch((error: unknown) => {
      last.picture.release();
      throw error;
    }) : undefined;
    try {
      if (black) {
        // The fade out ends on black, as the fade in starts on it (FFmpeg's fade filter read
        // backwards): frame k of n is k/n of the way, its last frame black itself.
        const end = last.pts + last.ticks;
        last.ticks -= this.frameTicks;
        await this.transition(last, black, this.plan.fadeOutFrames - 1);
        const taken = black;
        black = undefined;
        await this.addHeld({ picture: taken, pts: end - this.frameTicks }, this.frameTicks);
        this.transitionFrames++;
      } else if (last.ticks > 0) await this.addHeld(last, last.ticks);
      else last.picture.release();
    } finally {
      black?.release();
    }
  }

  /** Releases what is held (after a failure). */
  release(): void {
    this.pending?.picture.release();
    this.pending = undefined;
  }

  /** `held` once `check` accepts its length; released when refused. */
  private checked(held: Held, last: boolean): Held {
    try {
      this.check?.({ index: held.index, frames: (held.taken + held.ticks) / this.frameTicks, last });
    } catch (error) {
      held.picture.release();
      throw error;
    }
    return held;
  }

  /** Adds `from` held for its ticks less `count` frames, then `count` pictures into `to`; releases `from`. */
  private async transition(from: Held | Omit<Held, 'index' | 'taken'>, to: Picture, count: number): Promise<void> {
    const length = count * this.frameTicks;
    const hold = from.ticks - length;
    if (count === 0) {
      // Nothing left of it (a fade-in as long as its hold): not a picture of no length, which a
      // constant rate dropped with a false warning and --vfr wrote as a second sample at one time.
      if (hold > 0) await this.addHeld(from, hold);
      else from.picture.release();
      return;
    }
    const pictures = await transitionPictures(this.plan.transition, from.picture, to, count).catch((error: unknown) => {
      from.picture.release();
      throw error;
    });
    if (hold > 0) await this.addHeld(from, hold);
    else from.picture.release();
    for (const [i, picture] of pictures.entries()) {
      try {
        const pts = from.pts + hold + i * this.frameTicks;
        this.added = pts + this.frameTicks;
        await this.sink.addNormalised(picture, this.frameTicks, pts);
        this.transitionFrames++;
      } catch (error) {
        for (const rest of pictures.slice(i + 1)) rest.release();
        throw error;
      }
    }
  }

  private async addHeld(held: { picture: Picture; pts: number }, ticks: number): Promise<void> {
    this.added = held.pts + ticks;
    await this.sink.addNormalised(held.picture, ticks, held.pts);
  }

  /**
   * A fade in of `count` frames as FFmpeg's fade filter makes it: frame k of 0..count-1 is k/count
   * of the way, so the video starts on a black frame (not one step in) and the image itself
   * follows the last step.
   */
  private async fromBlack(to: Picture, pts: number, count: number): Promise<void> {
    const black = await this.black(to);
    // Black held one frame (counted as a fade frame), then count - 1 blends.
    this.transitionFrames++;
    await this.transition({ picture: black, pts, ticks: count * this.frameTicks }, to, count - 1);
  }

  /** A black picture of the same shape as `like`, through the same normalise stage. */
  private async black(like: Picture): Promise<Picture> {
    const { width, height } = like;
    return this.sink.normalise(pictureFromPixels({ data: new Uint8Array(width * height * 3), width, height, layout: 'rgb' }), 1);
  }
}
