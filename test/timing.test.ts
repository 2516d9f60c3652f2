/**
 * Timing that every tool reads right. By default a video has every frame of its rate (constant
 * frame rate): the reference ffmpeg's `-ss T -frames:v 1` thumbnail at any time inside an image's
 * span is that image, ffprobe reports the rate given, and every sample lasts 1/fps. With `vfr`,
 * each image is one sample whose duration is its hold. Both: the file's length, and Chromium
 * seeking to a time shows the image on screen then. The writer's per-frame times are resampled
 * onto the rate's grid (a frame that covers no grid point is dropped, with a warning naming
 * vfr) unless vfr keeps them. frameLimit refuses a runaway plan; the plan states its frame count.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, describe, it } from 'node:test';

import { type OutputResult, type WriterOptions, createWriter, isFlipbookError, planStitch, stitch } from '../src/index.js';
import { assertPixel, chromiumSkipReason, useBrowser } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { writeSolidFrames } from './helpers/frames.js';
import { PALETTE, type Rgb, paletteColour, solid } from './helpers/images.js';
import { listDir, tempDir } from './helpers/temp.js';
import { frameDurations } from './helpers/animation.js';
import { meanColour, nearest } from './helpers/video.js';
import { FFMPEG, FFPROBE, needTool, run } from './helpers/test-media.js';

const W = 64;
const H = 48;
const FPS = 25;
/** The frame less an 8-pixel border (away from chroma edges). */
const INNER = { x: 8, y: 8, width: W - 16, height: H - 16 };

/** An image shown from `start` for `hold` seconds, in colour `colour` of the palette. */
interface Span {
  colour: number;
  start: number;
  hold: number;
}

/** The two test videos: three images of 2 s each, and one image of 3 s. */
const SHOWS = {
  show: [0, 1, 2].map((colour) => ({ colour, start: 2 * colour, hold: 2 })),
  one: [{ colour: 3, start: 0, hold: 3 }],
} satisfies Record<string, Span[]>;

async function makeShows(dir: string, options: { vfr: boolean }): Promise<Record<keyof typeof SHOWS, string>> {
  const stills = await writeSolidFrames(dir, [0, 1, 2, 3].map((colour) => ({ name: `still${colour}.png`, colour })), W, H);
  const suffix = options.vfr ? 'vfr' : 'cfr';
  const show = await stitch(stills.slice(0, 3), join(dir, `show-${suffix}.mp4`), { fps: FPS, hold: 2, crf: 10, vfr: options.vfr });
  const one = await stitch(stills.slice(3), join(dir, `one-${suffix}.mp4`), { fps: FPS, hold: 3, crf: 10, vfr: options.vfr });
  for (const [result, spans] of [[show, SHOWS.show], [one, SHOWS.one]] as const) {
    const seconds = spans.reduce((sum, s) => sum + s.hold, 0);
    assert.equal(result.duration, seconds, `${result.output}: result duration`);
    assert.equal(result.frames, options.vfr ? spans.length : seconds * FPS, `${result.output}: result frames`);
    assert.equal(result.vfr, options.vfr ? true : undefined, `${result.output}: result.vfr`);
  }
  return { show: show.output, one: one.output };
}

/** Times to look at inside each image's span: its start, a time off the grid, the middle, its last frame. */
function timesInside(span: Span): number[] {
  return [span.start, span.start + 0.5, span.start + 1.02, span.start + span.hold / 2, span.start + span.hold - 1 / FPS];
}

interface Packet {
  pts: number;
  duration: number;
}

/** Every video packet's presentation time and duration in seconds (exact: from integer ticks), in presentation order. */
async function packets(file: string): Promise<Packet[]> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-of', 'json', '-select_streams', 'v:0', '-show_entries', 'stream=time_base:packet=pts,duration', '-show_packets', file]);
  const json = JSON.parse(stdout.toString()) as { streams: { time_base: string }[]; packets: { pts: number; duration: number }[] };
  const [num, den] = (json.streams[0]?.time_base ?? '').split('/').map(Number);
  assert.ok(num && den, `${file}: a time base`);
  return json.packets.map((p) => ({ pts: (p.pts * num) / den, duration: (p.duration * num) / den })).sort((a, b) => a.pts - b.pts);
}

/** What ffprobe says of the video stream and the file. */
async function streamInfo(file: string): Promise<{ rFrameRate: string; avgFrameRate: string; nbFrames: number; nbReadFrames: number; duration: number; formatDuration: number }> {
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-of', 'json', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=r_frame_rate,avg_frame_rate,nb_frames,nb_read_frames,duration:format=duration', file]);
  const json = JSON.parse(stdout.toString()) as { streams: Record<string, string>[]; format: { duration: string } };
  const s = json.streams[0] ?? {};
  return {
    rFrameRate: s.r_frame_rate ?? '',
    avgFrameRate: s.avg_frame_rate ?? '',
    nbFrames: Number(s.nb_frames),
    nbReadFrames: Number(s.nb_read_frames),
    duration: Number(s.duration),
    formatDuration: Number(json.format.duration),
  };
}

/**
 * The frames the most common thumbnail command picks (`ffmpeg -ss T -i file -frames:v 1 thumb.png`)
 * at each time, written as raw RGB instead of PNG (the same frame, without a second run to decode
 * the PNG); their mean colours, undefined where no frame came out. One ffmpeg run for all the
 * times: each is an input of its own with its own `-ss` (the same input seek as the command),
 * mapped to an output file of its own.
 */
async function thumbnails(file: string, times: readonly number[], dir: string): Promise<(Rgb | undefined)[]> {
  const inputs = times.flatMap((at) => ['-ss', String(at), '-i', file]);
  const outputs = times.flatMap((_, i) => ['-map', `${i}:v:0`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', join(dir, `thumb-${i}.rgb`)]);
  await run(FFMPEG, ['-v', 'error', '-nostdin', '-y', ...inputs, ...outputs]);
  return Promise.all(
    times.map(async (at, i) => {
      const data = await readFile(join(dir, `thumb-${i}.rgb`));
      if (data.length === 0) return undefined;
      assert.equal(data.length, W * H * 3, `ffmpeg -ss ${at}: ${W}x${H} RGB`);
      return meanColour({ data, width: W }, INNER);
    }),
  );
}

/** Within 6 levels a channel of the palette colour, and nearest to it (H.264 at crf 10 keeps flat colours within 2-3). */
function assertImage(actual: Rgb | readonly number[] | undefined, colour: number, label: string, tolerance = 6): void {
  assert.ok(actual, `${label}: a frame`);
  const rgb = [actual[0] ?? -1, actual[1] ?? -1, actual[2] ?? -1] as const;
  assert.equal(nearest(rgb, PALETTE), colour, `${label}: ${rgb.join(',')} is nearest to palette colour ${colour} (${paletteColour(colour).join(',')})`);
  assertPixel(rgb, paletteColour(colour), tolerance, label);
}

describe('timing: constant frame rate by default', () => {
  it('ffmpeg -ss finds every image at any time inside its span; ffprobe reports 25 fps and duration x fps frames', async (t: TestContext) => {
    if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const files = await makeShows(dir, { vfr: false });
    for (const [name, spans] of Object.entries(SHOWS)) {
      const file = files[name as keyof typeof SHOWS];
      const seconds = spans.reduce((sum, s) => sum + s.hold, 0);
      const info = await streamInfo(file);
      assert.equal(info.rFrameRate, `${FPS}/1`, `${name}: r_frame_rate`);
      assert.equal(info.avgFrameRate, `${FPS}/1`, `${name}: avg_frame_rate`);
      assert.equal(info.nbFrames, seconds * FPS, `${name}: nb_frames`);
      assert.equal(info.nbReadFrames, seconds * FPS, `${name}: frames decoded (nb_read_frames)`);
      const times = spans.flatMap((span) => timesInside(span).map((at) => ({ at, colour: span.colour })));
      const seen = await thumbnails(file, times.map((t) => t.at), dir);
      times.forEach(({ at, colour }, i) => assertImage(seen[i], colour, `${name}: ffmpeg -ss ${at}`));
    }
  });
});

for (const vfr of [false, true]) {
  const mode = vfr ? 'vfr: true' : 'constant frame rate (default)';
  describe(`timing, ${mode}: samples, length, seeking`, () => {
    it('every sample lasts 1/fps (constant) or its image\'s hold (vfr); the file lasts as long as the images', async (t: TestContext) => {
      if (!needTool(t, FFPROBE)) return;
      const dir = await tempDir(t);
      const files = await makeShows(dir, { vfr });
      for (const [name, spans] of Object.entries(SHOWS)) {
        const file = files[name as keyof typeof SHOWS];
        const seconds = spans.reduce((sum, s) => sum + s.hold, 0);
        const got = await packets(file);
        const expected: Packet[] = vfr
          ? spans.map((s) => ({ pts: s.start, duration: s.hold }))
          : Array.from({ length: seconds * FPS }, (_, n) => ({ pts: n / FPS, duration: 1 / FPS }));
        assert.equal(got.length, expected.length, `${name}: packets`);
        // Ticks of the time base are exact; compare to the microsecond against float rounding of n / 25.
        const us = (p: Packet): [number, number] => [Math.round(p.pts * 1e6), Math.round(p.duration * 1e6)];
        assert.deepEqual(got.map(us), expected.map(us), `${name}: every packet's time and duration (µs)`);
        const info = await streamInfo(file);
        assert.equal(Math.round(info.duration * 1000), seconds * 1000, `${name}: stream duration (ms)`);
        assert.equal(Math.round(info.formatDuration * 1000), seconds * 1000, `${name}: file duration (ms)`);
      }
    });

    describe('Chromium seeks to each image', { skip: chromiumSkipReason() }, () => {
      const env = useBrowser('flipbook-timing-', async (dir) => {
        await writeFile(join(dir, 'index.html'), SEEK_PAGE);
        await makeShows(dir, { vfr });
      });

      for (const name of Object.keys(SHOWS) as (keyof typeof SHOWS)[]) {
        it(`${name}: the frame shown after seeking is the image on screen then`, async () => {
          const spans: Span[] = SHOWS[name];
          const seconds = spans.reduce((sum, s) => sum + s.hold, 0);
          // Each image's times interleaved, so that a seek that showed the previous frame again
          // (a stale picture) would be seen in the colour as well as in mediaTime.
          const perImage = spans.map((span) => timesInside(span).map((at) => ({ at, span })));
          const visits = perImage.length === 1 ? (perImage[0] ?? []) : Array.from({ length: perImage[0]?.length ?? 0 }, (_, i) => perImage.map((list) => list[i])).flat();
          const page = await env.browser.newPage();
          try {
            await page.goto(`${env.base}/index.html`);
            const file = `${name}-${vfr ? 'vfr' : 'cfr'}.mp4`;
            const seen = await page.evaluate(([src, times]) => (globalThis as unknown as { seekAll: SeekAll }).seekAll(src, times), [file, visits.map((v) => v?.at ?? 0)] as const);
            assert.ok(Math.abs(seen.duration - seconds) < 0.001, `${name}: Chromium's duration ${seen.duration}`);
            assert.equal(seen.frames.length, visits.length, `${name}: a frame for every seek`);
            // The sample on screen before each seek: after loading, the first one (at 0 s).
            let onScreen = 0;
            for (const [i, visit] of visits.entries()) {
              assert.ok(visit, `visit ${i}`);
              const frame = seen.frames[i];
              assert.ok(frame, `${name}: seek ${i}`);
              // The frame presented: at a constant rate the frame of the grid at or before the
              // time, with vfr the image's one sample.
              const sample = vfr ? visit.span.start : Math.floor(visit.at * FPS + 1e-6) / FPS;
              // No new frame presented: only a seek onto the sample on screen (the first seek, to
              // 0 s, once Chromium has shown the first frame after loading; any in a one-image
              // clip), and the pixel below must then still be the image's.
              if (frame.mediaTime === null) assert.ok(spans.length === 1 || Math.abs(sample - onScreen) < 0.002, `${name}: seek to ${visit.at} s presented no new frame (the sample on screen was ${onScreen} s, not ${sample} s)`);
              else assert.ok(Math.abs(frame.mediaTime - sample) < 0.002, `${name}: seek to ${visit.at} s presented the frame at ${frame.mediaTime} s, expected ${sample} s`);
              onScreen = sample;
              // Chromium's software path converts BT.709 with libyuv, whose clamped blue
              // coefficient leaves blue ~9 levels low (see test/playback.test.ts): within 16.
              assertImage(frame.pixel, visit.span.colour, `${name}: Chromium at ${visit.at} s`, 16);
            }
          } finally {
            await page.close();
          }
        });
      }
    });
  });
}

type SeekAll = (src: string, times: readonly number[]) => Promise<{ duration: number; frames: { at: number; mediaTime: number | null; pixel: number[] }[] }>;

/**
 * Seeks a paused video to each time and reads the middle pixel of the frame presented. Deterministic:
 * the frame callback is asked for before seeking, and the pixel is read only once both `seeked`
 * has fired and requestVideoFrameCallback has reported the new frame (its mediaTime is returned
 * to be checked). A seek that lands on the sample already on screen presents no new frame (a
 * one-sample clip): then, once \`seeked\` has fired and 1 s has passed with no new frame, the frame
 * on screen is read with mediaTime null, and the caller checks its colour alone (the seeks
 * alternate between images, so a stale picture would show in the colour).
 */
const SEEK_PAGE = `<!doctype html><body><video id="v" muted playsinline preload="auto"></video><canvas id="c"></canvas><script>
window.seekAll = async (src, times) => {
  const v = document.getElementById('v');
  await new Promise((ok, fail) => { v.onloadeddata = ok; v.onerror = () => fail(new Error('media error ' + (v.error && v.error.code))); v.src = src; });
  const c = document.getElementById('c');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d', { willReadFrequently: true });
  const frames = [];
  for (const at of times) {
    let settle;
    const presented = new Promise((ok) => {
      settle = ok;
      v.requestVideoFrameCallback((now, meta) => ok(meta.mediaTime));
    });
    const seeked = new Promise((ok) => { v.onseeked = ok; });
    v.currentTime = at;
    await seeked;
    const quiet = setTimeout(() => settle(null), 1000);
    const mediaTime = await presented;
    clearTimeout(quiet);
    g.drawImage(v, 0, 0);
    const p = g.getImageData(Math.floor(v.videoWidth / 2), Math.floor(v.videoHeight / 2), 1, 1).data;
    frames.push({ at, mediaTime, pixel: [p[0], p[1], p[2]] });
  }
  return { duration: v.duration, frames };
};
</script></body>`;

// A from 0 (0.3 s, cut short by B), B from 0.15, C from 0.35 (shorter than a frame, between
// 0.3 and 0.4), D from 0.38 for 0.5 s, then a gap until E at 1.2 for one frame (0.1 s).
const writes: { colour: number; time: number; hold?: number }[] = [
  { colour: 0, time: 0, hold: 0.3 },
  { colour: 1, time: 0.15 },
  { colour: 2, time: 0.35 },
  { colour: 3, time: 0.38, hold: 0.5 },
  { colour: 4, time: 1.2 },
];

describe('timing: the frame writer\'s per-frame times', () => {
  const options: WriterOptions = { width: W, height: H, fps: 10, crf: 10, preset: 'ultrafast' };

  async function writeTimed(output: string, extra: WriterOptions): Promise<OutputResult> {
    const writer = createWriter(output, { ...options, ...extra });
    for (const w of writes) await writer.write(solid(W, H, paletteColour(w.colour)).data, { layout: 'rgb', time: w.time, ...(w.hold ? { hold: w.hold } : {}) });
    return writer.close();
  }

  it('constant rate: resampled onto the grid (each frame shows the picture on screen at its time); a picture between two frames is dropped with a warning naming vfr', async (t: TestContext) => {
    if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const result = await writeTimed(join(dir, 'timed.mp4'), {});
    // Frames at 0, 0.1, ..., 1.2: A A B B D D D D D D D D E (D is held through the gap until E).
    const expected = [0, 0, 1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 4];
    assert.equal(result.frames, expected.length, 'every frame of 1.3 s at 10 fps');
    assert.equal(result.duration, 1.3, 'E ends at 1.3 s');
    const dropped = result.warnings.filter((w) => /shorter than a frame/.test(w));
    assert.equal(dropped.length, 1, `one warning for the dropped picture: ${result.warnings.join('; ')}`);
    assert.match(dropped[0] ?? '', /^1 picture was shorter than a frame at 10 fps .* pass vfr: true to keep every picture/, 'it names vfr: true');
    const got = await packets(result.output);
    assert.deepEqual(got.map((p) => [Math.round(p.pts * 1000), Math.round(p.duration * 1000)]), expected.map((_, n) => [n * 100, 100]), 'packets on the grid, 1/10 s each');
    const info = await streamInfo(result.output);
    assert.deepEqual([info.rFrameRate, info.avgFrameRate, info.nbFrames], ['10/1', '10/1', expected.length], 'ffprobe: 10 fps, 13 frames');
    const colours = await decodeColours(result.output, expected.length);
    for (const [n, colour] of expected.entries()) assertImage(colours[n], colour, `frame ${n} (${n / 10} s)`);
  });

  it('vfr: true keeps every frame at its time, each sample lasting until the next', async (t: TestContext) => {
    if (!needTool(t, FFMPEG) || !needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const result = await writeTimed(join(dir, 'timed-vfr.mp4'), { vfr: true });
    assert.equal(result.frames, writes.length, 'one sample per frame written');
    assert.equal(result.duration, 1.3);
    assert.ok(!result.warnings.some((w) => /shorter than a frame/.test(w)), `nothing dropped: ${result.warnings.join('; ')}`);
    const got = await packets(result.output);
    assert.deepEqual(
      got.map((p) => [Math.round(p.pts * 1000), Math.round(p.duration * 1000)]),
      [[0, 150], [150, 200], [350, 30], [380, 820], [1200, 100]],
      'packet times and durations (ms)',
    );
    const colours = await decodeColours(result.output, writes.length, ['-fps_mode', 'passthrough']);
    for (const [n, w] of writes.entries()) assertImage(colours[n], w.colour, `frame ${n} (${w.time} s)`);
  });
});

describe("timing: the frame writer's times in GIF, WebP and APNG", () => {
  it('each frame lasts until the next starts (a gap holds it, a later frame cuts it short), the last its own length', async (t: TestContext) => {
    const dir = await tempDir(t);
    // As a video with vfr: A 0-0.15 (its hold cut short by B), B 0.15-0.35, C 0.35-0.38, D
    // 0.38-1.2 (its 0.5 s hold, then held through the gap), E 1.2-1.3 (one frame at 10 fps).
    const expected = [0.15, 0.2, 0.03, 0.82, 0.1];
    for (const ext of ['gif', 'webp', 'apng']) {
      const writer = createWriter(join(dir, `timed.${ext}`), { width: W, height: H, fps: 10 });
      for (const w of writes) await writer.write(solid(W, H, paletteColour(w.colour)).data, { layout: 'rgb', time: w.time, ...(w.hold ? { hold: w.hold } : {}) });
      const result = await writer.close();
      assert.equal(result.duration, 1.3, `.${ext}: the result's duration`);
      const got = await frameDurations(result.output);
      assert.deepEqual(got.map((d) => Math.round(d * 1000)), expected.map((d) => Math.round(d * 1000)), `.${ext}: each frame's duration in the file`);
    }
  });

  it('a first frame given a later time is shown from 0 s, in a video as in an animation, and the result says so', async (t: TestContext) => {
    if (!needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    for (const ext of ['mp4', 'gif', 'webp', 'apng']) {
      const writer = createWriter(join(dir, `late.${ext}`), { width: W, height: H, fps: 10, ...(ext === 'mp4' ? { preset: 'ultrafast' as const } : {}) });
      await writer.write(solid(W, H, paletteColour(0)).data, { layout: 'rgb', time: 1 });
      await writer.write(solid(W, H, paletteColour(1)).data, { layout: 'rgb', time: 1.5 });
      const result = await writer.close();
      assert.equal(result.duration, 1.6, `.${ext}: the result's duration`);
      if (ext === 'mp4') {
        const got = await packets(result.output);
        assert.equal(got.length, 16, '.mp4: 15 frames of the first picture from 0 s, then the second');
        assert.equal(got[0]?.pts, 0, '.mp4: the first frame at 0 s');
        const colours = await decodeColours(result.output, 16);
        for (const [n, colour] of colours.entries()) assertImage(colour, n < 15 ? 0 : 1, `.mp4 frame ${n}`);
      } else {
        assert.deepEqual((await frameDurations(result.output)).map((d) => Math.round(d * 1000)), [1500, 100], `.${ext}: the first picture from 0 s to 1.5 s, the second 0.1 s`);
      }
    }
  });
});

/** Every frame the reference ffmpeg decodes, as its mean colour. */
async function decodeColours(file: string, count: number, args: readonly string[] = []): Promise<Rgb[]> {
  const { stdout } = await run(FFMPEG, ['-v', 'error', '-nostdin', '-i', file, ...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const size = W * H * 3;
  assert.equal(stdout.length, count * size, `${file}: ${count} frames decoded`);
  return Array.from({ length: count }, (_, n) => meanColour({ data: stdout.subarray(n * size, (n + 1) * size), width: W }, INNER));
}

describe('timing: frameLimit and the plan\'s frame count', () => {
  it('a plan of 86 million frames is refused while planning, naming frameLimit; frameLimit: 0 lifts the limit', async (t: TestContext) => {
    const dir = await tempDir(t);
    const [still] = await writeSolidFrames(dir, [{ name: 'still.png', colour: 0 }], W, H);
    assert.ok(still, 'a still');
    const runaway = { fadeIn: '86000s', hold: '86400s', fps: 1000 } as const;
    await assert.rejects(planStitch([still], join(dir, 'day.mp4'), runaway), (e: unknown) => {
      assert.ok(isFlipbookError(e), `a FlipbookError: ${String(e)}`);
      assert.equal(e.code, 'INVALID_OPTION');
      assert.equal(e.option, 'frameLimit');
      assert.match(e.message, /86400000 frames .*more than the limit of 900000/);
      return true;
    });
    await assert.rejects(stitch([still], join(dir, 'day.mp4'), runaway), (e: unknown) => isFlipbookError(e) && e.option === 'frameLimit', 'stitch refuses before writing');
    assert.deepEqual(await listDir(dir), ['still.png'], 'nothing written');
    const lifted = await planStitch([still], join(dir, 'day.mp4'), { ...runaway, frameLimit: 0 });
    assert.equal(lifted.frameCount, 86_400_000, 'frameLimit: 0 plans it');
    await assert.rejects(planStitch([still], join(dir, 'day.mp4'), { hold: 2, frameLimit: 49 }), (e: unknown) => isFlipbookError(e) && e.option === 'frameLimit', 'a lower limit: 50 frames refused at 49');
  });

  it('the CLI refuses it with exit code 2, naming --frame-limit, and writes nothing', async (t: TestContext) => {
    const dir = await tempDir(t);
    const [still] = await writeSolidFrames(dir, [{ name: 'still.png', colour: 0 }], W, H);
    assert.ok(still, 'a still');
    const cli = await runCli(['stitch', still, '-o', join(dir, 'day.mp4'), '--fade-in', '86000s', '--hold', '86400s', '--fps', '1000']);
    assert.equal(cli.code, 2, `exit code: ${cli.stderr}`);
    assert.match(cli.stderr, /86400000 frames/);
    assert.match(cli.stderr, /--frame-limit/);
    assert.deepEqual(await listDir(dir), ['still.png'], 'nothing written');
  });

  it('planStitch states the frame count the output then has, at a constant rate and with vfr', async (t: TestContext) => {
    if (!needTool(t, FFPROBE)) return;
    const dir = await tempDir(t);
    const stills = await writeSolidFrames(dir, [0, 1, 2].map((colour) => ({ name: `s${colour}.png`, colour })), W, H);
    const cases = [
      { options: { fps: FPS, hold: 2 }, frames: 150 },
      { options: { fps: FPS, hold: 2, vfr: true }, frames: 3 },
      { options: { fps: 10, hold: 1, crossfade: '0.5s', fadeOut: '0.3s' }, frames: 30 },
      // vfr: three samples, two crossfades of 5 frames, a fade out of 3.
      { options: { fps: 10, hold: 1, crossfade: '0.5s', fadeOut: '0.3s', vfr: true }, frames: 3 + 10 + 3 },
    ];
    for (const [i, { options: o, frames }] of cases.entries()) {
      const output = join(dir, `plan${i}.mp4`);
      const plan = await planStitch(stills, output, { ...o, preset: 'ultrafast' });
      assert.equal(plan.frameCount, frames, `${JSON.stringify(o)}: plan.frameCount`);
      assert.equal(plan.vfr, o.vfr === true, `${JSON.stringify(o)}: plan.vfr`);
      const result = await stitch(stills, output, { ...o, preset: 'ultrafast' });
      assert.equal(result.frames, plan.frameCount, `${JSON.stringify(o)}: the result has the frames the plan said`);
      assert.equal((await streamInfo(output)).nbReadFrames, plan.frameCount, `${JSON.stringify(o)}: frames ffprobe decodes`);
    }
  });
});
