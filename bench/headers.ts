/**
 * `npx tsx bench/headers.ts`: the time to read the headers of 300 image files (what planning a
 * stitch does before anything is decoded): 100 camera-like 1920x1080 JPEGs (JFIF, then EXIF with
 * a 40 kB maker note, orientation 6 as a LONG), 100 1920x1080 PNGs with an eXIf chunk, 100
 * extended WebPs with EXIF after the image data. Prints the median and the fastest of 21 runs, files in the page cache.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readImageHeaderSync } from '../src/inputs/headers.js';
import { exifBlock, jpegWithExif, pngWithExif, webpWithExif } from '../test/helpers/exif.js';
import { paint } from '../test/helpers/images.js';

const dir = await mkdtemp(join(tmpdir(), 'flipbook-bench-headers-'));
try {
  const picture = paint(1920, 1080, (x, y) => [(x * 3) & 255, (y * 5) & 255, ((x ^ y) * 7) & 255]);
  const exif = exifBlock(6, { order: 'MM', type: 'LONG', ifd0Offset: 8, makerNote: 40000 });
  const kinds = [
    { ext: 'jpg', bytes: jpegWithExif(picture, exif, { jfif: true }) },
    { ext: 'png', bytes: pngWithExif(picture, exif) },
    { ext: 'webp', bytes: webpWithExif(picture, exif) },
  ];
  const files: string[] = [];
  for (const { ext, bytes } of kinds) {
    for (let i = 0; i < 100; i++) {
      const file = join(dir, `${ext}-${i}.${ext}`);
      await writeFile(file, bytes);
      files.push(file);
    }
  }
  const times: number[] = [];
  const orientations = new Map<string, number>();
  for (let run = 0; run < 21; run++) {
    const start = process.hrtime.bigint();
    for (const file of files) {
      const header = readImageHeaderSync(file);
      orientations.set(header.type, header.orientation);
    }
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`300 headers: median ${times[10]?.toFixed(1)} ms, fastest ${times[0]?.toFixed(1)} ms; orientation read: ${[...orientations].map(([k, v]) => `${k} ${v}`).join(', ')}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
