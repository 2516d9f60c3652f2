/**
 * GIF frames coded on coder threads (src/engine/gif-coder-pool.ts): the same bytes as coding
 * on the writer's thread (exact and lossy, with local palettes, tolerance, Bayer dithering,
 * transparency with clears, small frames between large ones), on one thread or two; the threads
 * only where they pay; close() with frames still out; none under an address-space limit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CODER_THREADS, CODER_THREADS_AFTER_FRAMES, CoderPool } from '../src/engine/gif-coder-pool.js';
import { DRAW, FrameCoder, type FrameCoderSpec, type FrameJob } from '../src/engine/gif-frame-coder.js';
import { GifWriter, type GifWriterSpec } from '../src/engine/gif-writer.js';
import { type FlipbookError } from '../src/errors.js';

import { readAnimation } from './helpers/animation.js';
import { finished } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

/**
 * The threads run from built JavaScript, as `npm test` runs these tests; from the TypeScript
 * source under tsx the writer codes on its own thread (Node 20 does not run a worker's `--import tsx`).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts') && 'the coder threads run from built JavaScript (npm test); from the TypeScript source the writer codes on its own thread';
const HELPER = fileURLToPath(new URL('./helpers/gif-under-limit.js', import.meta.url));

const W = 320;
const H = 240;

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A palette of 200 colours, and frames of noise over it; frames 6 to 9 change only a 40x40 square. */
function noise(frames: number): { colors: Uint8Array; pictures: Uint8Array[] } {
  const next = random(7);
  const colors = new Uint8Array(200 * 3).map((_, i) => (i * 37 + (i % 3) * 91) & 255);
  const pictures: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const data = f > 0 ? Uint8Array.from(pictures[f - 1] ?? []) : new Uint8Array(W * H * 4);
    const small = f >= 6 && f <= 9;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (small && (x < 100 || x >= 140 || y < 100 || y >= 140)) continue;
        const c = Math.floor(next() * 200);
        const p = (y * W + x) * 4;
        data.set([colors[c * 3] ?? 0, colors[c * 3 + 1] ?? 0, colors[c * 3 + 2] ?? 0, 255], p);
      }
    }
    pictures.push(data);
  }
  return { colors, pictures };
}

/**
 * Gradients with some grain (more colours than a palette holds: frames take palettes of their
 * own), a disc that moves; with `alpha`, the disc over a transparent background (frames clear
 * what the next one leaves transparent). Frame 5 repeats frame 4 (nothing to draw).
 */
function gradients(frames: number, alpha: boolean): { colors: Uint8Array; pictures: Uint8Array[] } {
  const next = random(3);
  const colors = new Uint8Array(96 * 3).map((_, i) => (i * 53 + (i % 3) * 17) & 255);
  const pictures: Uint8Array[] = [];
  for (let f = 0; f < frames; f++) {
    const t = f === 5 ? 4 : f;
    const data = new Uint8Array(W * H * 4);
    const cx = 80 + t * 15;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const p = (y * W + x) * 4;
        const inside = (x - cx) ** 2 + (y - 120) ** 2 < 60 ** 2;
        const grain = t === f ? Math.floor(next() * 2) : 0;
        if (alpha && !inside) continue;
        // Steps of 8 pixels: some 2,500 colours a frame, under the 4,096 a frame's own palette is cut from.
        data.set([((x >> 3) * 6 + t * 3) & 255, ((y >> 3) * 8 + (inside ? 90 : 0)) & 255, (((x + y) >> 4) * 10 + grain) & 255, 255], p);
      }
    }
    pictures.push(data);
  }
  // Frame 5 is frame 4 again, grain and all.
  if (frames > 5) pictures[5] = Uint8Array.from(pictures[4] ?? []);
  return { colors, pictures };
}

async function write(file: string, scene: { colors: Uint8Array; pictures: Uint8Array[] }, spec: Partial<GifWriterSpec>): Promise<{ bytes: Buffer; onThreads: number }> {
  const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors: scene.colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, ...spec });
  for (const data of scene.pictures) await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
  await writer.finish();
  return { bytes: await readFile(file), onThreads: writer.codedOnThreads };
}

describe('GIF coder threads', () => {
  it('write the same bytes as the writer alone, exact and lossy, with small frames between; the exact file decodes to the pixels', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    const scene = noise(14);
    for (const lossy of [0, 30]) {
      const alone = await write(join(dir, `alone-${lossy}.gif`), scene, { lossy, threads: false });
      assert.equal(alone.onThreads, 0);
      for (const threads of [1, 2]) {
        const threaded = await write(join(dir, `threads-${threads}-${lossy}.gif`), scene, { lossy, threads });
        assert.equal(threaded.onThreads, 14, `frames coded on ${threads} thread(s) (lossy ${lossy})`);
        assert.ok(threaded.bytes.length > 14 * 1000, `${threaded.bytes.length} bytes`);
        assert.ok(threaded.bytes.equals(alone.bytes), `lossy ${lossy}, ${threads} thread(s): the file differs from the writer's alone (${threaded.bytes.length} against ${alone.bytes.length} bytes)`);
      }
    }
    // Every colour is in the palette, so every pixel of every frame comes back as it was written.
    const back = await readAnimation(join(dir, 'threads-2-0.gif'));
    assert.equal(back.frames.length, 14);
    for (const [i, frame] of back.frames.entries()) {
      assert.deepEqual([frame.width, frame.height, frame.format], [W, H, 'rgba']);
      assert.ok(Buffer.from(frame.data).equals(Buffer.from(scene.pictures[i] ?? [])), `frame ${i} decodes to the pixels written`);
    }
  });

  it('write the same bytes with local palettes, a tolerance, Bayer dithering, and transparency with clears', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    const cases: [string, ReturnType<typeof gradients>, Partial<GifWriterSpec>][] = [
      ['local palettes', gradients(10, false), {}],
      ['tolerance 2, sierra', gradients(10, false), { tolerance: 2, dither: 'sierra2_4a' }],
      ['bayer, lossy 12', gradients(10, false), { dither: 'bayer', lossy: 12 }],
      ['transparency', gradients(10, true), { alpha: true }],
    ];
    for (const [name, scene, spec] of cases) {
      const alone = await write(join(dir, 'alone.gif'), scene, { ...spec, threads: false });
      const threaded = await write(join(dir, 'threads.gif'), scene, { ...spec, threads: 2 });
      assert.equal(threaded.onThreads, 10, name);
      assert.ok(threaded.bytes.equals(alone.bytes), `${name}: the file differs from the writer's alone (${threaded.bytes.length} against ${alone.bytes.length} bytes)`);
      // Frames of their own palette (a local colour table: bit 7 of the image descriptor's flags).
      if (name === 'local palettes') assert.ok(localTables(threaded.bytes) >= 5, `${localTables(threaded.bytes)} frames with a palette of their own`);
      const back = await readAnimation(join(dir, 'threads.gif'));
      assert.equal(back.frames.length, 10, name);
      if (spec.alpha) {
        // Outside the disc every frame is transparent: the clears did their work.
        const last = back.frames.at(-1)?.data ?? new Uint8Array();
        assert.equal(last[(120 * W + 10) * 4 + 3], 0, `${name}: a pixel the disc left is transparent`);
        assert.equal(last[(120 * W + (80 + 9 * 15)) * 4 + 3], 255, `${name}: the disc is opaque`);
      }
    }
  });

  it('keep their threads for the next GIF of the process: none starts, and that GIF is coded with its own palette and dither', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    const first = await write(join(dir, 'first.gif'), noise(8), { threads: 2 });
    assert.equal(first.onThreads, 8);
    const before = CoderPool.started;
    const scene = gradients(10, false);
    for (const [name, spec] of [
      ['sierra, lossy 12', { dither: 'sierra2_4a', lossy: 12 }],
      ['the defaults', {}],
    ] as const) {
      const alone = await write(join(dir, 'alone.gif'), scene, { ...spec, threads: false });
      const kept = await write(join(dir, 'kept.gif'), scene, { ...spec, threads: 2 });
      assert.equal(kept.onThreads, 10, name);
      // CODER_THREADS are kept (one a core, two at most): the rest of the two start anew.
      assert.equal(CoderPool.started - before, 2 - CODER_THREADS, `${name}: threads started for it`);
      assert.ok(kept.bytes.equals(alone.bytes), `${name}: the file differs from the writer's alone (${kept.bytes.length} against ${alone.bytes.length} bytes)`);
    }
  });

  it('by default start for no GIF whose coding costs little in all', async (t) => {
    const dir = await tempDir(t);
    // Three frames: well under CODER_THREADS_AFTER_MS of coding.
    const short = await write(join(dir, 'short.gif'), noise(3), {});
    assert.equal(short.onThreads, 0);
  });

  it('by default start once the frames left would take CODER_THREADS_WORTH_MS more, as the frame count says', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    // 60 frames of a few ms each: past CODER_THREADS_AFTER_MS of coding, but not by much.
    const scene = noise(60);
    // Told there are 60, the few left are not worth a thread's start.
    const few = await write(join(dir, 'few.gif'), scene, { frames: 60 });
    assert.equal(few.onThreads, 0, 'no threads for 60 frames of a few ms each');
    // Told there are 100,000, the frames left are: the threads start after the sixth frame at the earliest.
    const many = await write(join(dir, 'many.gif'), scene, { frames: 100_000 });
    assert.ok(many.onThreads > 0 && many.onThreads <= 60 - CODER_THREADS_AFTER_FRAMES, `${many.onThreads} frames on the threads`);
    assert.ok(many.bytes.equals(few.bytes), 'the same bytes');
  });

  it('close() with frames on the threads ends them, and the file is closed', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    const { colors, pictures } = noise(5);
    const writer = await GifWriter.open({ file: join(dir, 'closed.gif'), width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, threads: 2 });
    for (const data of pictures) await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
    await writer.close();
    // Closed once: finish() after close() does nothing, and throws nothing.
    await writer.finish();
    assert.equal(writer.codedOnThreads, 4, 'frames handed to the threads before close (the fifth is held)');
  });

  it('the pool codes what a coder codes, answers in order; once closed it refuses with an engine error', { skip: FROM_SOURCE }, async () => {
    const { colors, pictures } = noise(3);
    const spec: FrameCoderSpec = { colors, dither: 'floyd_steinberg', lossy: 0, localPalettes: true };
    const pool = CoderPool.start(spec, 2);
    assert.ok(pool, 'the threads start here');
    const job = (data: Uint8Array, i: number): FrameJob => ({
      rect: [0, i, W, H - i],
      pixels: Uint8Array.from(data.subarray(i * W * 4, (H - i) * W * 4)),
      mask: new Uint8Array(W * (H - 2 * i)).fill(DRAW),
      marked: W * (H - 2 * i),
      written: [0, i, W, H - i],
      disposal: 1,
      delay: 4 + i,
    });
    const alone = new FrameCoder(spec);
    // All three out at once on two threads: each answer is its own frame's bytes.
    const answers = pictures.map((data, i) => pool.code(job(data, i)));
    for (const [i, answer] of answers.entries()) {
      const expected = Buffer.from(alone.code(job(pictures[i] ?? new Uint8Array(), i)));
      assert.ok(Buffer.from((await answer).bytes).equals(expected), `frame ${i}`);
    }
    await pool.close();
    await assert.rejects(pool.code(job(pictures[0] ?? new Uint8Array(), 0)), (e: FlipbookError) => e.code === 'ENGINE' && /closed/.test(e.message));
  });

  it('a thread that fails fails its frame and every later one with an engine error naming the coder thread', { skip: FROM_SOURCE }, async () => {
    const { colors } = noise(1);
    const pool = CoderPool.start({ colors, dither: 'floyd_steinberg', lossy: 0, localPalettes: true }, 1);
    assert.ok(pool, 'the threads start here');
    try {
      // A rectangle larger than the pixels sent: the coder throws on the thread.
      const broken: FrameJob = { rect: [0, 0, W, H], pixels: new Uint8Array(16), mask: new Uint8Array(4), marked: W * H, written: [0, 0, W, H], disposal: 1, delay: 4 };
      await assert.rejects(pool.code(broken), (e: FlipbookError) => e.code === 'ENGINE' && /GIF coder thread failed/.test(e.message));
      const later: FrameJob = { rect: [0, 0, 1, 1], pixels: new Uint8Array(4), mask: new Uint8Array(1).fill(DRAW), marked: 1, written: [0, 0, 1, 1], disposal: 1, delay: 4 };
      await assert.rejects(pool.code(later), (e: FlipbookError) => e.code === 'ENGINE');
    } finally {
      await pool.close();
    }
  });

  it('under an address-space limit (ulimit -v) the writer codes alone: a thread would end the process as it starts', { skip: (process.platform !== 'linux' && 'ulimit -v: Linux') || FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    // A GIF asked to code on threads (test/helpers/gif-under-limit.ts), without and with a limit.
    const run = async (name: string, limit: boolean): Promise<{ onThreads: number; bytes: number }> => {
      const args = [HELPER, join(dir, name)];
      // 1,800,000 kB: Node and the GIF fit; a worker thread's isolate did not (the process died of SIGILL).
      const child = limit ? spawn('bash', ['-c', 'ulimit -v 1800000 && exec "$0" "$@"', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const result = await finished(child);
      assert.equal(result.code, 0, `${limit ? 'under ulimit -v' : 'without a limit'}: exit ${result.code} ${result.signal ?? ''} ${result.stderr}`);
      return JSON.parse(result.stdout) as { onThreads: number; bytes: number };
    };
    const started = Date.now();
    const free = await run('free.gif', false);
    assert.equal(free.onThreads, 12, 'without a limit the frames go to the threads');
    // Its threads are kept when the GIF is done (for 30 s), but never keep the process alive.
    assert.ok(Date.now() - started < 15_000, `the process ended ${Date.now() - started} ms after it started`);
    const limited = await run('limited.gif', true);
    assert.equal(limited.onThreads, 0, 'under the limit every frame is coded by the writer');
    assert.ok((await readFile(join(dir, 'limited.gif'))).equals(await readFile(join(dir, 'free.gif'))), 'the same bytes');
  });
});

/** Image descriptors with a local colour table, found by walking the GIF's blocks. */
function localTables(gif: Buffer): number {
  let at = 13 + (gif[10] !== undefined && gif[10] & 0x80 ? 3 << ((gif[10] & 7) + 1) : 0);
  let count = 0;
  const skipSubBlocks = (): void => {
    while (at < gif.length && gif[at] !== 0) at += (gif[at] ?? 0) + 1;
    at++;
  };
  while (at < gif.length) {
    const kind = gif[at];
    if (kind === 0x21) {
      at += 2;
      skipSubBlocks();
    } else if (kind === 0x2c) {
      const flags = gif[at + 9] ?? 0;
      at += 10;
      if (flags & 0x80) {
        count++;
        at += 3 << ((flags & 7) + 1);
      }
      at++; // LZW minimum code size
      skipSubBlocks();
    } else break;
  }
  return count;
}
