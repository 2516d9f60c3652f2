/**
 * A bounded fuzz pass over every input format the tests make: truncations and byte flips from a
 * fixed seed (the same cases every run). Each case ends in a FlipbookError that names the file,
 * or in an output that decodes to one frame; never another kind of error, a crash, a hang (each
 * case has a time limit) or a file left in the output directory.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, stitch } from '../src/index.js';
import { CORNERS, tiffWithOrientation } from './helpers/exif.js';
import { fixture } from './helpers/fixtures.js';
import { paint } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

const SEED = 0x5eed_f11b;
const CASES_PER_SOURCE = 32;
const CASE_TIMEOUT_MS = 15_000;

/** mulberry32: a small deterministic generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const picture = paint(64, 48, (x, y) => (y < 24 ? (x < 32 ? CORNERS.tl : CORNERS.tr) : x < 32 ? CORNERS.bl : CORNERS.br));

const SOURCES: readonly { name: string; ext: string; bytes: Buffer }[] = [
  { name: 'png', ext: 'png', bytes: readFileSync(fixture('png-rgb16.png')) },
  { name: 'png-palette', ext: 'png', bytes: readFileSync(fixture('png-palette-transparent.png')) },
  { name: 'jpeg-baseline', ext: 'jpg', bytes: readFileSync(fixture('jpeg-baseline.jpg')) },
  { name: 'jpeg-progressive', ext: 'jpg', bytes: readFileSync(fixture('jpeg-progressive.jpg')) },
  { name: 'gif', ext: 'gif', bytes: readFileSync(fixture('gif-two-frames.gif')) },
  { name: 'webp', ext: 'webp', bytes: readFileSync(fixture('webp-lossless.webp')) },
  { name: 'tiff-lzw', ext: 'tif', bytes: readFileSync(fixture('tiff-rgb.tif')) },
  { name: 'tiff-raw', ext: 'tif', bytes: tiffWithOrientation(picture, 6, { order: 'MM', type: 'LONG', ifdFirst: false }) },
  { name: 'bmp', ext: 'bmp', bytes: readFileSync(fixture('bmp-rgb24.bmp')) },
];

/** A damaged copy: cut at a random offset (one case in three) or 1 to 8 random bytes changed. */
function damage(bytes: Buffer, next: () => number): { bytes: Buffer; what: string } {
  if (next() < 1 / 3) {
    const at = 1 + Math.floor(next() * (bytes.length - 1));
    return { bytes: bytes.subarray(0, at), what: `cut at ${at} of ${bytes.length}` };
  }
  const out = Buffer.from(bytes);
  const flips: string[] = [];
  const count = 1 + Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(next() * out.length);
    const value = 1 + Math.floor(next() * 255);
    out[at] = (out[at] ?? 0) ^ value;
    flips.push(`${at}^${value}`);
  }
  return { bytes: out, what: `bytes changed: ${flips.join(' ')}` };
}

function withTimeout<T>(promise: Promise<T>, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no result within ${CASE_TIMEOUT_MS} ms (a hang)`)), CASE_TIMEOUT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

describe(`fuzz: truncations and byte flips of every input format (seed ${SEED.toString(16)}, ${CASES_PER_SOURCE} cases a format)`, () => {
  for (const [s, source] of SOURCES.entries()) {
    it(`${source.name}: every case is a clean error naming the file or a decodable output, nothing left over`, async (t) => {
      const dir = await tempDir(t);
      const next = random(SEED + s);
      const outcomes = { refused: 0, written: 0 };
      for (let k = 0; k < CASES_PER_SOURCE; k++) {
        const { bytes, what } = damage(source.bytes, next);
        const file = join(dir, `case-${k}.${source.ext}`);
        await writeFile(file, bytes);
        const outDir = join(dir, `out-${k}`);
        await mkdir(outDir);
        const out = join(outDir, 'out.mp4');
        const label = `${source.name} case ${k} (${what})`;
        let written = false;
        try {
          await withTimeout(stitch([file], out, { preset: 'ultrafast' }), label);
          written = true;
        } catch (error) {
          assert.ok(error instanceof FlipbookError, `${label}: a FlipbookError, not ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          assert.ok(error.file === file || error.message.includes(file), `${label}: the error names the file: ${error.message}`);
          outcomes.refused++;
        }
        if (written) {
          const back = await readVideo(out);
          assert.equal(back.frames.length, 1, `${label}: one frame written`);
          const frame = back.frames[0];
          assert.ok(frame && frame.width > 0 && frame.height > 0, `${label}: a frame with a size`);
          outcomes.written++;
        }
        assert.deepEqual(await readdir(outDir), written ? ['out.mp4'] : [], `${label}: nothing left over in the output directory`);
        await rm(outDir, { recursive: true, force: true });
      }
      t.diagnostic(`${source.name}: ${outcomes.refused} refused, ${outcomes.written} written`);
      assert.equal(outcomes.refused + outcomes.written, CASES_PER_SOURCE, 'every case ran');
    });
  }
});
