/** The committed fixtures (made by scripts/make-fixtures.sh) and what each one shows. */
import { fileURLToPath } from 'node:url';

import type { Rgb } from './images.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export function fixture(name: string): string {
  return `${FIXTURES}${name}`;
}

export interface QuadrantColours {
  tl: Rgb;
  tr: Rgb;
  bl: Rgb;
  br: Rgb;
}

/** Red, green, blue, white: the quadrant picture most fixtures show (64x48). */
export const QUADRANTS: QuadrantColours = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 255] };
const grey = (v: number): Rgb => [v, v, v];
export const GREY_QUADRANTS: QuadrantColours = { tl: grey(32), tr: grey(96), bl: grey(160), br: grey(224) };

/** Every readable image fixture, its size and its quadrants as they look on a black background. */
export const IMAGE_FIXTURES: readonly { name: string; what: string; width: number; height: number; colours: QuadrantColours }[] = [
  { name: 'png-rgb16.png', what: 'PNG, RGB 16 bits a sample', width: 64, height: 48, colours: QUADRANTS },
  { name: 'png-gray.png', what: 'PNG, gray 8 bits', width: 64, height: 48, colours: GREY_QUADRANTS },
  { name: 'png-gray1.png', what: 'PNG, gray 1 bit', width: 64, height: 48, colours: { tl: grey(0), tr: grey(255), bl: grey(0), br: grey(255) } },
  { name: 'png-palette-transparent.png', what: 'PNG, 2-bit palette with a transparent entry', width: 64, height: 48, colours: { ...QUADRANTS, br: [0, 0, 0] } },
  { name: 'png-interlaced.png', what: 'PNG, Adam7 interlaced', width: 64, height: 48, colours: QUADRANTS },
  { name: 'png-rgba.png', what: 'PNG, RGBA with partial alpha', width: 64, height: 48, colours: { tl: [255, 0, 0], tr: [0, 128, 0], bl: [0, 0, 0], br: [255, 255, 255] } },
  { name: 'jpeg-baseline.jpg', what: 'JPEG, baseline', width: 64, height: 48, colours: QUADRANTS },
  { name: 'jpeg-progressive.jpg', what: 'JPEG, progressive', width: 64, height: 48, colours: QUADRANTS },
  { name: 'jpeg-cmyk.jpg', what: 'JPEG, CMYK', width: 64, height: 48, colours: QUADRANTS },
  { name: 'jpeg-gray.jpg', what: 'JPEG, grayscale', width: 64, height: 48, colours: GREY_QUADRANTS },
  { name: 'webp-lossless.webp', what: 'WebP, lossless', width: 64, height: 48, colours: QUADRANTS },
  { name: 'tiff-rgb.tif', what: 'TIFF, RGB, LZW', width: 64, height: 48, colours: QUADRANTS },
  { name: 'bmp-rgb24.bmp', what: 'BMP, 24 bits', width: 64, height: 48, colours: QUADRANTS },
  { name: 'gif-two-frames.gif', what: 'GIF, two frames (the first is taken)', width: 64, height: 48, colours: QUADRANTS },
];
