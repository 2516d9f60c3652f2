/**
 * Writes a GIF whose LZW is asked to run on its thread (`threads: 2`): 12 frames of noise at
 * 320x240 into the file named by the first argument, and prints `{ onThreads, bytes }` as JSON.
 * test/gif-coder-threads.test.ts runs it with and without an address-space limit.
 *
 * Usage: node [--import tsx] gif-under-limit.ts <out.gif>
 */
import { readFile } from 'node:fs/promises';

import { GifWriter } from '../../src/engine/gif-writer.js';

const [W, H, FRAMES] = [320, 240, 12];
let s = 11;
const next = (): number => {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  return s >>> 24;
};
const colors = new Uint8Array(200 * 3).map((_, i) => (i * 37 + (i % 3) * 91) & 255);
const file = process.argv[2] ?? 'out.gif';
const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, threads: 2 });
for (let f = 0; f < FRAMES; f++) {
  const data = new Uint8Array(W * H * 4);
  for (let p = 0; p < W * H; p++) {
    const c = next() % 200;
    data.set([colors[c * 3] ?? 0, colors[c * 3 + 1] ?? 0, colors[c * 3 + 2] ?? 0, 255], p * 4);
  }
  await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
}
await writer.finish();
console.log(JSON.stringify({ onThreads: writer.codedOnThreads, bytes: (await readFile(file)).length }));
