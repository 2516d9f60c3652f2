/**
 * A 5x7 pixel font for the timestamps of a contact sheet: digits, colon and dot. Drawing text
 * this way needs no font file and no FFmpeg text filter (whose build and fonts vary).
 */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
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

/** A time as a label: `m:ss.d` under an hour, `h:mm:ss` from an hour on. */
export function formatTimestamp(seconds: number): string {
  const t = Math.max(0, seconds);
  if (t >= 3600) {
    const whole = Math.floor(t);
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = whole % 60;
    return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  }
  const tenths = Math.floor(t * 10 + 1e-6);
  const m = Math.floor(tenths / 600);
  const s = (tenths % 600) / 10;
  return `${m}:${s.toFixed(1).padStart(4, '0')}`;
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
