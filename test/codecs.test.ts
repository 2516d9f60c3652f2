/**
 * The modern codecs: H.265 (tagged hvc1 in MP4 and MOV), AV1 (SVT-AV1) in MP4, WebM and MKV,
 * VP9 beyond WebM; the quality knob (lossless decodes back bit-exact); crf ranges; and the
 * hardware fallback (without a GPU, auto falls back with a notice and a named hardware encoder
 * that does not open is an error; each test checks which case the machine is in). Small frames
 * and fast presets: AV1 and H.265 are slow.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Normaliser, FrameConverter, decodeImage } from '../src/engine/index.js';
import { type StitchOptions, isFlipbookError, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { type Image, scene } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { type ReadBack, meanPsnr, ms, readVideo } from './helpers/video.js';

const W = 64;
const H = 48;
const FRAMES = 5;
const FAST: StitchOptions = { preset: 'ultrafast', fps: 25 };

describe('modern codecs', () => {
  let dir: string;
  let files: string[];
  let sources: Image[];
  const out = (name: string): string => join(dir, name);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-codecs-'));
    sources = Array.from({ length: FRAMES }, (_, i) => scene(W, H, i));
    files = await Promise.all(sources.map((image, i) => writePng(join(dir, `f${i}.png`), image)));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  function assertVideo(back: ReadBack, expected: { codec: string; profile: string | undefined; tag: string | undefined }): void {
    assert.equal(back.video.codec, expected.codec);
    assert.equal(back.video.profile, expected.profile);
    assert.equal(back.video.codecTag, expected.tag, 'codec tag');
    assert.equal(back.video.pixelFormat, 'yuv420p');
    assert.deepEqual([back.video.width, back.video.height], [W, H]);
    assert.equal(back.frames.length, FRAMES, 'decoded frames');
    assert.equal(ms(back.duration), (FRAMES * 1000) / 25, 'duration (ms)');
    assert.equal(back.video.colorSpace, 'bt709');
    assert.ok(meanPsnr(back.frames, sources) > 28, 'close to the source');
  }

  const cases: { name: string; codec: StitchOptions['codec']; decoded: string; profile: string; tag: string | undefined }[] = [
    { name: 'h265.mp4', codec: 'h265', decoded: 'hevc', profile: 'Main', tag: 'hvc1' },
    { name: 'h265.mov', codec: 'h265', decoded: 'hevc', profile: 'Main', tag: 'hvc1' },
    { name: 'h265.mkv', codec: 'h265', decoded: 'hevc', profile: 'Main', tag: undefined },
    { name: 'av1.mp4', codec: 'av1', decoded: 'av1', profile: 'Main', tag: 'av01' },
    { name: 'av1.webm', codec: 'av1', decoded: 'av1', profile: 'Main', tag: undefined },
    { name: 'av1.mkv', codec: 'av1', decoded: 'av1', profile: 'Main', tag: undefined },
    { name: 'vp9.mp4', codec: 'vp9', decoded: 'vp9', profile: 'Profile 0', tag: 'vp09' },
  ];
  for (const c of cases) {
    it(`${c.codec} in ${c.name.split('.')[1]}: ${c.decoded} ${c.profile}${c.tag ? `, tagged ${c.tag}` : ''}`, async () => {
      const result = await stitch(files, out(c.name), { ...FAST, codec: c.codec });
      assert.deepEqual([result.codec, result.profile, result.pixelFormat, result.frames], [c.codec, c.profile, 'yuv420p', FRAMES]);
      assertVideo(await readVideo(out(c.name)), { codec: c.decoded, profile: c.profile, tag: c.tag });
    });
  }

  it('quality lossless decodes back bit-exact to the normalised pictures (h264, h265, vp9, av1)', async () => {
    // The reference: each source through the same normalise stage (to yuv420p) and back to RGB.
    const normaliser = new Normaliser({ fitWidth: W, fitHeight: H, width: W, height: H, fit: 'contain', background: '0x000000', pixelFormat: 'yuv420p', flattenAlpha: true });
    const converter = new FrameConverter({ filters: [], width: undefined, height: undefined, pixelFormat: 'rgb24', exact: true });
    const reference: Buffer[] = [];
    try {
      for (const file of files) {
        const yuv = await normaliser.process(await decodeImage(await readFile(file), 'png', file), 1);
        const rgb = await converter.convert(yuv);
        yuv.release();
        reference.push(rgb.toBuffer());
        rgb.release();
      }
    } finally {
      normaliser.close();
      converter.close();
    }
    for (const [codec, name, profile, options] of [
      ['h264', 'lossless.mp4', 'High 4:4:4 Predictive', { quality: 'lossless' }],
      // x264's crf 0 is lossless too (it was refused: "1 to 51").
      ['h264', 'crf0.mp4', 'High 4:4:4 Predictive', { crf: 0 }],
      ['h265', 'lossless.mkv', 'Main', { quality: 'lossless' }],
      ['vp9', 'lossless.webm', 'Profile 0', { quality: 'lossless' }],
      ['av1', 'lossless-av1.mkv', 'Main', { quality: 'lossless' }],
    ] as const) {
      const result = await stitch(files, out(name), { ...FAST, codec, ...options });
      assert.equal(result.profile, profile);
      const back = await readVideo(out(name));
      assert.equal(back.video.profile, profile, `${name}: the stream's profile`);
      assert.equal(back.frames.length, FRAMES);
      back.frames.forEach((frame, i) => assert.ok(Buffer.from(frame.data).equals(reference[i] ?? Buffer.alloc(0)), `${codec} frame ${i} is bit-exact`));
    }
  });

  it('quality low, medium, high map to the codec crf and order the sizes; crf wins', async () => {
    const sizes: number[] = [];
    for (const quality of ['low', 'high'] as const) {
      const name = `q-${quality}.mp4`;
      sizes.push((await stitch(files, out(name), { ...FAST, codec: 'h265', quality })).bytes);
    }
    assert.ok((sizes[0] ?? 0) < (sizes[1] ?? 0), `low ${sizes[0]} B < high ${sizes[1]} B`);
    const { planStitch } = await import('../src/index.js');
    const plan = (quality: StitchOptions['quality'], codec: StitchOptions['codec'], crf?: number): Promise<{ encoder: { crf: number | undefined } }> =>
      planStitch(files, out(`plan-${codec}.mkv`), { codec, ...(quality ? { quality } : {}), ...(crf === undefined ? {} : { crf }) });
    assert.equal((await plan('medium', 'h264')).encoder.crf, 23);
    assert.equal((await plan(undefined, 'h265')).encoder.crf, 28);
    assert.equal((await plan('high', 'av1')).encoder.crf, 27);
    assert.equal((await plan('low', 'vp9')).encoder.crf, 40);
    assert.equal((await plan('low', 'vp9', 20)).encoder.crf, 20);
  });

  it("crf takes the range each encoder takes: fractions for h264 and h265 (0-51), whole numbers 0-63 for vp9 and av1; messages state the codec's range (a fraction said '0 to 1000')", async () => {
    for (const [codec, name, crf] of [['h264', 'crf.mp4', 18.5], ['h265', 'crf.mkv', 22.5]] as const) {
      const result = await stitch(files, out(name), { ...FAST, codec, crf });
      assert.equal(result.profile, codec === 'h264' ? 'High' : 'Main');
      const back = await readVideo(out(name));
      assert.equal(back.frames.length, FRAMES);
      assert.ok(meanPsnr(back.frames, sources) > 28, `${codec} crf ${crf}: close to the source`);
    }
    const refused = async (options: StitchOptions, message: string): Promise<void> => {
      await assert.rejects(stitch(files, out('refused.mkv'), options), (error: unknown) => isFlipbookError(error) && error.option === 'crf' && error.message === message);
    };
    await refused({ codec: 'vp9', crf: 18.5 }, 'Expected a whole number from 0 to 63 (the range of vp9) for crf but received 18.5');
    await refused({ codec: 'av1', crf: '30.5' as never }, 'Expected a whole number from 0 to 63 (the range of av1) for crf but received "30.5"');
    await refused({ codec: 'h264', crf: 52 }, 'Expected a number from 0 to 51 (the range of h264) for crf but received 52');
    await refused({ codec: 'h264', crf: 'high' as never }, 'Expected a number in the codec\'s range (h264 0-51, h265 0-51, vp9 0-63 whole, av1 0-63 whole) for crf but received "high"');
    const cli = await runCli(['stitch', ...files, '-o', out('cli.webm'), '--crf', '18.5']);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /Expected a whole number from 0 to 63 \(the range of vp9\) for --crf but received "18\.5"/);
  });

  it('refuses a crf outside the codec range, lossless ProRes, alpha keep in MP4 and a codec the container lacks', async () => {
    const refuses = async (output: string, options: StitchOptions, option: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(stitch(files, out(output), options), (error: unknown) => {
        assert.ok(isFlipbookError(error));
        assert.equal(error.option, option);
        assert.match(error.message, pattern);
        return true;
      });
    };
    await refuses('a.mp4', { codec: 'h265', crf: 60 }, 'crf', /0 to 51 \(the range of h265\)/);
    await refuses('a.mov', { codec: 'prores', quality: 'lossless' }, 'quality', /prores has no lossless mode/);
    await refuses('a.mov', { codec: 'prores', crf: 20 }, 'crf', /no crf for prores/);
    await refuses('a.mp4', { alpha: 'keep' }, 'alpha', /h264 in \.mp4 cannot carry alpha/);
    await refuses('a.webm', { codec: 'h265' }, 'codec', /h265 cannot be written in \.webm/);
    await refuses('a.mp4', { hwaccel: 'hevc_nvenc' }, 'hwaccel', /hevc_nvenc does not write h264/);
  });

  it('hwaccel auto writes h264 either way: with no hardware encoder that opens, libx264 with a notice', async () => {
    const warnings: string[] = [];
    const result = await stitch(files, out('hw.mp4'), { ...FAST, hwaccel: 'auto', onWarning: (m) => warnings.push(m) });
    assert.deepEqual(warnings, result.warnings, 'onWarning saw every warning of the result');
    const back = await readVideo(out('hw.mp4'));
    assert.equal(back.frames.length, FRAMES, 'frames decoded back');
    const notice = result.warnings.find((w) => w.includes('hardware'));
    if (notice === undefined) {
      // A hardware encoder opened on this machine and wrote the video: h264, no notice.
      assert.equal(back.video.codec, 'h264', 'codec written by the hardware encoder');
      assert.equal(result.warnings.length, 0, `no warning: ${result.warnings.join('; ')}`);
    } else {
      // No GPU: every hardware encoder was tried and the software one wrote the video.
      assert.match(notice, /No hardware encoder worked \(h264_nvenc: .*\); encoding with libx264 instead/);
      assertVideo(back, { codec: 'h264', profile: 'High', tag: 'avc1' });
    }
  });

  it('a named hardware encoder that does not open is an error', async (t) => {
    let written: Awaited<ReturnType<typeof stitch>> | undefined;
    try {
      written = await stitch(files, out('nvenc.mp4'), { ...FAST, hwaccel: 'h264_nvenc' });
    } catch (error) {
      assert.ok(isFlipbookError(error), `a FlipbookError: ${String(error)}`);
      assert.equal(error.code, 'ENGINE');
      assert.equal(error.option, 'hwaccel');
      assert.match(error.message, /The hardware encoder h264_nvenc did not open/);
      assert.match(error.hint ?? '', /hwaccel: 'auto'/);
      return;
    }
    // h264_nvenc opened: this machine has an NVIDIA encoder, so there is no failure to test.
    const back = await readVideo(written.output);
    assert.equal(back.frames.length, FRAMES, 'the video h264_nvenc wrote decodes');
    t.skip('h264_nvenc opens on this machine (an NVIDIA GPU): the error needs a machine without one');
  });

  it('hwaccel auto with h264 crf 0 (lossless) writes with libx264 and says why, as quality lossless does (no hardware encoder was tried: cq 0 is not lossless there)', async () => {
    const result = await stitch(files, out('hw-crf0.mp4'), { ...FAST, hwaccel: 'auto', crf: 0 });
    assert.deepEqual(result.warnings, ['hwaccel auto: no hardware encoder writes h264 with lossless; encoding with libx264']);
    assert.equal((await readVideo(out('hw-crf0.mp4'))).video.profile, 'High 4:4:4 Predictive');
  });

  it('the command line takes --codec av1 --quality high --hwaccel auto and prints the notice', async () => {
    const res = await runCli(['stitch', ...files, '-o', out('cli.webm'), '--codec', 'av1', '--quality', 'high', '--preset', 'ultrafast', '--hwaccel', 'auto']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /No hardware encoder worked \(av1_nvenc: .*encoding with libsvtav1 instead/);
    assert.match(res.stdout + res.stderr, /av1 Main yuv420p/);
    const bad = await runCli(['stitch', ...files, '-o', out('bad.mp4'), '--quality', 'best']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /low, medium, high, lossless/);
  });
});
