/**
 * GIF with `jobs`: colours counted on the workers, one palette from the merged counts, each
 * segment mapped on a worker and the image blocks joined under one header. Against the
 * one-piece run of the same input: the same frames and delays, and with tolerance 0 the same
 * bytes (so the same pixels); with a tolerance, the frames from a cut on within a stated bound.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FlipbookError, animate, stitch } from '../src/index.js';
import { OWN_PALETTE_WINDOW } from '../src/engine/gif-writer.js';
import { planSegments } from '../src/segments/plan.js';
import { alphaFrame } from './helpers/alpha.js';
import { type AnimationBack, readAnimation } from './helpers/animation.js';
import { writeFrames } from './helpers/frames.js';
import { gifBlocks } from './helpers/gif-blocks.js';
import { type Image, paint } from './helpers/images.js';

const WIDTH = 64;
const HEIGHT = 48;
const FRAMES = 60;

/**
 * A still left half (a gradient with a fixed grain: frame differences leave it alone) beside a
 * pan with grain that changes every frame (dithered and redrawn each frame).
 */
function picture(n: number): Image {
  const noise = (x: number, y: number, k: number): number => {
    const h = Math.sin(x * 12.9898 + y * 78.233 + k * 37.719) * 43758.5453;
    return (h - Math.floor(h)) * 16 - 8;
  };
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  return paint(WIDTH, HEIGHT, (x, y) => {
    if (x < WIDTH / 2) return [clamp(40 + x * 5 + noise(x, y, 0)), clamp(90 + y * 3), clamp(160 - x * 2 + noise(y, x, 0))];
    const u = x + 2 * n;
    return [clamp(120 + 60 * Math.sin(u / 7) + noise(x, y, n)), clamp(100 + 50 * Math.sin(y / 5 + u / 11) + noise(y, x, n)), clamp(80 + 3 * y + noise(x + y, x, n))];
  });
}

/** Largest and mean absolute difference of two decoded frames' bytes. */
function difference(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] ?? 0) - (b[i] ?? 0));
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

function sameTiming(one: AnimationBack, jobs: AnimationBack, what: string): void {
  assert.equal(jobs.frames.length, one.frames.length, `${what}: ${jobs.frames.length} frames, one piece ${one.frames.length}`);
  assert.deepEqual(
    jobs.frames.map((f) => f.time),
    one.frames.map((f) => f.time),
    `${what}: every frame starts when it does in one piece (the delays are the same)`,
  );
}

/** Options that record warnings, and a check that the run was not said to run in one piece (it then was not cut). */
function watched(): { onWarning: (w: string) => void; check: (what: string) => void } {
  const warnings: string[] = [];
  return {
    onWarning: (w) => warnings.push(w),
    check: (what) => assert.ok(!warnings.some((w) => w.includes('one piece')), `${what}: rendered in segments, not in one piece: ${JSON.stringify(warnings)}`),
  };
}

describe('GIF with jobs', () => {
  let dir: string;
  let pattern: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-segments-gif-'));
    await writeFrames(dir, Array.from({ length: FRAMES }, (_, n) => ({ name: `f_${String(n).padStart(3, '0')}.png`, image: picture(n) })));
    pattern = join(dir, 'f_*.png');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the bytes of the one-piece GIF (palette from every segment, frame differences across the cut)', async () => {
    // 30 fps: delays of 3, 3 and 4 hundredths, so the cut must keep the rounding's phase.
    const options = { fps: 30, overwrite: true };
    assert.ok(planSegments(FRAMES, 30, 2).length >= 2, 'the run is cut into segments');
    const one = await stitch(pattern, join(dir, 'one.gif'), options);
    const warnings: string[] = [];
    const two = await stitch(pattern, join(dir, 'two.gif'), { ...options, jobs: 2, onWarning: (w) => warnings.push(w) });
    assert.ok(!warnings.some((w) => w.includes('one piece')), `rendered in segments, not in one piece: ${JSON.stringify(warnings)}`);
    assert.deepEqual({ ...two, output: '', warnings: [] }, { ...one, output: '', warnings: [] }, 'the same result: frames, duration, size, palette size');
    const [a, b] = await Promise.all([readFile(join(dir, 'one.gif')), readFile(join(dir, 'two.gif'))]);
    assert.ok(a.equals(b), `the same bytes (${b.length} against ${a.length})`);
    const [backOne, backTwo] = await Promise.all([readAnimation(join(dir, 'one.gif')), readAnimation(join(dir, 'two.gif'))]);
    assert.equal(backOne.frames.length, FRAMES, `${FRAMES} frames in one piece`);
    sameTiming(backOne, backTwo, 'jobs 2');
    backTwo.frames.forEach((f, i) => assert.equal(difference(f.data, backOne.frames[i]!.data).max, 0, `frame ${i} decodes to the same pixels`));
    const left = (await readdir(dir)).filter((name) => name.includes('segments') || name.startsWith('.'));
    assert.deepEqual(left, [], 'no segment directory is left beside the output');
  });

  it('with a tolerance, gives the bytes of the one-piece GIF too (each segment starts from the colours one piece compares with)', async () => {
    // Tolerance 6 on grain of +-8: many pixels keep a colour older than the previous frame's.
    const options = { fps: 25, overwrite: true, tolerance: 6, dither: 'sierra2_4a' as const, colors: 64 };
    await stitch(pattern, join(dir, 'tol-one.gif'), options);
    const seen = watched();
    await stitch(pattern, join(dir, 'tol-three.gif'), { ...options, jobs: 3, onWarning: seen.onWarning });
    seen.check('jobs 3, tolerance 6');
    const [a, b] = await Promise.all([readFile(join(dir, 'tol-one.gif')), readFile(join(dir, 'tol-three.gif'))]);
    assert.ok(a.equals(b), `the same bytes (${b.length} against ${a.length})`);
    const [one, three] = await Promise.all([readAnimation(join(dir, 'tol-one.gif')), readAnimation(join(dir, 'tol-three.gif'))]);
    sameTiming(one, three, 'jobs 3, tolerance 6');
  });

  it('a GIF with transparency runs in one piece, saying why (frames clear by what the next shows, across any cut)', async () => {
    const alphaDir = join(dir, 'alpha');
    await mkdir(alphaDir);
    await writeFrames(alphaDir, Array.from({ length: 50 }, (_, n) => ({ name: `a_${String(n).padStart(3, '0')}.png`, image: alphaFrame(n % 7) })));
    const options = { fps: 25, overwrite: true };
    await stitch(join(alphaDir, 'a_*.png'), join(dir, 'alpha-one.gif'), options);
    const warnings: string[] = [];
    await stitch(join(alphaDir, 'a_*.png'), join(dir, 'alpha-two.gif'), { ...options, jobs: 2, onWarning: (w) => warnings.push(String(w)) });
    assert.ok(warnings.some((w) => /Rendered in one piece.*transparency/.test(w)), `the one-piece warning: ${JSON.stringify(warnings)}`);
    const [a, b] = await Promise.all([readFile(join(dir, 'alpha-one.gif')), readFile(join(dir, 'alpha-two.gif'))]);
    assert.ok(a.equals(b), `the same bytes (${b.length} against ${a.length})`);
  });

  it('cuts where the own-palette windows start: a window that gave up trying before the middle decides the same in the second segment', async () => {
    // A gradient disc that moves (its palette of its own is cut and turned down: the global
    // palette holds its colours nearly); pictures 40-47 and 64-79 also draw a 32x32 tile of
    // colours of their own (a palette of its own is taken where it is tried). Window 1 (pictures
    // 32-63) gives up after 32-36 turned theirs down, so 40-47 keep the global palette; a second
    // segment starting at picture 40 (half of 80) would try them again.
    const W = 320;
    const H = 240;
    const tile = (f: number): boolean => (f >= 40 && f < 48) || f >= 64;
    const tileDir = join(dir, 'windows');
    await mkdir(tileDir);
    const pictureAt = (f: number): Image =>
      paint(W, H, (x, y) => {
        if (tile(f) && x >= 288 && y < 32) {
          const k = ((x >> 4) & 1) + ((y >> 4) & 1) * 2 + f * 4;
          return [(k * 37) & 255, (k * 91 + 40) & 255, 255 - ((k * 53) & 127)];
        }
        const cx = 60 + (f % 40) * 5;
        const d = Math.floor(Math.hypot(x - cx, y - 120));
        if (d >= 90) return [128, 128, 128];
        return [40 + d * 2, Math.round(60 + d * 1.5 + Math.floor((Math.atan2(y - 120, x - cx) + 4) * 1.3) * 3), 200 - d];
      });
    await writeFrames(tileDir, Array.from({ length: 80 }, (_, f) => ({ name: `w_${String(f).padStart(3, '0')}.png`, image: pictureAt(f) })));
    assert.deepEqual(
      planSegments(80, 25, 2, 40, OWN_PALETTE_WINDOW).map((s) => s.first),
      [0, 32],
      'two segments, the second from picture 32 (a window start), not 40',
    );
    const options = { fps: 25, overwrite: true };
    await stitch(join(tileDir, 'w_*.png'), join(dir, 'windows-one.gif'), options);
    const seen = watched();
    await stitch(join(tileDir, 'w_*.png'), join(dir, 'windows-two.gif'), { ...options, jobs: 2, onWarning: seen.onWarning });
    seen.check('own-palette windows');
    const [a, b] = await Promise.all([readFile(join(dir, 'windows-one.gif')), readFile(join(dir, 'windows-two.gif'))]);
    assert.ok(a.equals(b), `the same bytes (${b.length} against ${a.length})`);
    const tables = (await gifBlocks(join(dir, 'windows-one.gif'))).images.map((image) => image.localTable > 0);
    assert.equal(tables.length, 80, '80 frames');
    assert.deepEqual(tables.slice(40, 48), Array(8).fill(false), 'pictures 40-47: the global palette (window 1 gave up at 37)');
    const tried = tables.slice(64).filter(Boolean).length;
    assert.ok(tried >= 12, `pictures 64-79 (window 2 tries again): ${tried} of 16 with a palette of their own`);
  });

  it('renders an animation module in segments to the one-piece GIF', async () => {
    const module = join(dir, 'draw.mjs');
    await writeFile(
      module,
      `export const width = ${WIDTH}, height = ${HEIGHT}, fps = 20;
export function draw(ctx, { index }) {
  const g = ctx.createLinearGradient(0, 0, ${WIDTH}, ${HEIGHT});
  g.addColorStop(0, 'rgb(30, 60, 200)');
  g.addColorStop(1, 'rgb(250, 200, 40)');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, ${WIDTH}, ${HEIGHT});
  ctx.fillStyle = 'hsl(' + index * 7 + ', 80%, 50%)';
  ctx.fillRect(index % 50, 10, 14, 20);
}
`,
    );
    const one = await animate({ module, frames: 50 }, join(dir, 'anim-one.gif'), { overwrite: true });
    const seen = watched();
    const two = await animate({ module, frames: 50 }, join(dir, 'anim-two.gif'), { overwrite: true, jobs: 2, onWarning: seen.onWarning });
    seen.check('animation module');
    assert.equal(two.frames, 50, `50 frames, not ${two.frames}`);
    assert.equal(two.duration, one.duration, `the same length: ${two.duration} s against ${one.duration} s`);
    const [a, b] = await Promise.all([readFile(join(dir, 'anim-one.gif')), readFile(join(dir, 'anim-two.gif'))]);
    assert.ok(a.equals(b), `the same bytes (${b.length} against ${a.length})`);
  });

  it('an animation module whose frames leave transparent pixels: in segments the same pixels as one piece, not the same bytes', async () => {
    // A still square on a transparent canvas (its colour changes once, at frame 48): one piece
    // draws it and keeps it; a segment's
    // last frame clears all it shows (its writer cannot know the next segment), so the next
    // segment draws its first frame whole.
    const module = join(dir, 'still.mjs');
    await writeFile(
      module,
      `export const width = ${WIDTH}, height = ${HEIGHT}, fps = 20;
export function draw(ctx, { index }) {
  ctx.clearRect(0, 0, ${WIDTH}, ${HEIGHT});
  ctx.fillStyle = index < 48 ? '#36c' : '#c63';
  ctx.fillRect(10, 8, 30, 20);
}
`,
    );
    await animate({ module, frames: 64 }, join(dir, 'still-one.gif'), { overwrite: true });
    const seen = watched();
    await animate({ module, frames: 64 }, join(dir, 'still-two.gif'), { overwrite: true, jobs: 2, onWarning: seen.onWarning });
    seen.check('transparent animation module');
    const [one, two] = await Promise.all([readAnimation(join(dir, 'still-one.gif')), readAnimation(join(dir, 'still-two.gif'))]);
    assert.equal(two.frames.length, 64);
    for (const [i, frame] of one.frames.entries()) assert.ok(Buffer.from(frame.data).equals(Buffer.from(two.frames[i]?.data ?? [])), `frame ${i}: the same pixels, transparency included`);
    const [a, b] = await Promise.all([readFile(join(dir, 'still-one.gif')), readFile(join(dir, 'still-two.gif'))]);
    assert.ok(!a.equals(b) && b.length > a.length, `not the same bytes: the cut redraws the square (${b.length} against ${a.length})`);
  });

  it('refuses a queue for a GIF, naming the option', async () => {
    await assert.rejects(
      stitch(pattern, join(dir, 'queued.gif'), { fps: 25, overwrite: true, jobs: 2, queue: 'redis://127.0.0.1:1', workDir: dir }),
      (error: unknown) => error instanceof FlipbookError && error.code === 'INVALID_OPTION' && error.option === 'queue',
      'INVALID_OPTION naming queue',
    );
  });
});
