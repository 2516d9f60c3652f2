/** Pictures with transparency for the alpha tests. */
import type { Image } from './images.js';

/** Left half transparent, right half opaque in a colour of the frame, a semi-transparent band in the middle rows. */
export function alphaFrame(n: number, width = 64, height = 48): Image {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const alpha = x < width / 2 ? (y >= height / 2 - 4 && y < height / 2 + 4 ? 128 : 0) : 255;
      data.set([200 - 30 * n, 60 + 30 * n, 40, alpha], (y * width + x) * 4);
    }
  }
  return { width, height, channels: 4, data };
}

