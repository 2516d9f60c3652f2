/**
 * The size readFrames delivers, and the filters that make it: with both `width` and `height`
 * exactly that size (fitted as `fit` says), as readImage does; otherwise the aspect ratio kept.
 */
import { fitFiltersFromAny } from '../engine/index.js';
import { type ResolvedSelection, outputSize } from '../options/split-options.js';
import type { Size } from '../options/values.js';

export type ReadFit = 'contain' | 'cover' | 'fill';
export const READ_FITS: readonly ReadFit[] = ['contain', 'cover', 'fill'];

export interface FrameShape extends Size {
  /** Filters after the ones that turn the picture upright (contain's pad, cover's crop). */
  filters: string[];
  /** A plain resize, for the converter's own scale (undefined: the filters give the size). */
  resize: Size | undefined;
}

/** `shown` is the picture's size upright. */
export function frameShape(selection: Pick<ResolvedSelection, 'width' | 'height' | 'scale'>, fit: ReadFit, shown: Size): FrameShape {
  const { width, height } = selection;
  if (width !== undefined && height !== undefined) {
    const same = width === shown.width && height === shown.height;
    if (same) return { width, height, filters: [], resize: undefined };
    // Fill is a plain resize; contain and cover scale to the aspect ratio, then pad or crop.
    if (fit === 'fill') return { width, height, filters: [], resize: { width, height } };
    return { width, height, filters: fitFiltersFromAny(width, height, fit, 'black'), resize: undefined };
  }
  const size = outputSize(selection, shown.width, shown.height);
  const resized = size.width !== shown.width || size.height !== shown.height;
  return { ...size, filters: [], resize: resized ? size : undefined };
}
