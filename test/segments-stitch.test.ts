/**
 * stitch with `jobs`: the output cut into segments, rendered on worker processes and joined
 * by stream copy, is a file like a one-piece encode: frame count, timestamps, one stream,
 * fast start, pixels close to the one-piece run's, no seam at the joins, and it plays and
 * seeks in Chromium.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { stitch } from '../src/index.js';
import { planSegments } from '../src/segments/plan.js';
import { type Image, paint } from './helpers/images.js';
import { writeFrames } from './helpers/frames.js';
import { type ReadBack, psnr, readVideo } from './helpers/video.js';
import { type PageHelpers, chromiumSkipReason, launchChromium, openPage, serve } from './helpers/browser.js';

const WIDTH = 160;
const HEIGHT = 90;
const FRAMES = 90;
const FFPROBE = '/usr/bin/ffprobe';

/** The top-level MP4 boxes in order. */
function topBoxes(bytes: Buffer): string[] {
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(bytes.readBigUInt64BE(at + 8));
    boxes.push(type);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

/**
 * A camera pan over a textured landscape, 2 px a frame: smooth gradients, waves of several
 * sizes and a fine grain, all of it moving, as in filmed footage (the encoder keeps it near
 * 38 dB at x264's defaults, like real video, not near 50 dB like flat test colours).
 */
function pan(n: number): Image {
  const grain = (x: number, y: number): number => {
    const h = Math.sin(x * 12.9898 + y * 78.233) * 43758.5453;
    return (h - Math.floor(h)) * 24 - 12;
  };
  return paint(WIDTH, HEIGHT, (px, y) => {
    const x = px + 2 * n;
    const sky = y < 40 + 10 * Math.sin(x / 23);
    const r = sky ? 90 + y * 2 + 20 * Math.sin(x / 37) : 70 + 40 * Math.sin(x / 9) * Math.sin(y / 7) + grain(x, y);
    const g = sky ? 140 + y + 15 * Math.sin(x / 29) : 110 + 30 * Math.sin(x / 13 + y / 5) + grain(x + 7, y);
    const b = sky ? 210 - y : 50 + 20 * Math.sin(x / 5) + grain(x, y + 3);
    const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
    return [clamp(r), clamp(g), clamp(b)];
  });
}

describe('stitch in segments (jobs)', () => {
  let dir: string;
  let sources: Image[];
  let one: ReadBack;
  let three: ReadBack;
  let threeFile: string;
  let resultFrames = 0;
  let progressCalls = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-segments-'));
    sources = Array.from({ length: FRAMES }, (_, n) => pan(n));
    await writeFrames(dir, sources.map((image, n) => ({ name: `f${String(n).padStart(3, '0')}.png`, image })));
    // x264 medium: B-frames and their reordering cross the joins; the encoder is what is tested.
    await stitch(join(dir, 'f*.png'), join(dir, 'one.mp4'), { preset: 'medium' });
    threeFile = join(dir, 'three.mp4');
    const result = await stitch(join(dir, 'f*.png'), threeFile, { preset: 'medium', jobs: 3, onProgress: () => progressCalls++ });
    resultFrames = result.frames;
    one = await readVideo(join(dir, 'one.mp4'));
    three = await readVideo(threeFile);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cuts 90 frames at 25 fps into 3 segments of 30 for 3 jobs', () => {
    assert.deepEqual(planSegments(FRAMES, 25, 3), [
      { index: 0, first: 0, count: 30 },
      { index: 1, first: 30, count: 30 },
      { index: 2, first: 60, count: 30 },
    ]);
  });

  it('has the frames and timestamps of the one-piece run, and pixels within 1.5 dB of its PSNR', (t) => {
    assert.equal(resultFrames, FRAMES, 'result frames');
    assert.equal(progressCalls, FRAMES, 'onProgress once a frame');
    assert.equal(three.frames.length, FRAMES, 'decoded frames');
    assert.deepEqual(
      three.frames.map((f) => Math.round(f.time * 1e6)),
      one.frames.map((f) => Math.round(f.time * 1e6)),
      'timestamps',
    );
    assert.equal(Math.round((three.duration ?? 0) * 1000), 3600, 'container duration');
    // Each is an encode of the same source; the segmented one starts a GOP at each join, so
    // its pixels differ a little from the one-piece run's, not from the source.
    const mean = (back: ReadBack): number => back.frames.reduce((s, f, i) => s + psnr(f.data, sources[i]!.data), 0) / back.frames.length;
    const [p1, p3] = [mean(one), mean(three)];
    t.diagnostic(`PSNR against the source: one piece ${p1.toFixed(2)} dB, 3 jobs ${p3.toFixed(2)} dB`);
    assert.ok(Math.abs(p1 - p3) < 1.5, `PSNR against the source: one piece ${p1.toFixed(2)} dB, 3 jobs ${p3.toFixed(2)} dB`);
    const between = three.frames.map((f, i) => psnr(f.data, one.frames[i]!.data));
    t.diagnostic(`3 jobs against one piece: lowest ${Math.min(...between).toFixed(2)} dB, mean ${(between.reduce((a, b) => a + b, 0) / between.length).toFixed(2)} dB`);
    assert.ok(Math.min(...between) > 35, `every frame within 35 dB of the one-piece run's (lowest ${Math.min(...between).toFixed(2)} dB)`);
    // Keyframes: at least at each segment's start.
    for (const first of [0, 30, 60]) assert.ok(three.frames[first]!.keyframe, `frame ${first} is a keyframe`);
  });

  it('shows no seam: frames next to the joins within 0.5 dB PSNR of the others', (t) => {
    const joins = [30, 60];
    const near = new Set(joins.flatMap((j) => [j - 2, j - 1, j, j + 1]));
    const values = three.frames.map((f, i) => ({ i, db: psnr(f.data, sources[i]!.data) }));
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const atJoins = avg(values.filter((v) => near.has(v.i)).map((v) => v.db));
    // Away from joins: every other frame but the first segment's start (a keyframe too).
    const away = avg(values.filter((v) => !near.has(v.i) && v.i >= 4).map((v) => v.db));
    const oneAtJoins = avg(one.frames.filter((_, i) => near.has(i)).map((f, k) => psnr(f.data, sources[[...near][k]!]!.data)));
    t.diagnostic(`one piece, the same frames: ${oneAtJoins.toFixed(2)} dB`);
    t.diagnostic(`PSNR next to joins ${atJoins.toFixed(2)} dB, away ${away.toFixed(2)} dB`);
    assert.ok(Math.abs(atJoins - away) <= 0.5, `PSNR next to joins ${atJoins.toFixed(2)} dB, away ${away.toFixed(2)} dB`);
  });

  it('is one stream to ffprobe, with the exact frame count and duration, and fast start', async () => {
    const json = JSON.parse(execFileSync(FFPROBE, ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', threeFile], { encoding: 'utf8' })) as {
      streams: { codec_type: string; codec_name: string; nb_read_frames: string; nb_frames: string; duration: string; r_frame_rate: string }[];
      format: { duration: string };
    };
    assert.equal(json.streams.length, 1, 'one stream');
    const [v] = json.streams;
    assert.equal(v!.codec_name, 'h264');
    assert.equal(v!.nb_read_frames, String(FRAMES), 'frames decoded by ffprobe');
    assert.equal(v!.nb_frames, String(FRAMES), 'frames in the index');
    assert.equal(v!.r_frame_rate, '25/1');
    assert.equal(Number(v!.duration), 3.6, 'stream duration');
    assert.equal(Number(json.format.duration), 3.6, 'container duration');
    const boxes = topBoxes(await readFile(threeFile));
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `moov before mdat: ${boxes.join(' ')}`);
    // Nothing left beside the output: no segment directory, no temporary file.
    const left = (await readdir(dir)).filter((n) => n.startsWith('.'));
    assert.deepEqual(left, [], 'no hidden files left');
  });

  it('plays and seeks across the joins in Chromium', { skip: chromiumSkipReason() }, async () => {
    const { server, url } = await serve(dir);
    const browser = await launchChromium();
    try {
      const page = await openPage(browser, `${url}/one.mp4`);
      const probe = async (frame: number): Promise<{ duration: number; timestamp: number; pixel: number[] }> =>
        page.evaluate(
          async ({ src, frame: n, x, y }) => {
            const fb = (globalThis as unknown as { fb: PageHelpers }).fb;
            const video = await fb.openVideo(src);
            const read = await fb.readVideo(video, { fps: 25, frame: n, points: [[x, y]] });
            return { duration: video.duration, timestamp: read.timestamp, pixel: read.pixels[0]! };
          },
          { src: 'three.mp4', frame, x: 20, y: 20 },
        );
      // Seeks to the last frame of a segment, the first of the next, and back.
      for (const frame of [61, 29, 30, 89]) {
        const seen = await probe(frame);
        assert.ok(Math.abs(seen.duration - 3.6) < 0.001, `duration ${seen.duration}`);
        assert.equal(seen.timestamp, frame * 40_000, `frame ${frame} presented`);
        const source = sources[frame]!;
        const at = (20 * WIDTH + 20) * 3;
        for (let c = 0; c < 3; c++) assert.ok(Math.abs(seen.pixel[c]! - source.data[at + c]!) <= 16, `frame ${frame} channel ${c}: ${seen.pixel[c]} vs ${source.data[at + c]}`);
      }
    } finally {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
