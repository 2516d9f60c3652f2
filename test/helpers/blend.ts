/** How far a decoded transition frame is from the blend of its neighbours. */

/** A decoded frame: RGB or RGBA, tightly packed (alpha is not compared). */
export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface BlendError {
  /** The largest difference of a block's channel mean, in levels. */
  worst: number;
  /** The mean of those differences over every block and channel. */
  mean: number;
}

/**
 * Compares the mean of each `block` x `block` block and R, G, B channel of `frame` with
 * `from * (1 - progress) + to * progress` (xfade's fade at that progress). Block means, not
 * pixels: a palette's dither moves single pixels, not the means. `progress` 0 compares `frame`
 * with `from` alone, 1 with `to`.
 */
export function blendError(frame: Pixels, from: Pixels, to: Pixels, { progress = 0.5, block = 8 } = {}): BlendError {
  const channels = frame.data.length / (frame.width * frame.height);
  let worst = 0;
  let sum = 0;
  let count = 0;
  for (let by = 0; by + block <= frame.height; by += block) {
    for (let bx = 0; bx + block <= frame.width; bx += block) {
      for (let c = 0; c < 3; c++) {
        let got = 0;
        let expected = 0;
        for (let y = by; y < by + block; y++) {
          for (let x = bx; x < bx + block; x++) {
            const i = (y * frame.width + x) * channels + c;
            got += frame.data[i] ?? 0;
            expected += (from.data[i] ?? 0) * (1 - progress) + (to.data[i] ?? 0) * progress;
          }
        }
        const error = Math.abs(got - expected) / (block * block);
        worst = Math.max(worst, error);
        sum += error;
        count++;
      }
    }
  }
  return { worst, mean: sum / count };
}

/** A black frame of the shape of `like`. */
export function blackLike(like: Pixels): Pixels {
  return { data: new Uint8Array(like.data.length), width: like.width, height: like.height };
}
