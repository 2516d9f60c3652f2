/**
 * What stitch writes: quality at default settings (PSNR against the source frames), the
 * stream's codec, profile, pixel format and colour tags, timing to the millisecond, each
 * container, and the promise that nothing is lost (no overwrite, no output over an input,
 * no partial file on failure or abort).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, link, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, type Progress, planStitch, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { frameColourIndices, writeFrames, writeSolidFrames } from './helpers/frames.js';
import { type Image, PALETTE, type Rgb, scene, solid } from './helpers/images.js';
import { leftoverParts, listDir, tempDir } from './helpers/temp.js';
import { assertColour, assertCommon, assertH264, colourIn, meanPsnr, ms, psnr, readVideo } from './helpers/video.js';

const FAST = { preset: 'ultrafast' } as const;
type T = Parameters<typeof tempDir>[0];

async function sceneFrames(t: T, count: number, width = 160, height = 120): Promise<{ dir: string; files: string[]; images: Image[] }> {
  const dir = await tempDir(t);
  const images = Array.from({ length: count }, (_, n) => scene(width, height, n));
  const files = await writeFrames(
    dir,
    images.map((image, n) => ({ name: `scene_${n}.png`, image })),
  );
  return { dir, files, images };
}

function code(expected: string, ...parts: string[]): (error: FlipbookError) => boolean {
  return (error) => {
    assert.equal(error.code, expected, error.message);
    for (const part of parts) assert.ok(error.message.includes(part), `"${error.message}" should include "${part}"`);
    return true;
  };
}

describe('output: default settings', () => {
  it('H.264 High yuv420p BT.709, frames and duration exact, mean PSNR >= 35 dB against the sources', async (t) => {
    const { dir, images } = await sceneFrames(t, 12);
    const out = join(dir, 'default.mp4');
    const result = await stitch(join(dir, 'scene_*.png'), out);
    const back = await readVideo(out);
    assertH264(back, { width: 160, height: 120, frames: 12, duration: 12 / 25 });
    assert.deepEqual(back.video.avgFrameRate, { num: 25, den: 1 });
    back.frames.forEach((frame, i) => assert.equal(ms(frame.time), i * 40, `frame ${i} time`));
    const db = meanPsnr(back.frames, images);
    assert.ok(db >= 35, `mean PSNR ${db.toFixed(2)} dB, below 35`);
    // Each decoded frame is nearer its own source than its neighbour's: the order is right.
    for (let i = 1; i < images.length; i++) {
      const frame = back.frames[i];
      const own = images[i];
      const previous = images[i - 1];
      assert.ok(frame && own && previous);
      assert.ok(psnr(frame.data, own.data) > psnr(frame.data, previous.data), `frame ${i} matches its own source`);
    }
    const { size } = await stat(out);
    assert.deepEqual(result, {
      output: out,
      frames: 12,
      width: 160,
      height: 120,
      fps: { num: 25, den: 1 },
      duration: 12 / 25,
      codec: 'h264',
      profile: 'High',
      pixelFormat: 'yuv420p',
      bytes: size,
      fitted: 0,
      skipped: [],
      warnings: [],
    });
    assert.deepEqual(await leftoverParts(dir), []);
  });

  it('colours are converted with BT.709 (not BT.601) in limited range', async (t) => {
    const dir = await tempDir(t);
    // Mid colours show a matrix mix-up most: BT.601 decoded as BT.709 shifts these by 10 to 30 levels.
    const colours: Rgb[] = [
      [200, 50, 100],
      [40, 160, 220],
      [230, 200, 30],
    ];
    const files = await writeFrames(
      dir,
      colours.map((c, i) => ({ name: `c${i}.png`, image: solid(64, 48, c) })),
    );
    const out = join(dir, 'colours.mp4');
    await stitch(files, out);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.12 });
    back.frames.forEach((frame, i) => assertColour(colourIn(frame, { x: 0, y: 0, width: 64, height: 48 }, 8), colours[i] ?? [0, 0, 0], `frame ${i}`, 4));
  });

  it('MP4 has fast start: the index (moov) comes before the data (mdat)', async (t) => {
    const { dir, files } = await sceneFrames(t, 3, 64, 48);
    const out = join(dir, 'faststart.mp4');
    await stitch(files, out, FAST);
    const bytes = await readFile(out);
    const moov = bytes.indexOf('moov');
    const mdat = bytes.indexOf('mdat');
    assert.ok(moov > 0 && mdat > 0, 'both boxes exist');
    assert.ok(moov < mdat, `moov at ${moov}, mdat at ${mdat}`);
  });
});

describe('output: timing', () => {
  it('duration "2s", vfr: a slideshow of one encoded frame per image, each held 2 s', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [
      { name: 'a.png', colour: 0 },
      { name: 'b.png', colour: 1 },
      { name: 'c.png', colour: 2 },
    ]);
    const out = join(dir, 'slides.mp4');
    const result = await stitch(files, out, { ...FAST, hold: '2s', vfr: true });
    assert.equal(result.duration, 6);
    assert.equal(result.frames, 3);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 6 });
    assert.deepEqual(
      back.frames.map((f) => ms(f.time)),
      [0, 2000, 4000],
    );
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2]);
  });

  it('a GIF, WebP or APNG of held images says so: "variable frame rate", not "25 fps" (4 frames of 10 s)', async (t) => {
    const { dir } = await sceneFrames(t, 4, 64, 48);
    for (const format of ['gif', 'webp', 'apng']) {
      const out = join(dir, 'out', `long.${format}`);
      const held = await runCli(['stitch', dir, '-o', out, '--hold', '10s']);
      assert.equal(held.code, 0, held.stderr);
      assert.match(held.stdout, /^Wrote .*: 4 frames, 64x48, variable frame rate \(held frames timed at 25 fps\), 40\.00 s, /, `${format}: ${held.stdout}`);
      const json = await runCli(['stitch', dir, '-o', out, '--hold', '10s', '-y', '--json']);
      const done = json.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((e) => e.event === 'done');
      assert.deepEqual([done?.frames, done?.duration, done?.vfr, done?.fps], [4, 40, true, '25'], `${format}: ${json.stdout}`);
      // One frame an image: every frame lasts 1/fps, a constant rate.
      const flat = await runCli(['stitch', dir, '-o', out, '-y']);
      assert.equal(flat.code, 0, flat.stderr);
      assert.match(flat.stdout, /: 4 frames, 64x48, 25 fps, 0\.16 s, /, `${format}: ${flat.stdout}`);
      const library = await stitch(dir, out, { overwrite: true, fps: 30 });
      assert.equal(library.vfr, undefined, `${format}: 30 fps, frames of 1/30 s rounded to the format's clock are not held`);
    }
  });

  it('a --vfr MP4 says its time base as a fraction of a second (1001/30000 s at 29.97 fps, not 1/30000/1001)', async (t) => {
    const { dir } = await sceneFrames(t, 2, 64, 48);
    const out = join(dir, 'out', 'vfr.mp4');
    const cli = await runCli(['stitch', dir, '-o', out, '--vfr', '--fps', '30000/1001', '--hold', '1s', '--preset', 'ultrafast']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /^Wrote .*: 2 frames, 64x48, variable frame rate \(time base 1001\/30000 s\), 2\.00 s, /, cli.stdout);
  });

  it('duration with another fps: 0.5 s at 10 fps', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [
      { name: 'a.png', colour: 0 },
      { name: 'b.png', colour: 1 },
    ]);
    const out = join(dir, 'slides10.mp4');
    await stitch(files, out, { ...FAST, hold: 0.5, fps: 10 });
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 10, duration: 1 });
    assert.deepEqual(
      back.frames.map((f) => ms(f.time)),
      [0, 100, 200, 300, 400, 500, 600, 700, 800, 900],
    );
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], 'each image for its 0.5 s');
  });

  for (const fps of ['30000/1001', 29.97, '29.97'] as const) {
    it(`fps ${JSON.stringify(fps)} is the exact fraction 30000/1001`, async (t) => {
      const dir = await tempDir(t);
      const files = await writeSolidFrames(
        dir,
        Array.from({ length: 7 }, (_, i) => ({ name: `${i}.png`, colour: i })),
      );
      const out = join(dir, 'ntsc.mp4');
      const result = await stitch(files, out, { ...FAST, fps });
      assert.deepEqual(result.fps, { num: 30000, den: 1001 });
      const back = await readVideo(out);
      const duration = (7 * 1001) / 30000;
      assertH264(back, { width: 64, height: 48, frames: 7, duration });
      assert.deepEqual(back.video.avgFrameRate, { num: 30000, den: 1001 });
      back.frames.forEach((f, i) => assert.equal(ms(f.time), Math.round((i * 1001 * 1000) / 30000), `frame ${i} time`));
    });
  }

  it('fps 60: duration of 9 frames is 150 ms', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(
      dir,
      Array.from({ length: 9 }, (_, i) => ({ name: `${i}.png`, colour: i })),
    );
    const out = join(dir, 'sixty.mp4');
    await stitch(files, out, { ...FAST, fps: 60 });
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 9, duration: 0.15 });
    assert.deepEqual(back.video.avgFrameRate, { num: 60, den: 1 });
  });

  it('a duration shorter than one frame is INVALID_OPTION naming duration', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    await assert.rejects(stitch(files, join(dir, 'o.mp4'), { hold: '10ms', fps: 25 }), code('INVALID_OPTION', 'A hold of 0.01 s is shorter than one frame at 25 fps'));
  });
});

describe('output: containers and codecs', () => {
  it('.webm is VP9 (profile 0) yuv420p with the same colour tags and timing, >= 35 dB at default settings', async (t) => {
    const { dir, files, images } = await sceneFrames(t, 5, 96, 64);
    const out = join(dir, 'out.webm');
    const result = await stitch(files, out);
    assert.equal(result.codec, 'vp9');
    const back = await readVideo(out);
    assert.equal(back.video.codec, 'vp9');
    assert.equal(back.video.profile, 'Profile 0');
    assert.match(back.container, /webm/);
    assertCommon(back, { width: 96, height: 64, frames: 5, duration: 0.2 });
    const db = meanPsnr(back.frames, images);
    assert.ok(db >= 35, `VP9 mean PSNR ${db.toFixed(2)} dB`);
  });

  for (const ext of ['.mov', '.mkv']) {
    it(`${ext} is H.264 High yuv420p`, async (t) => {
      const { dir, files } = await sceneFrames(t, 4, 64, 48);
      const out = join(dir, `out${ext}`);
      await stitch(files, out, FAST);
      const back = await readVideo(out);
      assert.match(back.container, ext === '.mov' ? /mov/ : /matroska/);
      assertH264(back, { width: 64, height: 48, frames: 4, duration: 0.16 });
    });
  }

  it('codec vp9 in .mp4 is VP9', async (t) => {
    const { dir, files } = await sceneFrames(t, 3, 64, 48);
    const out = join(dir, 'vp9.mp4');
    await stitch(files, out, { ...FAST, codec: 'vp9' });
    const back = await readVideo(out);
    assert.equal(back.video.codec, 'vp9');
    assertCommon(back, { width: 64, height: 48, frames: 3, duration: 0.12 });
  });

  it('a codec the container cannot hold is UNSUPPORTED_OUTPUT saying what it takes', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    await assert.rejects(stitch(files, join(dir, 'o.mov'), { codec: 'vp9' }), code('UNSUPPORTED_OUTPUT', 'The codec vp9 cannot be written in .mov', '.mov takes h264'));
    await assert.rejects(stitch(files, join(dir, 'o.webm'), { codec: 'h264' }), code('UNSUPPORTED_OUTPUT', '.webm takes vp9'));
  });

  it('an unknown extension is UNSUPPORTED_OUTPUT listing the supported ones', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    const avi = join(dir, 'movie.avi');
    await assert.rejects(stitch(files, avi), code('UNSUPPORTED_OUTPUT', `Cannot write ${avi}: the extension .avi is not supported`, 'Use one of .mp4, .mov, .mkv, .webm'));
    await assert.rejects(stitch(files, join(dir, 'movie')), code('UNSUPPORTED_OUTPUT', 'it has no extension', '.mp4, .mov, .mkv, .webm'));
    assert.deepEqual(await listDir(dir), ['a.png']);
  });

  it('crf and bitrate change the encoding: lower crf, bigger file and closer pictures', async (t) => {
    const { dir, files, images } = await sceneFrames(t, 4, 96, 64);
    const fine = join(dir, 'fine.mp4');
    const coarse = join(dir, 'coarse.mp4');
    const fineResult = await stitch(files, fine, { ...FAST, crf: 10 });
    const coarseResult = await stitch(files, coarse, { ...FAST, crf: '45' });
    assert.ok(fineResult.bytes > coarseResult.bytes, `${fineResult.bytes} > ${coarseResult.bytes}`);
    const fineDb = meanPsnr((await readVideo(fine)).frames, images);
    const coarseDb = meanPsnr((await readVideo(coarse)).frames, images);
    assert.ok(fineDb > coarseDb + 3, `crf 10: ${fineDb.toFixed(1)} dB, crf 45: ${coarseDb.toFixed(1)} dB`);
    const low = join(dir, 'low.mp4');
    const high = join(dir, 'high.mp4');
    const lowResult = await stitch(files, low, { ...FAST, bitrate: '20k' });
    const highResult = await stitch(files, high, { ...FAST, bitrate: '2M' });
    assert.ok(highResult.bytes > lowResult.bytes, `2M: ${highResult.bytes} bytes, 20k: ${lowResult.bytes} bytes`);
  });
});

describe('output: nothing lost', () => {
  it('an existing output is refused without overwrite, left byte for byte as it was', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    const out = join(dir, 'exists.mp4');
    const before = Buffer.from('precious bytes, not a video');
    await writeFile(out, before);
    const old = new Date('2020-01-02T03:04:05Z');
    await utimes(out, old, old);
    await assert.rejects(stitch(files, out, FAST), (error: FlipbookError) => {
      assert.equal(error.code, 'OUTPUT_EXISTS');
      assert.equal(error.file, out);
      assert.ok(error.message.includes(`The output ${out} already exists`), error.message);
      assert.ok(error.message.includes('overwrite: true'), error.message);
      return true;
    });
    assert.deepEqual(await readFile(out), before);
    assert.equal((await stat(out)).mtimeMs, old.getTime());
    assert.deepEqual(await listDir(dir), ['a.png', 'exists.mp4']);
    // With overwrite it is replaced by a real video.
    await stitch(files, out, { ...FAST, overwrite: true });
    assertH264(await readVideo(out), { width: 64, height: 48, frames: 1, duration: 0.04 });
  });

  it('an output that is one of the inputs is OUTPUT_IS_INPUT, however the path is spelled', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'sub'));
    // A PNG named like a video, given as an input: the output must never replace it.
    const [clip] = await writeFrames(dir, [{ name: 'clip.mp4', image: solid(64, 48, [255, 0, 0]) }]);
    assert.ok(clip);
    const before = await readFile(clip);
    // Also through a symbolic link and a hard link: the same file under another name.
    await symlink(clip, join(dir, 'sub', 'soft.mp4'));
    await link(clip, join(dir, 'sub', 'hard.mp4'));
    for (const output of [clip, join(dir, 'sub', '..', 'clip.mp4'), join(dir, 'sub', 'soft.mp4'), join(dir, 'sub', 'hard.mp4')]) {
      await assert.rejects(stitch([clip], output, { ...FAST, overwrite: true }), (error: FlipbookError) => {
        assert.equal(error.code, 'OUTPUT_IS_INPUT');
        assert.ok(error.message.includes(`The output ${output} is one of the inputs`), error.message);
        return true;
      });
    }
    assert.deepEqual(await readFile(clip), before);
    assert.deepEqual(await listDir(dir), ['clip.mp4', 'sub']);
    assert.deepEqual(await listDir(join(dir, 'sub')), ['hard.mp4', 'soft.mp4']);
  });

  it('an output that is a symbolic link to nothing is refused before any work without overwrite (it failed at the end as a file that "appeared"); with overwrite the link is replaced', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [0, 1].map((colour) => ({ name: `f${colour}.png`, colour })));
    const output = join(dir, 'out.gif');
    await symlink(join(dir, 'gone', 'target.gif'), output);
    let frames = 0;
    await assert.rejects(stitch(files, output, { onProgress: () => frames++ }), {
      code: 'OUTPUT_EXISTS',
      option: 'overwrite',
      message: `The output ${output} already exists, as a symbolic link to ${join(dir, 'gone', 'target.gif')}, which does not exist. Pass overwrite: true to replace the link`,
    });
    assert.equal(frames, 0, 'refused before any work');
    assert.deepEqual(await listDir(dir), ['f0.png', 'f1.png', 'out.gif']);
    await stitch(files, output, { overwrite: true });
    assert.ok((await lstat(output)).isFile(), 'the link replaced by the GIF');
    assert.equal(existsSync(join(dir, 'gone')), false, 'nothing written where it pointed');
  });

  it('an output path that goes up (..) out of a folder that does not exist is refused before any work, naming the way to write it', async (t) => {
    const dir = await tempDir(t);
    const [clip] = await writeFrames(dir, [{ name: 'clip.gif', image: solid(64, 48, [255, 0, 0]) }]);
    assert.ok(clip);
    const before = await readFile(clip);
    // Not path.join, which would cut `missing/..` away: the path as a user types it. The system
    // resolves it to no file; without the check the run ended, after every frame, in
    // "Cannot move the finished file to .../missing/../clip.gif: ENOENT".
    for (const name of ['clip.gif', 'other.gif']) {
      const output = `${dir}/missing/../${name}`;
      let frames = 0;
      await assert.rejects(stitch([clip, clip], output, { overwrite: true, onProgress: () => frames++ }), {
        code: 'INVALID_OPTION',
        option: 'output',
        message: `The output ${output} goes up (..) out of ${dir}/missing, which does not exist. Write the path without that part: ${join(dir, name)}`,
      });
      assert.equal(frames, 0, 'refused before any work');
    }
    assert.deepEqual(await readFile(clip), before);
    assert.deepEqual(await listDir(dir), ['clip.gif']);
    // Through a folder that exists, `..` is the system's to resolve, and works.
    await mkdir(join(dir, 'sub'));
    await stitch([clip], `${dir}/sub/../out.mp4`, FAST);
    assert.equal((await readVideo(join(dir, 'out.mp4'))).frames.length, 1);
  });

  it('missing output directories are created', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    const out = join(dir, 'new', 'deeper', 'out.mp4');
    await stitch(files, out, FAST);
    assertH264(await readVideo(out), { width: 64, height: 48, frames: 1, duration: 0.04 });
    assert.deepEqual(await listDir(join(dir, 'new', 'deeper')), ['out.mp4']);
  });

  it('a file where the output\'s folder should be is named, with the way out, before anything is decoded', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: '1.png', colour: 0 }]);
    const file = files[0] as string;
    const inTheWay = (folder: string, said: string) => (error: FlipbookError) => {
      assert.equal(error.code, 'IO');
      assert.equal(error.file, file);
      assert.equal(error.message, `Cannot create the output directory ${folder}: ${said}. Choose another output directory, or move the file`);
      return true;
    };
    await assert.rejects(stitch(files, join(file, 'x.mp4'), FAST), inTheWay(file, 'a file of that name is in the way'));
    await assert.rejects(stitch(files, join(file, 'deeper', 'x.mp4'), FAST), inTheWay(join(file, 'deeper'), `the file ${file} is in the way`));
    // While planning: a GIF, whose file is made after every frame is spooled, is refused first.
    await assert.rejects(planStitch(files, join(file, 'x.gif')), inTheWay(file, 'a file of that name is in the way'));
    const cli = await runCli(['stitch', file, '-o', join(file, 'x.mp4')]);
    assert.equal(cli.code, 1);
    assert.equal(cli.stderr, `flipbook: error: Cannot create the output directory ${file}: a file of that name is in the way. Choose another output directory, or move the file\n`);
    assert.deepEqual(await listDir(dir), ['1.png']);
  });

  it('an output directory that cannot be written in is refused before any work, naming the output (a GIF opened its file only after the spool)', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [0, 1, 2].map((colour) => ({ name: `f${colour}.png`, colour })));
    // Read-only for this process: a read-only mount for root (whom permissions do not stop), a
    // directory without write permission for anyone else.
    const locked = await mkdtemp(join(tmpdir(), 'flipbook-locked-'));
    let expected: RegExp;
    if (process.getuid?.() === 0) {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', locked], { stdio: 'pipe' });
      } catch (error) {
        await rm(locked, { recursive: true, force: true });
        t.skip(`mount -t tmpfs -o ro was refused: ${String(error)}`);
        return;
      }
      t.after(async () => {
        execFileSync('umount', [locked]);
        await rm(locked, { recursive: true, force: true });
      });
      expected = new RegExp(`^Cannot write ${locked}/[^:]+: ${locked} is on a read-only file system\\. Choose an output on a writable disk$`);
    } else {
      await chmod(locked, 0o555);
      t.after(async () => {
        await chmod(locked, 0o755);
        await rm(locked, { recursive: true, force: true });
      });
      expected = new RegExp(`^Cannot write ${locked}/[^:]+: no permission to write in ${locked}\\. Choose another output directory, or change its permissions$`);
    }
    for (const name of ['out.gif', 'out.webp', 'out.mp4', 'sub/out.gif']) {
      const output = join(locked, name);
      let frames = 0;
      await assert.rejects(stitch(files, output, { ...(name.endsWith('.mp4') ? FAST : {}), onProgress: () => frames++ }), (error: FlipbookError) => {
        assert.equal(error.code, 'IO', error.message);
        assert.equal(error.file, output);
        assert.equal(error.option, 'output');
        assert.match(error.message, expected);
        return true;
      });
      assert.equal(frames, 0, `${name}: refused before the first frame`);
      // A dry run says so too: it could not write the output.
      await assert.rejects(planStitch(files, output), { code: 'IO' });
    }
    const cli = await runCli(['stitch', ...files, '-o', join(locked, 'out.gif'), '--json']);
    assert.equal(cli.code, 1, cli.stderr);
    const event = JSON.parse(cli.stdout.trim().split('\n').at(-1) ?? '') as { event: string; code: string; file: string; message: string };
    assert.deepEqual([event.event, event.code, event.file], ['error', 'IO', join(locked, 'out.gif')], 'a FlipbookError naming the output, not INTERNAL with the temporary name');
    assert.deepEqual(await listDir(locked), []);
  });

  it('an output that is a directory is refused', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    await mkdir(join(dir, 'folder.mp4'));
    await assert.rejects(stitch(files, join(dir, 'folder.mp4'), { ...FAST, overwrite: true }), code('OUTPUT_EXISTS', 'is a directory'));
  });

  it('an abort mid-run rejects with ABORTED and leaves no output and no temporary file', async (t) => {
    const { dir, files } = await sceneFrames(t, 20, 64, 48);
    const out = join(dir, 'aborted.mp4');
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      stitch(files, out, {
        ...FAST,
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.frame);
          if (p.frame === 3) controller.abort();
        },
      }),
      code('ABORTED', 'Cancelled'),
    );
    assert.ok(seen.length >= 3 && seen.length < 20, `stopped early: ${seen.length} frames`);
    assert.equal(existsSync(out), false);
    assert.deepEqual(await leftoverParts(dir), []);
  });

  it('an abort while a held picture repeats (the last one, in finish) stops between two frames', async (t) => {
    // Two pictures held 600 s each at 25 fps: 30,000 encodes of two pictures, where no new
    // picture comes to check the signal at. The abort comes 50 ms after the last picture.
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [
      { name: 'a.png', colour: 0 },
      { name: 'b.png', colour: 1 },
    ]);
    const out = join(dir, 'held.mp4');
    const controller = new AbortController();
    let abortedAt = 0;
    await assert.rejects(
      stitch(files, out, {
        ...FAST,
        hold: 600,
        fps: 25,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.frame === p.total) {
            setTimeout(() => {
              abortedAt = performance.now();
              controller.abort();
            }, 50);
          }
        },
      }),
      code('ABORTED', 'Cancelled'),
    );
    const late = performance.now() - abortedAt;
    assert.ok(abortedAt > 0 && late < 2000, `stopped ${late.toFixed(0)} ms after the abort`);
    assert.equal(existsSync(out), false);
    assert.deepEqual(await leftoverParts(dir), []);
  });

  it('an already aborted signal writes nothing at all', async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    await assert.rejects(stitch(files, join(dir, 'o.mp4'), { signal: AbortSignal.abort() }), code('ABORTED'));
    assert.deepEqual(await listDir(dir), ['a.png']);
  });
});

describe('output: progress', () => {
  it('onProgress is called once per frame with the frame, the total and an estimate', async (t) => {
    const { dir, files } = await sceneFrames(t, 6, 64, 48);
    const events: Progress[] = [];
    await stitch(files, join(dir, 'p.mp4'), { ...FAST, onProgress: (p) => events.push(p) });
    assert.deepEqual(
      events.map((e) => [e.frame, e.total]),
      [1, 2, 3, 4, 5, 6].map((n) => [n, 6]),
    );
    for (const e of events) {
      assert.ok(e.fps >= 0 && Number.isFinite(e.fps));
      assert.ok(e.elapsed >= 0);
    }
    assert.equal(events.at(-1)?.eta, 0);
  });
});
