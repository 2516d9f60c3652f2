/**
 * A 5x7 pixel font for the timestamps of a contact sheet: digits, colon and dot. Drawing text
 * this way needs no font file and no FFmpeg text filter (whose build and fonts vary).
 */
/** @internal exported for the tests that read labels back from a sheet's pixels. */
export const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11111', '00010', '00100', '00010', '00001', '10001', '01110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
  ':': ['00000', '01100', '01100', '00000', '01100', '01100', '00000'],
  '.': ['00000', '00000', '00000', '00000', '00000', '01100', '01100'],
};

const GLYPH_WIDTH = 5;
const GLYPH_HEIGHT = 7;

/**
 * A time as a label: `m:ss.d` under an hour, `h:mm:ss.d` from an hour on, with `decimals`
 * digits after the seconds (0 to 3). The time is cut, not rounded, so a frame's label never
 * shows a later time than the frame's own.
 */
export function formatTimestamp(seconds: number, decimals = 1): string {
  const places = Math.max(0, Math.min(3, Math.floor(decimals)));
  const unit = 10 ** places;
  const ticks = Math.floor(Math.max(0, seconds) * unit + 1e-6);
  const whole = Math.floor(ticks / unit);
  const fraction = places ? `.${String(ticks % unit).padStart(places, '0')}` : '';
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}${fraction}` : `${m}:${s}${fraction}`;
}

/**
 * How many decimals a label needs so that two frames of a video never share one: the smallest
 * number (1 to 3) whose unit is no longer than the time between frames (tenths up to 10 fps,
 * hundredths up to 100 fps, milliseconds beyond). `frameStep` in seconds; undefined: tenths.
 */
export function labelDecimals(frameStep: number | undefined): number {
  if (frameStep === undefined || !(frameStep > 0)) return 1;
  for (let d = 1; d < 3; d++) if (10 ** -d <= frameStep + 1e-9) return d;
  return 3;
}

/** Size of a label's box in pixels at a scale. */
export function labelSize(text: string, scale: number): { width: number; height: number } {
  const pad = 2 * scale;
  return { width: text.length * (GLYPH_WIDTH + 1) * scale - scale + 2 * pad, height: GLYPH_HEIGHT * scale + 2 * pad };
}

/**
 * Draws white text on a half-dark box into packed RGB pixels (`stride` bytes a row), with the
 * box's top-left corner at (x, y), clipped to `clip` (the thumbnail).
 */
export function drawLabel(
  rgb: Uint8Array,
  stride: number,
  x: number,
  y: number,
  text: string,
  scale: number,
  clip: { x: number; y: number; width: number; height: number },
): void {
  const box = labelSize(text, scale);
  const inside = (px: number, py: number): boolean => px >= clip.x && py >= clip.y && px < clip.x + clip.width && py < clip.y + clip.height;
  for (let py = y; py < y + box.height; py++) {
    for (let px = x; px < x + box.width; px++) {
      if (!inside(px, py)) continue;
      const i = py * stride + px * 3;
      for (let c = 0; c < 3; c++) rgb[i + c] = ((rgb[i + c] ?? 0) * 0.35) | 0;
    }
  }
  const pad = 2 * scale;
  [...text].forEach((ch, n) => {
    const glyph = GLYPHS[ch];
    if (!glyph) return;
    const gx = x + pad + n * (GLYPH_WIDTH + 1) * scale;
    glyph.forEach((row, gy) => {
      for (let bit = 0; bit < GLYPH_WIDTH; bit++) {
        if (row[bit] !== '1') continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const px = gx + bit * scale + sx;
            const py = y + pad + gy * scale + sy;
            if (!inside(px, py)) continue;
            rgb.fill(255, py * stride + px * 3, py * stride + px * 3 + 3);
          }
        }
      }
    });
  });
}
