/**
 * Alpha kept: VP9 in WebM (yuva420p, the alpha plane as WebM's BlockAdditional with
 * alpha_mode=1, read back with libvpx's decoder since FFmpeg's own vp9 ignores it) and ProRes
 * 4444 in MOV (yuva444p10le, tag ap4h). The decoded alpha matches the source within a
 * tolerance; letterboxing is transparent; `alpha: 'flatten'` and opaque inputs give no alpha.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { type DecodedVideoFrame, VideoReader } from './helpers/video-reader.js';
import { contactSheet, createWriter, probe, readFrames, split, stitch } from '../src/index.js';
import { alphaFrame } from './helpers/alpha.js';
import { solid } from './helpers/images.js';
import { encodePng16, writePng } from './helpers/png.js';
import { FFMPEG, needTool, run } from './helpers/test-media.js';
import { ms } from './helpers/video.js';

const W = 64;
const H = 48;
const FRAMES = 4;

async function readRgba(file: string): Promise<{ reader: Pick<VideoReader, 'video' | 'duration'>; frames: DecodedVideoFrame[] }> {
  const reader = await VideoReader.open(file);
  try {
    const frames: DecodedVideoFrame[] = [];
    for await (const frame of reader.frames('rgba')) frames.push(frame);
    return { reader: { video: reader.video, duration: reader.duration }, frames };
  } finally {
    await reader.close();
  }
}

/** The mean of one RGBA channel over a region. */
function mean(frame: DecodedVideoFrame, channel: number, x0: number, y0: number, w: number, h: number): number {
  let sum = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) sum += frame.data[(y * frame.width + x) * 4 + channel] ?? 0;
  return sum / (w * h);
}

function assertAlpha(frames: DecodedVideoFrame[], tolerance: number): void {
  assert.equal(frames.length, FRAMES, 'decoded frames');
  frames.forEach((frame, n) => {
    // Away from the edges between regions (chroma and alpha are filtered across them).
    assert.ok(mean(frame, 3, 4, 4, W / 2 - 8, H / 2 - 10) <= tolerance, `frame ${n}: transparent top left`);
    assert.ok(Math.abs(mean(frame, 3, 4, H / 2 - 2, W / 2 - 8, 4) - 128) <= tolerance, `frame ${n}: half-transparent band`);
    assert.ok(mean(frame, 3, W / 2 + 4, 4, W / 2 - 8, H - 8) >= 255 - tolerance, `frame ${n}: opaque right half`);
    const red = mean(frame, 0, W / 2 + 4, 4, W / 2 - 8, H - 8);
    const green = mean(frame, 1, W / 2 + 4, 4, W / 2 - 8, H - 8);
    assert.ok(Math.abs(red - (200 - 30 * n)) <= 6 && Math.abs(green - (60 + 30 * n)) <= 6, `frame ${n}: colour ${red},${green}`);
  });
}

describe('alpha', () => {
  let dir: string;
  let files: string[];
  let opaque: string[];
  const out = (name: string): string => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-alpha-'));
    files = await Promise.all(Array.from({ length: FRAMES }, (_, i) => writePng(join(dir, `a${i}.png`), alphaFrame(i))));
    opaque = await Promise.all(Array.from({ length: FRAMES }, (_, i) => writePng(join(dir, `o${i}.png`), solid(W, H, [20, 90 + i, 200]))));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('.webm keeps alpha by default: VP9 yuva420p with alpha_mode, decoded alpha matches the source', async () => {
    const result = await stitch(files, out('alpha.webm'), { fps: 10, preset: 'ultrafast' });
    assert.deepEqual([result.codec, result.pixelFormat, result.frames], ['vp9', 'yuva420p', FRAMES]);
    const info = await probe(out('alpha.webm'));
    assert.equal(info.video?.alphaChannel, true, 'alpha_mode=1 on the track');
    const { reader, frames } = await readRgba(out('alpha.webm'));
    assert.deepEqual([reader.video.codec, reader.video.profile, reader.video.pixelFormat], ['vp9', 'Profile 0', 'yuva420p']);
    assert.equal(ms(reader.duration), (FRAMES * 1000) / 10);
    assertAlpha(frames, 8);
  });

  it('letterboxing keeps alpha transparent; alpha flatten and opaque inputs write no alpha', async () => {
    await stitch(files, out('boxed.webm'), { fps: 10, preset: 'ultrafast', size: `${W}x${H * 2}` });
    const boxed = await readRgba(out('boxed.webm'));
    const first = boxed.frames[0];
    assert.ok(first);
    assert.ok(mean(first, 3, W / 2 + 4, 2, W / 2 - 8, H / 2 - 6) <= 4, 'the padding above the picture is transparent');
    assert.ok(mean(first, 3, W / 2 + 4, H / 2 + 4, W / 2 - 8, H - 8) >= 250, 'the picture itself is opaque');

    const flat = await stitch(files, out('flat.webm'), { fps: 10, preset: 'ultrafast', alpha: 'flatten', background: 'white' });
    assert.equal(flat.pixelFormat, 'yuv420p');
    assert.equal((await probe(out('flat.webm'))).video?.alphaChannel, false);
    const flatFrames = (await readRgba(out('flat.webm'))).frames;
    assert.ok(mean(flatFrames[0] as DecodedVideoFrame, 0, 4, 4, W / 2 - 8, H / 2 - 10) >= 245, 'transparent pixels are the white background');

    const plain = await stitch(opaque, out('opaque.webm'), { fps: 10, preset: 'ultrafast' });
    assert.equal(plain.pixelFormat, 'yuv420p', 'no input has transparency: no alpha plane');
  });

  it('.mov with codec prores is ProRes 4444 with alpha (ap4h), the alpha within a level', async () => {
    const result = await stitch(files, out('alpha.mov'), { fps: 10, codec: 'prores' });
    assert.deepEqual([result.codec, result.profile, result.pixelFormat], ['prores', '4444', 'yuva444p10le']);
    const { reader, frames } = await readRgba(out('alpha.mov'));
    assert.deepEqual([reader.video.codec, reader.video.profile, reader.video.codecTag], ['prores', '4444', 'ap4h']);
    // FFmpeg's ProRes decoder gives 4444 as 12-bit.
    assert.equal(reader.video.pixelFormat, 'yuva444p12le');
    assert.equal(ms(reader.duration), (FRAMES * 1000) / 10);
    assertAlpha(frames, 2);

    const opaqueResult = await stitch(opaque, out('opaque.mov'), { fps: 10, codec: 'prores' });
    assert.deepEqual([opaqueResult.profile, opaqueResult.pixelFormat], ['4444', 'yuv444p10le']);
  });

  it('16-bit alpha reaches ProRes 4444 at its 10 bits, not cut to 8 on the way', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    // Alpha levels half-way between two 8-bit levels (257k + 128): cut to 8 bits on the way,
    // each is off by at least 128 in 16-bit units (measured 207 when the chain went through
    // 8-bit RGBA); ProRes keeps 10 bits, a step of 64 (measured 79 with the conversions to
    // 10 bits and from the decoder's 12).
    const levels = Array.from({ length: W }, (_, x) => 257 * (4 * x + 1) + 128);
    const data = new Uint16Array(W * H * 4);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) data.set([40000, 20000, 10000, levels[x] ?? 0], (y * W + x) * 4);
    }
    const frames = await Promise.all([0, 1].map(async (i) => {
      const file = out(`deep${i}.png`);
      await writeFile(file, encodePng16(W, H, 4, data));
      return file;
    }));
    await stitch(frames, out('deep.mov'), { fps: 10, codec: 'prores' });
    // The reference ffmpeg reads the alpha plane back at 16 bits.
    const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', out('deep.mov'), '-frames:v', '1', '-vf', 'alphaextract,format=gray16le', '-f', 'rawvideo', '-']);
    assert.equal(stdout.length, W * H * 2, 'one 16-bit alpha plane');
    let worst = 0;
    for (let x = 0; x < W; x++) worst = Math.max(worst, Math.abs(stdout.readUInt16LE((H / 2) * W * 2 + x * 2) - (levels[x] ?? 0)));
    assert.ok(worst <= 100, `alpha off by up to ${worst} in 16-bit units (8-bit alpha would be off by 128 or more)`);
  });

  it('the frame writer keeps alpha when its first frame has transparency', async () => {
    const writer = createWriter(out('writer.webm'), { fps: 10, preset: 'ultrafast' });
    for (let i = 0; i < FRAMES; i++) await writer.write({ data: alphaFrame(i).data, width: W, height: H, layout: 'rgba' });
    const result = await writer.close();
    assert.equal(result.pixelFormat, 'yuva420p');
    assertAlpha((await readRgba(out('writer.webm'))).frames, 8);
  });

  it('split keeps alpha in PNG, WebP, TIFF and BMP (a WebP came out opaque: its conversion went through RGB without the alpha plane)', async (t) => {
    if (!needTool(t, FFMPEG)) return;
    await stitch(files, out('keep.webm'), { fps: 10, preset: 'ultrafast' });
    for (const extension of ['png', 'webp', 'tif', 'bmp']) {
      const result = await split(out('keep.webm'), out(`keep-${extension}/%d.${extension}`));
      const frames: DecodedVideoFrame[] = [];
      for (const file of result.files) {
        const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgba', '-']);
        frames.push({ data: new Uint8Array(stdout), width: W, height: H } as DecodedVideoFrame);
      }
      // WebP is lossy (quality 80) and 4:2:0 like the video: a wider tolerance.
      assert.doesNotThrow(() => assertAlpha(frames, extension === 'webp' ? 12 : 8), `${extension}: the alpha kept`);
    }
  });

  it('frames out without alpha (split to JPEG, readFrames rgb, a contact sheet) lay transparency onto black, not the colour under it', async () => {
    await stitch(files, out('out.webm'), { fps: 10, preset: 'ultrafast' });
    // The transparent top left holds a colour (frame 0: 200,60,40) under alpha 0: it must not show.
    const transparentTopLeft = (frame: { data: Uint8Array; width: number }, channels: number): number[] => {
      const sums = [0, 0, 0];
      let n = 0;
      for (let y = 4; y < H / 2 - 6; y++) {
        for (let x = 4; x < W / 2 - 4; x++) {
          for (let c = 0; c < 3; c++) sums[c] = (sums[c] ?? 0) + (frame.data[(y * frame.width + x) * channels + c] ?? 0);
          n++;
        }
      }
      return sums.map((v) => Math.round(v / n));
    };
    const opaqueRight = (frame: { data: Uint8Array; width: number }, channels: number): number => frame.data[((H / 2) * frame.width + W - 8) * channels] ?? 0;
    for await (const frame of readFrames(out('out.webm'), { layout: 'rgb', end: 0.1 })) {
      assert.deepEqual(transparentTopLeft(frame, 3), [0, 0, 0], 'readFrames rgb: black where transparent');
      assert.ok(Math.abs(opaqueRight(frame, 3) - 200) <= 6, `readFrames rgb: the opaque half keeps its red (${opaqueRight(frame, 3)})`);
      frame.release();
    }
    await split(out('out.webm'), out('jpeg/%d.jpg'), { end: 0.1 });
    const { stdout } = await run(FFMPEG, ['-v', 'error', '-i', out('jpeg/1.jpg'), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    const jpeg = { data: new Uint8Array(stdout), width: W };
    assert.ok(transparentTopLeft(jpeg, 3).every((v) => v <= 3), `split to JPEG: black where transparent (${transparentTopLeft(jpeg, 3).join(',')})`);
    const sheet = await contactSheet(out('out.webm'), out('sheet.png'), { columns: 1, rows: 1, width: W, labels: false });
    const { stdout: sheetPixels } = await run(FFMPEG, ['-v', 'error', '-i', sheet.output, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    // Of the thumbnail's pixels (not the sheet's grey), the coloured ones: the opaque half and the
    // band (about 58%); all of them when the colour under the transparent half showed.
    let thumbnail = 0;
    let coloured = 0;
    for (let i = 0; i + 2 < sheetPixels.length; i += 3) {
      const [r, g, b] = [sheetPixels[i] ?? 0, sheetPixels[i + 1] ?? 0, sheetPixels[i + 2] ?? 0];
      if (Math.abs(r - 26) <= 3 && Math.abs(g - 26) <= 3 && Math.abs(b - 26) <= 3) continue;
      thumbnail++;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
    }
    assert.ok(thumbnail > 1000 && coloured / thumbnail < 0.75, `the sheet's thumbnail is coloured only where the picture is opaque: ${coloured} of ${thumbnail} pixels`);
  });
});
