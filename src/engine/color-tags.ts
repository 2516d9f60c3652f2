/** H.273 colour code points as FFmpeg (and ffprobe) name them. */
const SPACES: Readonly<Record<number, string>> = {
  0: 'gbr',
  1: 'bt709',
  2: 'unknown',
  4: 'fcc',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'ycgco',
  9: 'bt2020nc',
  10: 'bt2020c',
  11: 'smpte2085',
  12: 'chroma-derived-nc',
  13: 'chroma-derived-c',
  14: 'ictcp',
};
const PRIMARIES: Readonly<Record<number, string>> = {
  1: 'bt709',
  2: 'unknown',
  4: 'bt470m',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'film',
  9: 'bt2020',
  10: 'smpte428',
  11: 'smpte431',
  12: 'smpte432',
  22: 'ebu3213',
};
const TRANSFERS: Readonly<Record<number, string>> = {
  1: 'bt709',
  2: 'unknown',
  4: 'gamma22',
  5: 'gamma28',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'linear',
  9: 'log100',
  10: 'log316',
  11: 'iec61966-2-4',
  12: 'bt1361e',
  13: 'iec61966-2-1',
  14: 'bt2020-10',
  15: 'bt2020-12',
  16: 'smpte2084',
  17: 'smpte428',
  18: 'arib-std-b67',
};
const RANGES: Readonly<Record<number, string>> = { 0: 'unknown', 1: 'tv', 2: 'pc' };

export interface ColorTags {
  colorSpace: string;
  colorPrimaries: string;
  colorTransfer: string;
  colorRange: string;
}

export function colorTags(codes: { colorSpace: number; colorPrimaries: number; colorTrc: number; colorRange: number }): ColorTags {
  return {
    colorSpace: SPACES[codes.colorSpace] ?? String(codes.colorSpace),
    colorPrimaries: PRIMARIES[codes.colorPrimaries] ?? String(codes.colorPrimaries),
    colorTransfer: TRANSFERS[codes.colorTrc] ?? String(codes.colorTrc),
    colorRange: RANGES[codes.colorRange] ?? String(codes.colorRange),
  };
}

/** Bits per component of a pixel format, from its name (yuv420p10le: 10, rgb48be: 16). */
export function bitDepthOf(pixelFormat: string): number {
  if (/^(rgb|bgr)48|^(rgba|bgra)64|^ya16/.test(pixelFormat)) return 16;
  const semiPlanar = /^p[24]1(\d)/.exec(pixelFormat) ?? /^y21(\d)/.exec(pixelFormat);
  if (semiPlanar) return ({ '0': 10, '2': 12, '6': 16 } as Record<string, number>)[semiPlanar[1] ?? ''] ?? 8;
  const xv = /^xv3(\d)/.exec(pixelFormat);
  if (xv) return xv[1] === '6' ? 12 : 10;
  const m = /(?:p|gray)(\d{1,3})(le|be)?$/.exec(pixelFormat);
  return m ? Number(m[1]) : 8;
}

/** Chroma subsampling of a pixel format, as people write it: 4:2:0, 4:2:2, 4:4:4, 4:0:0. */
export function chromaOf(pixelFormat: string): string | undefined {
  if (/^(yuvj?420|yuva420|nv12|nv21|p01|p016)/.test(pixelFormat)) return '4:2:0';
  if (/^(yuvj?422|yuva422|nv16|p21|yuyv422|uyvy422|yvyu422|y210)/.test(pixelFormat)) return '4:2:2';
  if (/^(yuvj?444|yuva444|nv24|nv42|p41|gbr|rgb|bgr|argb|abgr|0rgb|0bgr|x2rgb|ayuv|vuya|xv3|y41)/.test(pixelFormat)) return '4:4:4';
  if (/^(yuvj?411)/.test(pixelFormat)) return '4:1:1';
  if (/^(yuv410)/.test(pixelFormat)) return '4:1:0';
  if (/^(gray|ya)/.test(pixelFormat)) return '4:0:0';
  return undefined;
}

/** Pixel formats whose samples carry alpha (a palette may: PNG's tRNS, GIF's transparent index). The one test of it. */
export function hasAlpha(pixelFormat: string): boolean {
  return /^(rgba|bgra|argb|abgr|ya\d|yuva|gbrap|pal8|ayuv|vuya)/.test(pixelFormat);
}
