/**
 * One image file as pixels, the way numpy users read one (`imageio.imread`, `plt.imread`,
 * `cv2.resize`): upright (EXIF orientation applied), at the asked size, in the asked layout.
 */
import { readFile } from 'node:fs/promises';

import { type FitMode, Normaliser, PixelReader, decodeImage } from '../engine/index.js';
import { FlipbookError, cannotOpen, invalidOption, opt, text } from '../errors.js';
import { readImageHeader } from '../inputs/headers.js';
import { DEFAULT_PIXEL_LIMIT } from '../options/output-options.js';
import { PIXEL_LAYOUTS, type PixelLayout, checkOptionsObject, colorToHex, parseChoice, parseColor, parseInteger, parsePixelLimit } from '../options/values.js';
import { checkDecodable } from '../core/limits.js';

/** The fit modes readImage takes: stitch's, less `error` (a size was asked for, so it is given). */
export const READ_FIT_MODES: readonly Exclude<FitMode, 'error'>[] = ['contain', 'cover', 'fill'];

export interface ReadImageOptions {
  /** Width of the pixels returned. Alone: the height follows the image's aspect ratio. Default: the image's own. */
  width?: number | string;
  /** Height of the pixels returned. Alone: the width follows the image's aspect ratio. */
  height?: number | string;
  /**
   * With both `width` and `height`, how an image of another shape fills them (the result is
   * exactly that size either way): `contain` (whole image, bars of `background`; transparent
   * bars in `rgba`), `cover` (fills, cropped at the centre), `fill` (stretched). Default `contain`.
   */
  fit?: 'contain' | 'cover' | 'fill';
  /** `rgba` (4 bytes a pixel, what an ImageData holds), `rgb` (3) or `gray` (1). Default `rgba`. */
  layout?: PixelLayout;
  /** Colour of `contain`'s bars, and under transparency for `rgb` and `gray`. Default `black`. */
  background?: string;
  /** Refuse an image whose header declares more pixels than this. Default 268402689 (16383²), `false` for none. */
  limitPixels?: number | string | false;
}

/** Pixels of one image, tightly packed, top row first: `width × height × (4 | 3 | 1)` bytes. */
export interface ImagePixels {
  data: Uint8Array;
  width: number;
  height: number;
  layout: PixelLayout;
}

const PACKED_FORMATS = { rgba: 'rgba', rgb: 'rgb24', gray: 'gray' } as const;

const given = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/**
 * Reads an image file (PNG, JPEG, WebP, TIFF, BMP, GIF's first frame) into pixels:
 * `const { data, width, height } = await readImage('photo.jpg', { width: 640, height: 480, fit: 'cover', layout: 'rgb' })`.
 * With both `width` and `height` the result is exactly that size; with one, the other keeps
 * the aspect ratio of the picture as shown (after EXIF orientation).
 */
export async function readImage(file: string, options: ReadImageOptions = {}): Promise<ImagePixels> {
  if (typeof file !== 'string' || file === '') throw invalidOption('file', 'the path of an image file', file);
  checkOptionsObject(options);
  const layout = parseChoice(options.layout ?? 'rgba', 'layout', PIXEL_LAYOUTS);
  const fit = parseChoice(options.fit ?? 'contain', 'fit', READ_FIT_MODES);
  const background = parseColor(options.background ?? 'black');
  const limit = options.limitPixels === undefined ? DEFAULT_PIXEL_LIMIT : parsePixelLimit(options.limitPixels);
  const askedWidth = given(options.width) ? parseInteger(options.width, 'width', 1, 16384) : undefined;
  const askedHeight = given(options.height) ? parseInteger(options.height, 'height', 1, 16384) : undefined;

  const header = await readImageHeader(file);
  if (header.width * header.height > limit) {
    throw new FlipbookError('PIXEL_LIMIT', `${file} declares ${header.width}x${header.height} = ${header.width * header.height} pixels, above the limit of ${limit}`, {
      file,
      option: 'limitPixels',
      hint: text`Pass a larger ${opt('limitPixels')} (or false for none) if you trust this image`,
    });
  }
  checkDecodable(header.width, header.height, { label: file, file });
  const shown = { width: header.displayWidth, height: header.displayHeight };
  const width = askedWidth ?? (askedHeight === undefined ? shown.width : Math.max(1, Math.round((askedHeight * shown.width) / shown.height)));
  const height = askedHeight ?? (askedWidth === undefined ? shown.height : Math.max(1, Math.round((askedWidth * shown.height) / shown.width)));

  const bytes = await readFile(file).catch((cause: unknown) => {
    throw cannotOpen(file, cause);
  });
  const decoded = await decodeImage(bytes, header.type, file);
  // The normalise stage of stitch (orientation, fit, alpha onto the background) into packed
  // RGB(A); gray is taken from that RGB as readFrames takes it from a video's.
  const keepAlpha = layout === 'rgba';
  const normaliser = new Normaliser({
    fitWidth: width,
    fitHeight: height,
    width,
    height,
    fit,
    background: colorToHex(background),
    pixelFormat: keepAlpha ? 'rgba' : 'rgb24',
    flattenAlpha: !keepAlpha,
  });
  const reader = new PixelReader({ filters: [], width: undefined, height: undefined, pixelFormat: PACKED_FORMATS[layout] });
  try {
    const fitted = await normaliser.process(decoded, header.orientation);
    try {
      const data = await reader.pixels(fitted);
      return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: fitted.width, height: fitted.height, layout };
    } finally {
      fitted.release();
    }
  } finally {
    reader.close();
    normaliser.close();
  }
}
