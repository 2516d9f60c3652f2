/**
 * The display matrix (phone videos: "rotate 90") and the filters that show a frame upright,
 * as the ffmpeg command line does it (fftools/ffmpeg_filter.c, autorotate). Pure arithmetic.
 */

/** The 3x3 matrix, row by row; entries 0,1,3,4 are 16.16 fixed point, as FFmpeg stores them. */
export type DisplayMatrix = readonly number[];

/** Reads the 36 bytes of FFmpeg's display-matrix side data. */
export function parseDisplayMatrix(bytes: Uint8Array | null | undefined): DisplayMatrix | undefined {
  if (!bytes || bytes.byteLength < 36) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 36);
  return Array.from({ length: 9 }, (_, i) => view.getInt32(i * 4, true));
}

/**
 * The angle, in degrees counterclockwise, by which the matrix rotates the frame: FFmpeg's
 * av_display_rotation_get, which is also what ffprobe prints as `rotation`.
 */
export function displayRotation(matrix: DisplayMatrix | undefined): number {
  if (!matrix) return 0;
  const fp = (i: number): number => (matrix[i] ?? 0) / 65536;
  const scale0 = Math.hypot(fp(0), fp(3));
  const scale1 = Math.hypot(fp(1), fp(4));
  if (scale0 === 0 || scale1 === 0) return 0;
  const rotation = (Math.atan2(fp(1) / scale1, fp(0) / scale0) * 180) / Math.PI;
  // -0 reads badly in JSON and in messages.
  return -rotation + 0;
}

/** The filters that show a frame upright, and whether they swap width and height. */
export interface Upright {
  filters: string[];
  swapsSize: boolean;
}

/**
 * The stored size as a player shows it: non-square pixels (a DVD's 720x576 at 64:45, 16:9;
 * at 16:15, 4:3) widened or narrowed to square ones with the height kept, as players and
 * ffmpeg's `scale=iw*sar:ih` do. A frame written as an image at its stored size looks squeezed,
 * since an image has no pixel aspect ratio viewers honour.
 */
export function squarePixelSize(width: number, height: number, sar: { num: number; den: number } | undefined): { width: number; height: number } {
  if (!sar || sar.num <= 0 || sar.den <= 0 || sar.num === sar.den) return { width, height };
  return { width: Math.max(1, Math.round((width * sar.num) / sar.den)), height };
}

/**
 * The filters that show a stored frame as a player does: square pixels (first, as the sample
 * aspect ratio is the stored picture's), then upright.
 */
export function shownFilters(matrix: DisplayMatrix | undefined, width: number, height: number, sar: { num: number; den: number } | undefined): Upright {
  const upright = uprightFilters(matrix);
  const square = squarePixelSize(width, height, sar);
  if (square.width === width) return upright;
  return { filters: [`scale=${square.width}:${square.height}`, 'setsar=1', ...upright.filters], swapsSize: upright.swapsSize };
}

export function uprightFilters(matrix: DisplayMatrix | undefined): Upright {
  if (!matrix) return { filters: [], swapsSize: false };
  // fftools' get_rotation: clockwise degrees in [0, 360).
  let theta = -Math.round(displayRotation(matrix));
  theta -= 360 * Math.floor(theta / 360 + 0.9 / 360);
  const m = (i: number): number => matrix[i] ?? 0;
  if (Math.abs(theta - 90) < 1) return { filters: [`transpose=${m(3) > 0 ? 'cclock_flip' : 'clock'}`], swapsSize: true };
  if (Math.abs(theta - 270) < 1) return { filters: [`transpose=${m(3) < 0 ? 'clock_flip' : 'cclock'}`], swapsSize: true };
  if (Math.abs(theta - 180) < 1) {
    return { filters: [...(m(0) < 0 ? ['hflip'] : []), ...(m(4) < 0 ? ['vflip'] : [])], swapsSize: false };
  }
  if (Math.abs(theta) > 1) {
    // An odd angle: rotate inside the same frame size, as ffmpeg does.
    return { filters: [`rotate=${theta.toFixed(6)}*PI/180`], swapsSize: false };
  }
  return { filters: m(4) < 0 ? ['vflip'] : [], swapsSize: false };
}
