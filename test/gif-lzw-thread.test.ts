/**
 * The GIF writer's LZW on a thread of its own (src/engine/lzw-thread.ts): the same bytes as
 * coding inline, with lossy swaps and with frames small enough to stay inline between the
 * others; the thread only where it pays; close() with frames still out.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { GifWriter, type GifWriterSpec } from '../src/engine/gif-writer.js';
import { LzwEncoder } from '../src/engine/lzw.js';
import { LzwThread } from '../src/engine/lzw-thread.js';
import { type FlipbookError } from '../src/errors.js';
import { fileURLToPath } from 'node:url';

import { readAnimation } from './helpers/animation.js';
import { finished } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

/**
 * The thread runs from built JavaScript, as `npm test` runs these tests; from the TypeScript
 * source under tsx the writer codes inline (Node 20 does not run a worker's `--import tsx`).
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts') && 'the LZW thread runs from built JavaScript (npm test); from the TypeScript source the writer codes inline';
const HELPER = fileURLToPath(new URL('./helpers/gif-under-limit.js', import.meta.url));

const W = 320;
const H = 240;

/** A palette of 200 colours, and frames of noise over it; frames 6 to 9 change only a 40x40 square. */
function scene(frames: number): { colors: Uint8Array; pictures: Uint8Array[] } {
  let s = 7;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
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
        data[p] = colors[c * 3] ?? 0;
        data[p + 1] = colors[c * 3 + 1] ?? 0;
        data[p + 2] = colors[c * 3 + 2] ?? 0;
        data[p + 3] = 255;
      }
    }
    pictures.push(data);
  }
  return { colors, pictures };
}

async function write(file: string, spec: Partial<GifWriterSpec>, frames: number): Promise<{ bytes: Buffer; onThread: number }> {
  const { colors, pictures } = scene(frames);
  const writer = await GifWriter.open({ file, width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, ...spec });
  for (const data of pictures) await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
  await writer.finish();
  return { bytes: await readFile(file), onThread: writer.codedOnThread };
}

describe('GIF LZW thread', () => {
  it('writes the same bytes as inline coding, exact and lossy, with small frames coded inline between', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    for (const lossy of [0, 30]) {
      const inline = await write(join(dir, `inline-${lossy}.gif`), { lossy, lzwThread: false }, 14);
      const threaded = await write(join(dir, `thread-${lossy}.gif`), { lossy, lzwThread: true }, 14);
      assert.equal(inline.onThread, 0);
      // The 40x40 frames (6 to 9) stay inline; the other 10 go to the thread.
      assert.equal(threaded.onThread, 10, `frames coded on the thread (lossy ${lossy})`);
      assert.ok(threaded.bytes.length > 14 * 1000, `${threaded.bytes.length} bytes`);
      assert.ok(threaded.bytes.equals(inline.bytes), `lossy ${lossy}: the thread's file differs from the inline one (${threaded.bytes.length} against ${inline.bytes.length} bytes)`);
    }
    // Decoded, the exact file is the scene itself: every colour is in the palette, so every
    // pixel of every frame comes back as it was written.
    const back = await readAnimation(join(dir, 'thread-0.gif'));
    const { pictures } = scene(14);
    assert.equal(back.frames.length, 14);
    for (const [i, frame] of back.frames.entries()) {
      assert.deepEqual([frame.width, frame.height, frame.format], [W, H, 'rgba']);
      assert.ok(Buffer.from(frame.data).equals(Buffer.from(pictures[i] ?? [])), `frame ${i} decodes to the pixels written`);
    }
  });

  it('by default starts no thread for a GIF whose coding costs little in all', async (t) => {
    const dir = await tempDir(t);
    // Three frames: well under LZW_THREAD_AFTER_MS of coding.
    const short = await write(join(dir, 'short.gif'), {}, 3);
    assert.equal(short.onThread, 0);
  });

  it('close() with frames on the thread ends it, and the file is closed', { skip: FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    const { colors, pictures } = scene(5);
    const writer = await GifWriter.open({ file: join(dir, 'closed.gif'), width: W, height: H, loop: 0, colors, alpha: false, dither: 'floyd_steinberg', tolerance: 0, lzwThread: true });
    for (const data of pictures) await writer.write({ data, width: W, height: H, stride: W * 4 }, 4);
    await writer.close();
    // Closed once: finish() after close() does nothing, and throws nothing.
    await writer.finish();
    assert.ok(writer.codedOnThread >= 3, `${writer.codedOnThread} frames on the thread before close`);
  });

  it('the thread codes what inline coding codes, in order; once closed it refuses with an engine error', { skip: FROM_SOURCE }, async () => {
    const thread = LzwThread.start();
    assert.ok(thread, 'a thread starts here');
    const inputs = [new Uint8Array(5000).fill(3), Uint8Array.from({ length: 7000 }, (_, i) => (i * 7) & 127), new Uint8Array(1)];
    const inline = new LzwEncoder();
    // All three out at once: the answers come back in order, each its own frame's codes.
    const answers = inputs.map((indices) => thread.encode(indices, 7, undefined));
    for (const [i, answer] of answers.entries()) {
      const expected = inline.encode(Uint8Array.from(inputs[i] ?? []), 7).slice();
      assert.deepEqual(Buffer.from(await answer), Buffer.from(expected), `frame ${i}`);
    }
    await thread.close();
    await assert.rejects(thread.encode(new Uint8Array(10), 7, undefined), (e: FlipbookError) => e.code === 'ENGINE' && /closed/.test(e.message));
  });

  it('under an address-space limit (ulimit -v) codes inline: a thread would end the process as it starts', { skip: (process.platform !== 'linux' && 'ulimit -v: Linux') || FROM_SOURCE }, async (t) => {
    const dir = await tempDir(t);
    // A GIF asked to code on its thread (test/helpers/gif-under-limit.ts), without and with a limit.
    const run = async (name: string, limit: boolean): Promise<{ onThread: number; bytes: number }> => {
      const args = [HELPER, join(dir, name)];
      // 1,800,000 kB: Node and the GIF fit; a worker thread's isolate did not (the process died of SIGILL).
      const child = limit ? spawn('bash', ['-c', 'ulimit -v 1800000 && exec "$0" "$@"', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const result = await finished(child);
      assert.equal(result.code, 0, `${limit ? 'under ulimit -v' : 'without a limit'}: exit ${result.code} ${result.signal ?? ''} ${result.stderr}`);
      return JSON.parse(result.stdout) as { onThread: number; bytes: number };
    };
    const free = await run('free.gif', false);
    assert.ok(free.onThread > 0, `without a limit the frames go to the thread (${free.onThread})`);
    const limited = await run('limited.gif', true);
    assert.equal(limited.onThread, 0, 'under the limit every frame is coded inline');
    assert.ok((await readFile(join(dir, 'limited.gif'))).equals(await readFile(join(dir, 'free.gif'))), 'the same bytes');
  });
});
