import { type Picture, pictureFromPixels, transitionPictures } from '../engine/index.js';
import type { SlideshowPlan } from '../options/slideshow-options.js';
import type { EncodeSession } from './encode-session.js';

/**
 * Slideshow transitions on top of an encode session. Each still is decoded and normalised
 * once and encoded once, held by its timestamp; only the frames of a transition are extra:
 * xfade blends the two normalised stills. The transition out of an image takes its frames
 * from the end of that image's time, the fade in from the start of the first, the fade out
 * from the end of the last, so the video lasts as long as the plan says.
 */
export class Slideshow {
  private readonly session: EncodeSession;
  private readonly plan: SlideshowPlan;
  /** The last image, normalised, waiting for the next to transition into. */
  private pending: { picture: Picture; ticks: number } | undefined;
  private first = true;
  /** Transition pictures encoded. */
  transitionFrames = 0;

  constructor(session: EncodeSession, plan: SlideshowPlan) {
    this.session = session;
    this.plan = plan;
  }

  /** Takes ownership of `picture`. */
  async add(picture: Picture, orientation: number, ticks: number): Promise<void> {
    const normalised = await this.session.normalise(picture, orientation);
    try {
      let remaining = ticks;
      if (this.first) {
        this.first = false;
        if (this.plan.fadeInFrames > 0) {
          await this.fromBlack(normalised, this.plan.fadeInFrames);
          remaining -= this.plan.fadeInFrames;
        }
      }
      const previous = this.pending;
      this.pending = undefined;
      if (previous) await this.transition(previous, normalised, this.plan.transitionFrames);
      this.pending = { picture: normalised, ticks: remaining };
    } catch (error) {
      normalised.release();
      throw error;
    }
  }

  /** Encodes the last image and its fade out. */
  async finish(): Promise<void> {
    const last = this.pending;
    this.pending = undefined;
    if (!last) return;
    const black = this.plan.fadeOutFrames > 0 ? await this.black(last.picture) : undefined;
    try {
      if (black) await this.transition(last, black, this.plan.fadeOutFrames);
      else await this.session.addNormalised(last.picture, last.ticks);
    } finally {
      black?.release();
    }
  }

  /** Releases what is held (after a failure). */
  release(): void {
    this.pending?.picture.release();
    this.pending = undefined;
  }

  /** Encodes `from` held for its ticks less `count`, then `count` pictures into `to`; releases `from`. */
  private async transition(from: { picture: Picture; ticks: number }, to: Picture, count: number): Promise<void> {
    const hold = from.ticks - count;
    if (count === 0) {
      await this.session.addNormalised(from.picture, hold);
      return;
    }
    const pictures = await transitionPictures(this.plan.transition, from.picture, to, count).catch((error: unknown) => {
      from.picture.release();
      throw error;
    });
    if (hold > 0) await this.session.addNormalised(from.picture, hold);
    else from.picture.release();
    for (const [i, picture] of pictures.entries()) {
      try {
        await this.session.addNormalised(picture, 1);
        this.transitionFrames++;
      } catch (error) {
        for (const rest of pictures.slice(i + 1)) rest.release();
        throw error;
      }
    }
  }

  private async fromBlack(to: Picture, count: number): Promise<void> {
    const black = await this.black(to);
    await this.transition({ picture: black, ticks: count }, to, count);
  }

  /** A black picture of the same shape as `like`, through the same normalise stage. */
  private async black(like: Picture): Promise<Picture> {
    const { width, height } = like;
    return this.session.normalise(pictureFromPixels({ data: new Uint8Array(width * height * 3), width, height, format: 'rgb' }), 1);
  }
}
