// npm test: a process of its own (it measures its own memory).
/**
 * Backpressure: a producer that makes 720p frames far faster than the encoder takes them
 * (a fresh 3.7 MB RGBA buffer each, as a renderer would hand over) is held back by the writer,
 * so resident memory stays flat over 180 frames instead of growing by 3.7 MB a frame (0.65 GB).
 * Writes not awaited cannot be held back: the writer says so in one warning once they pile up.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';

import { VideoReader } from './helpers/video-reader.js';
import { createWriter } from '../src/index.js';
import { tempDir } from './helpers/temp.js';

const WIDTH = 1280;
const HEIGHT = 720;
const FRAMES = 180;
/** Where resident memory is taken as settled (the encoder's buffers and the heap grown). */
const SETTLED = 60;
/**
 * Frames made but not yet encoded, at most: one being encoded, one copied and waiting its turn,
 * one in the stream's buffer (highWaterMark 1), one being made.
 */
const MOST_AHEAD = 4;
/**
 * Resident memory may rise this much above its level once the encoder has settled (frame 60):
 * some 25 frames' worth of garbage-collector slack. Without backpressure it would be 0.45 GB.
 */
const RSS_BOUND = 100 * 1024 * 1024;
/** One opaque dark grey RGBA pixel. */
const BAR = Buffer.from([0x40, 0x40, 0x40, 0xff]);

describe('writer backpressure', () => {
  it(`keeps memory flat writing ${FRAMES} frames of ${WIDTH}x${HEIGHT} from a producer faster than the encoder`, { timeout: 180_000 }, async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'flat.mp4');
    let produced = 0;
    let encoded = 0;
    let mostAhead = 0;
    const rss: { frame: number; bytes: number }[] = [];
    const writer = createWriter(output, {
      width: WIDTH,
      height: HEIGHT,
      fps: 50,
      preset: 'ultrafast',
      onProgress: (p) => {
        encoded = p.frame;
        if (encoded % 5 === 0) rss.push({ frame: encoded, bytes: process.memoryUsage.rss() });
      },
    });
    const frames = function* (): Generator<{ data: Uint8Array; width: number; height: number }> {
      for (let i = 0; i < FRAMES; i++) {
        // Opaque white with a bar moving down: what a canvas would give, new memory every frame.
        const data = Buffer.alloc(WIDTH * HEIGHT * 4, 255);
        const y = (i * 7) % (HEIGHT - 40);
        data.fill(BAR, y * WIDTH * 4, (y + 40) * WIDTH * 4);
        produced++;
        mostAhead = Math.max(mostAhead, produced - encoded);
        yield { data, width: WIDTH, height: HEIGHT };
      }
    };
    const started = performance.now();
    await pipeline(Readable.from(frames()), writer.stream());
    const result = await writer.close();
    const seconds = (performance.now() - started) / 1000;

    assert.equal(result.frames, FRAMES);
    const reader = await VideoReader.open(output);
    assert.deepEqual([reader.video.width, reader.video.height, reader.video.headerFrames], [WIDTH, HEIGHT, FRAMES]);
    await reader.close();

    assert.ok(mostAhead <= MOST_AHEAD, `the producer got ${mostAhead} frames ahead of the encoder (at most ${MOST_AHEAD} allowed)`);
    const settled = rss.filter((r) => r.frame >= SETTLED);
    const base = settled[0]?.bytes ?? 0;
    const peak = Math.max(...settled.map((r) => r.bytes));
    const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    t.diagnostic(`${FRAMES} frames in ${seconds.toFixed(1)} s (${(FRAMES / seconds).toFixed(0)} fps); RSS at frame ${SETTLED} ${mb(base)}, peak after ${mb(peak)}, end ${mb(settled.at(-1)?.bytes ?? 0)}`);
    assert.ok(settled.length >= 20, `${settled.length} memory samples`);
    assert.ok(peak - base <= RSS_BOUND, `resident memory rose ${mb(peak - base)} after frame ${SETTLED} (bound ${mb(RSS_BOUND)})`);
  });

  it('writes not awaited pile up in memory, and a warning says so once, with how many and how much (awaited writes never see it)', { timeout: 180_000 }, async (t) => {
    const dir = await tempDir(t);
    const frames = 80; // 3.7 MB each: past 256 MiB at frame 73
    const frame = (i: number): Uint8Array => Buffer.alloc(WIDTH * HEIGHT * 4, i % 2 ? 0xff : 0x80);
    const run = async (name: string, awaited: boolean): Promise<{ said: string[]; warnings: string[]; frames: number }> => {
      const said: string[] = [];
      const writer = createWriter(join(dir, name), { fps: 25, preset: 'ultrafast', onWarning: (message) => said.push(message) });
      const pending: Promise<void>[] = [];
      for (let i = 0; i < frames; i++) {
        const written = writer.write({ data: frame(i), width: WIDTH, height: HEIGHT });
        if (awaited) await written;
        else pending.push(written);
      }
      await Promise.all(pending);
      const result = await writer.close();
      const reader = await VideoReader.open(join(dir, name));
      let decoded = 0;
      try {
        for await (const picture of reader.frames()) if (picture.width === WIDTH) decoded++;
      } finally {
        await reader.close();
      }
      return { said, warnings: result.warnings, frames: decoded };
    };
    const loose = await run('loose.mp4', false);
    assert.equal(loose.frames, frames, 'every frame written');
    assert.equal(loose.said.length, 1, loose.said.join('\n'));
    const [warning] = loose.said;
    const match = /^(\d+) frames \(([\d.]+) MB\) wait in memory to be encoded: write\(\) was called without waiting for the frames before it\. Await each write\(\)/.exec(warning ?? '');
    assert.ok(match, warning);
    assert.ok(Number(match[1]) >= 72 && Number(match[2]) > 268, warning);
    assert.deepEqual(loose.warnings, loose.said, 'in the result too');
    const awaited = await run('awaited.mp4', true);
    assert.equal(awaited.frames, frames);
    assert.deepEqual(awaited.said, []);
  });
});
