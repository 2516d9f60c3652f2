import { FlipbookError, type Text, opt, optChoice, text } from '../errors.js';
import { type AnimationPlan, planAnimation } from '../options/animation-options.js';
import { FIT_MODES, type ResolvedOutput } from '../options/output-options.js';
import type { Size } from '../options/values.js';
import { type SizeSource, checkFrameSize, playabilityWarning } from './limits.js';

/** Where the pictures of an output go: the size they are fitted to, and the frame around it. */
export interface FrameLayout {
  /** The size pictures are fitted to (`fit`), before padding. */
  fitSize: Size;
  /** The frame: fitSize padded to even for 4:2:0 video; the animation's size (after its width cap) for GIF, WebP, APNG. */
  width: number;
  height: number;
  /** Set when an odd size was padded to even. */
  padded: { from: Size; to: Size } | undefined;
  /** GIF, WebP, APNG: the settings and the frame size. */
  animation: AnimationPlan | undefined;
}

/**
 * The size pictures are fitted to: `size` (or width and height), one side with the first
 * picture's aspect ratio, or the first picture's own size.
 */
export function fitSizeFor(out: Pick<ResolvedOutput, 'size' | 'width' | 'height'>, first: Size): Size {
  if (out.size) return out.size;
  const { width: w, height: h } = first;
  if (out.width) return { width: out.width, height: Math.max(2, Math.round((out.width * h) / w)) };
  if (out.height) return { width: Math.max(2, Math.round((out.height * w) / h)), height: out.height };
  return { width: Math.max(2, w), height: Math.max(2, h) };
}

/**
 * Settles the frame once the fit size is known (stitch: while planning; the frame writer: at
 * its first frame), and says what it changed: a video pads an odd size to even, an animation
 * without an asked size is capped at 640 px wide. A frame past the encoder's limits is refused
 * here, naming `source`, the image that set the size (unless `size` set it).
 */
export function settleLayout(out: ResolvedOutput, fitSize: Size, warn: (message: Text) => void, source?: SizeSource): FrameLayout {
  // A size asked (or one side of it) is not the picture's: its error names no picture (it said
  // "20000x13334 (the size of a.png)" of a 96x64 a.png under --width 20000).
  const from = out.size || out.width || out.height ? undefined : source;
  if (out.animation) {
    const animation = planAnimation(out.animation, fitSize, Boolean(out.size ?? out.width ?? out.height), warn);
    checkFrameSize(animation.codec, animation.size, from);
    return { fitSize, ...animation.size, padded: undefined, animation };
  }
  const even = { width: fitSize.width + (fitSize.width % 2), height: fitSize.height + (fitSize.height % 2) };
  checkFrameSize(out.codec, even, from);
  const padded = even.width !== fitSize.width || even.height !== fitSize.height ? { from: fitSize, to: even } : undefined;
  if (padded) warn(`Padded ${fitSize.width}x${fitSize.height} to ${even.width}x${even.height}: yuv420p needs even dimensions`);
  const unplayable = playabilityWarning(out.codec, even, fitSize);
  if (unplayable) warn(unplayable);
  return { fitSize, ...even, padded, animation: undefined };
}

/** The error for a picture of another size under `fit: 'error'`. */
export function sizeMismatch(picture: { label: string; width: number; height: number; file?: string | undefined; position?: number | undefined }, size: Size, others = ''): FlipbookError {
  return new FlipbookError('SIZE_MISMATCH', `${picture.label} is ${picture.width}x${picture.height}, not ${size.width}x${size.height} like the video${others}`, {
    option: 'fit',
    ...(picture.file === undefined ? {} : { file: picture.file }),
    ...(picture.position === undefined ? {} : { position: picture.position }),
    hint: text`Give pictures of ${size.width}x${size.height}, pass ${optChoice('fit', FIT_MODES.filter((m) => m !== 'error'))} to fit them, or pass ${opt('size')} to choose the frame size`,
  });
}
