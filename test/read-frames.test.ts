// npm test: a process of its own (it measures its own memory and open files).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { type FlipbookError, READ_AHEAD, readFrames } from '../src/index.js';
import { prefetch } from '../src/util/prefetch.js';
import { FFMPEG, FFPROBE, ffprobeJson, frameNumber, needTool, stitchedVideo, tempDir, transportStream } from './helpers/test-media.js';

const W = 96;
const H = 64;

/** A full garbage collection, so RSS shows what is really held. */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

function openFiles(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

describe('readFrames', () => {
  test('frames as rgba, rgb or gray pixels, with index, time, pts and keyframe', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 6, W, H, { fps: 10 });
    for (const [format, channels] of [['rgba', 4], ['rgb', 3], ['gray', 1]] as const) {
      const frames = [];
      for await (const frame of readFrames(video, { layout: format })) frames.push(frame);
      assert.equal(frames.length, 6);
      frames.forEach((f, i) => {
        assert.equal(f.index, i);
        assert.equal(f.sourceIndex, i);
        assert.ok(Math.abs(f.time - i / 10) < 1e-9, `time ${f.time}`);
        assert.equal(f.layout, format);
        assert.deepEqual([f.width, f.height], [W, H]);
        assert.ok(f.data instanceof Uint8Array);
        assert.equal(f.data.length, W * H * channels);
        assert.equal(frameNumber(f.data, W, H, channels), i);
        if (format === 'rgba') assert.equal(f.data[3], 255);
      });
      assert.equal(frames[0]?.keyframe, true);
      assert.equal(frames[0]?.pts, 0);
    }
    // The default layout is RGBA.
    for await (const frame of readFrames(video)) {
      assert.equal(frame.layout, 'rgba');
      break;
    }
  });

  test('release() hands a frame\'s memory to a later frame; frames not released keep their pixels', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 30, W, H, { fps: 10 });
    // Straight YUV to RGBA (swscale into the buffer), and through the filter graph and the copier (a resize).
    for (const options of [{ layout: 'rgba' as const }, { layout: 'rgb' as const, width: W * 2 }]) {
      const channels = options.layout === 'rgba' ? 4 : 3;
      const width = options.layout === 'rgba' ? W : W * 2;
      const height = options.layout === 'rgba' ? H : H * 2;
      const kept: { index: number; data: Uint8Array; copy: Buffer }[] = [];
      const released = new Set<ArrayBufferLike>();
      let reused = 0;
      let seen = 0;
      for await (const frame of readFrames(video, options)) {
        assert.equal(frameNumber(frame.data, width, height, channels), frame.index, `frame ${frame.index} (${options.layout})`);
        if (released.has(frame.data.buffer)) reused++;
        released.delete(frame.data.buffer);
        seen++;
        if (frame.index % 5 === 0) {
          kept.push({ index: frame.index, data: frame.data, copy: Buffer.from(frame.data) });
        } else {
          released.add(frame.data.buffer);
          frame.release();
          if (frame.index % 3 === 0) frame.release();
        }
      }
      assert.equal(seen, 30);
      // Released memory was read into again (most frames after the first few)...
      assert.ok(reused >= 15, `${reused} of 30 frames were read into released memory (${options.layout})`);
      // ...and a kept frame's never was.
      for (const k of kept) {
        assert.ok(Buffer.from(k.data).equals(k.copy), `kept frame ${k.index} was overwritten`);
        assert.equal(frameNumber(k.data, width, height, channels), k.index);
      }
    }
  });

  // MPEG-TS has no index: a seek lands on whatever packet's DTS is at or before the time asked,
  // most often not a keyframe. Before this was handled, H.264 gave no frame at all after a start
  // (and said nothing), MPEG-2 began at the next keyframe (108 frames from 0.4 s for start 0.1).
  // The reference ffmpeg's own -ss is no reference here: it gives 0 frames of the H.264 file.
  for (const codec of ['h264', 'mpeg2'] as const) {
    test(`start on ${codec === 'h264' ? 'H.264' : 'MPEG-2'} in MPEG-TS (no index, timestamps from 1.4 s): exactly the frames from start, the first at start`, async (t) => {
      if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
      const dir = await tempDir(t);
      const video = join(dir, `clip-${codec}.ts`);
      const fps = 30;
      const count = 90;
      await transportStream(video, codec, count, 160, 120);
      const probed = (await ffprobeJson(video, ['-select_streams', 'v:0', '-show_entries', 'stream=start_time'])) as { streams: { start_time: string }[] };
      assert.ok(Number(probed.streams[0]?.start_time) > 1.4, `the stream starts at ${probed.streams[0]?.start_time} s`);
      for (const start of [1, 0.1, 2.5]) {
        const frames = [];
        for await (const frame of readFrames(video, { start, layout: 'gray' })) {
          frames.push({ time: frame.time, number: frameNumber(frame.data, frame.width, frame.height, 1) });
          frame.release();
        }
        const first = Math.round(start * fps);
        assert.equal(frames.length, count - first, `start ${start}: frame count`);
        assert.ok(Math.abs((frames[0]?.time ?? NaN) - start) < 0.5 / fps, `start ${start}: the first frame is at ${frames[0]?.time} s`);
        assert.deepEqual(frames.map((f) => f.number), Array.from({ length: count - first }, (_, i) => first + i), `start ${start}: the frames shown`);
      }
      // With fps, slot k (at 1 + k/5 s) shows the last frame whose time rounds to it or before, as
      // the fps filter picks: frame 32 + 6k (its time is 2/30 s past the slot, 3/30 rounds up).
      const picked = [];
      for await (const frame of readFrames(video, { start: 1, fps: 5, layout: 'gray' })) picked.push(frameNumber(frame.data, frame.width, frame.height, 1));
      assert.deepEqual(picked, Array.from({ length: 10 }, (_, k) => 32 + 6 * k));
    });
  }

  test('options are checked when readFrames is called, before any file is opened', () => {
    assert.throws(() => readFrames('whatever.mp4', { fps: 'fast' }), (e: FlipbookError) => e.code === 'INVALID_OPTION' && e.option === 'fps');
    assert.throws(() => readFrames('whatever.mp4', { layout: 'bgr' as never }), (e: FlipbookError) => e.option === 'layout');
    assert.throws(() => readFrames('whatever.mp4', { frameNumbers: [1], fps: 5 }), (e: FlipbookError) => e.option === 'frameNumbers');
    assert.throws(() => readFrames('whatever.mp4', { start: 3, end: 2 }), (e: FlipbookError) => e.option === 'end');
  });

  test('breaking out early 100 times leaves memory and open files flat', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'big.mp4');
    // 640x360 RGBA frames are 0.9 MB: a leak of the frames decoded ahead, or of a decoder,
    // would grow the process by tens of megabytes over 100 loops.
    await stitchedVideo(dir, video, 24, 640, 360);
    const once = async (n: number): Promise<void> => {
      let seen = 0;
      for await (const frame of readFrames(video)) {
        assert.equal(frame.data.length, 640 * 360 * 4);
        if (++seen >= n) break;
      }
    };
    // Warmed up first: the allocator's pools grow over the first few dozen loops, then stay (measured
    // over 600 loops: +34 MB in the first 100, under +8 MB in the next 500). Measured after the warm-up
    // with nothing leaking: -2 to +28 MB over the 100 loops (the decoder threads' malloc arenas).
    for (let i = 0; i < 40; i++) await once(1 + (i % 5));
    collect();
    const rssBefore = process.memoryUsage().rss;
    const filesBefore = openFiles();
    for (let i = 0; i < 100; i++) await once(1 + (i % 5));
    collect();
    const grown = (process.memoryUsage().rss - rssBefore) / 1e6;
    t.diagnostic(`RSS ${(rssBefore / 1e6).toFixed(1)} MB before, grew ${grown.toFixed(1)} MB over 100 early breaks; ${filesBefore} open files`);
    // Bound: 60 MB, against about 100 × 5 frames × 0.9 MB = 450 MB if what is decoded ahead leaked.
    assert.ok(grown < 60, `RSS grew by ${grown.toFixed(1)} MB over 100 early breaks`);
    assert.equal(openFiles(), filesBefore, 'every file opened was closed');
  });

  test('an AbortSignal stops the loop with ABORTED', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 10, W, H);
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of readFrames(video, { signal: controller.signal })) {
          if (++seen === 2) controller.abort();
        }
      })(),
      (e: FlipbookError) => e.code === 'ABORTED',
    );
    assert.ok(seen >= 2 && seen <= 2 + READ_AHEAD, `${seen} frames before the abort took effect`);
    await assert.rejects(
      (async () => {
        for await (const _ of readFrames(video, { signal: AbortSignal.abort() })) assert.fail('no frame after an abort');
      })(),
      (e: FlipbookError) => e.code === 'ABORTED',
    );
  });

  test('decode-ahead is bounded: the producer runs at most a few items ahead of a slow consumer', async () => {
    let produced = 0;
    let closed = false;
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 1000; i++) {
          produced++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const discarded: number[] = [];
    const ahead = prefetch(source(), 3, (n) => discarded.push(n));
    let consumed = 0;
    for await (const n of ahead) {
      assert.equal(n, consumed);
      consumed++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      assert.ok(produced <= consumed + 3 + 1, `produced ${produced} after consuming ${consumed}`);
      if (consumed === 10) break;
    }
    assert.equal(closed, true, 'the source was closed');
    assert.ok(discarded.length <= 3 && discarded.every((n) => n >= 10), `discarded ${discarded.join(',')}`);
  });
});
