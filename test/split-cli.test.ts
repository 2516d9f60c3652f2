import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { spawnSync } from 'node:child_process';

import { runCli } from './helpers/cli.js';
import { split, stitch } from '../src/index.js';
import { imagePixels, stitchedVideo, tempDir, writeFrames } from './helpers/test-media.js';

const W = 96;
const H = 64;

function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('flipbook split', () => {
  test('--depth 16 on an 8-bit video: the warning names --depth on the command line, depth in the library', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 2, W, H, { fps: 2 });
    const result = await runCli(['split', video, '-o', join(dir, 'cli', '%d.png'), '--depth', '16']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /writing 8-bit files \(--depth 16 keeps the extra bits of 10-bit and deeper sources only\)/, result.stderr);
    const heard: string[] = [];
    await split(video, join(dir, 'lib', '%d.png'), { depth: 16, onWarning: (message) => heard.push(message) });
    assert.ok(heard.some((w) => w.includes('(depth: 16 keeps the extra bits')), heard.join('\n'));
  });

  test('--json: a plan, progress for every frame, and a summary, on stdout only', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 8, W, H, { fps: 8 });
    const out = join(dir, 'frames');
    const result = await runCli(['split', video, '-o', join(out, 'img_%03d.jpg'), '--fps', '4', '--image-quality', '80', '--manifest', join(dir, 'm.csv'), '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const list = events(result.stdout);
    assert.equal(list[0]?.event, 'plan');
    assert.equal(list[0]?.mode, 'fps');
    assert.equal(list[0]?.fps, '4');
    assert.equal(list.filter((e) => e.event === 'progress').length, 4);
    const done = list.at(-1);
    assert.equal(done?.event, 'done');
    assert.equal(done?.frames, 4);
    assert.equal(done?.imageFormat, 'jpeg');
    assert.deepEqual((await readdir(out)).sort(), ['img_001.jpg', 'img_002.jpg', 'img_003.jpg', 'img_004.jpg']);
    assert.ok(existsSync(join(dir, 'm.csv')));
  });

  test('--frame-numbers past the end: the frames that exist, and a warning naming the rest and the frame count', async (t) => {
    const dir = await tempDir(t);
    const gif = join(dir, 'vid.gif');
    await writeFrames(join(dir, 'sources'), 10, W, H);
    await stitch(join(dir, 'sources'), gif, { fps: 10 });
    const out = join(dir, 'sp2');
    const result = await runCli(['split', gif, '-o', join(out, '%03d.png'), '--frame-numbers', '0,3,5-70']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `flipbook: Frame numbers 10-70 do not exist: ${gif} has 10 frames (0 to 9), so 7 of the 68 asked were read\n`);
    assert.match(result.stdout, /^Wrote 7 png files /);
    assert.equal((await readdir(out)).length, 7);
    // --json: a warning event, and the done event keeps it.
    const json = await runCli(['split', gif, '-o', join(dir, 'sp3', '%03d.png'), '--frame-numbers', '9,10,12', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const list = events(json.stdout);
    const said = `Frame numbers 10, 12 do not exist: ${gif} has 10 frames (0 to 9), so 1 of the 3 asked was read`;
    assert.deepEqual(list.filter((e) => e.event === 'warning').map((e) => e.message), [said]);
    assert.deepEqual(list.at(-1)?.warnings, [said]);
    // All of them present: no warning. None of them: an error that says how many there are.
    const present = await runCli(['split', gif, '-o', join(dir, 'sp4', '%03d.png'), '--frame-numbers', '0,9']);
    assert.equal(present.code, 0, present.stderr);
    assert.equal(present.stderr, '');
    const none = await runCli(['split', gif, '-o', join(dir, 'sp5', '%03d.png'), '--frame-numbers', '10-20']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^flipbook: error: No frame of .*vid\.gif matched the selection \(it has 10 frames\), so nothing was written/);
  });

  test('--dry-run prints the plan and writes nothing; the default output is <name>_frames/', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mkv');
    await stitchedVideo(dir, video, 5, W, H);
    const dry = await runCli(['split', video, '--dry-run', '--width', '48'], { cwd: dir });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /dry run: nothing written/);
    assert.match(dry.stdout, /about 5 files/);
    assert.match(dry.stdout, /clip_frames\/frame_%06d\.png/);
    assert.match(dry.stdout, /png 48x32/);
    assert.equal(existsSync(join(dir, 'clip_frames')), false);
    const real = await runCli(['split', video, '--quiet'], { cwd: dir });
    assert.equal(real.code, 0, real.stderr);
    assert.equal(real.stdout, '');
    assert.equal((await readdir(join(dir, 'clip_frames'))).length, 5);
    const again = await runCli(['split', video], { cwd: dir });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /5 frame files would be overwritten .*--overwrite/);
  });

  test('--dry-run after a split killed mid-write: says once what a split would remove, and removes nothing', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 2, W, H);
    const out = join(dir, 'frames');
    await mkdir(out);
    // What a split killed before its commit leaves: its lock (a process that no longer runs) and temporaries.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const left = {
      '.flipbook-split.0badf00d.lock': JSON.stringify({ pid: gone, host: hostname(), start: '1' }),
      '.frame_000001.png.0badf00d-0.flipbook.part': 'left',
      '.frame_000002.png.0badf00d-1.flipbook.part': 'left',
      'frame_000001.png': 'the user\'s frame',
    };
    for (const [name, text] of Object.entries(left)) await writeFile(join(out, name), text);
    const dry = await runCli(['split', video, '-o', `${out}/`, '--dry-run', '--overwrite']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stderr.split('temporary file(s)').length - 1, 1, `one warning on stderr: ${dry.stderr}`);
    assert.match(dry.stderr, /2 temporary file\(s\) \(\.flipbook\.part\) in .*frames were left by a split killed while writing \(process \d+, no longer running\): a split would remove them \(dry run: nothing was changed\)/);
    const now: Record<string, string> = {};
    for (const name of await readdir(out)) now[name] = await readFile(join(out, name), 'utf8');
    assert.deepEqual(now, left, 'the folder is as it was');
  });

  test('a bad option value exits with 2 and names the flag', async (t) => {
    const dir = await tempDir(t);
    const result = await runCli(['split', join(dir, 'x.mp4'), '--fps', 'fast']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--fps/);
  });

  test('--help lists the selection options with their defaults', async () => {
    const result = await runCli(['split', '--help']);
    assert.equal(result.code, 0);
    for (const flag of ['--fps', '--every', '--start', '--end', '--duration', '--frame-numbers', '--keyframes-only', '--width', '--height', '--scale', '--max-frames', '--depth', '--image-quality', '--manifest', '--start-number', '--dry-run', '--json', '--quiet']) {
      assert.ok(result.stdout.includes(flag), `${flag} in --help`);
    }
    assert.match(result.stdout, /\.png, \.jpg, \.jpeg, \.webp, \.tif, \.tiff, \.bmp/);
  });
});

describe('a file where the output folder should be', () => {
  test('split and sheet name it and the way out; sheet before decoding anything', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 4, W, H);
    const file = join(dir, '1.png');
    await writeFile(file, 'not a folder');
    const said = `flipbook: error: Cannot create the output directory ${file}: a file of that name is in the way. Choose another output directory, or move the file\n`;
    for (const output of [`${file}/`, join(file, '%03d.png')]) {
      const split = await runCli(['split', video, '-o', output]);
      assert.equal(split.code, 1);
      assert.equal(split.stderr, said, output);
    }
    const sheet = await runCli(['sheet', video, '-o', join(file, 'sheet.png'), '--json']);
    assert.equal(sheet.code, 1);
    assert.equal(sheet.stderr, said);
    assert.deepEqual(events(sheet.stdout).map((e) => e.event), ['error'], 'no thumbnail was decoded');
  });
});

describe('flipbook sheet', () => {
  test('writes the grid and reports it', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'clip.mp4');
    await stitchedVideo(dir, video, 10, W, H);
    const output = join(dir, 'sheet.png');
    const result = await runCli(['sheet', video, '-o', output, '--columns', '2', '--rows', '2', '--width', '300', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const done = events(result.stdout).at(-1);
    assert.equal(done?.event, 'done');
    assert.equal(done?.thumbnails, 4);
    const image = await imagePixels(output);
    assert.deepEqual([image.width, image.height], [done?.width, done?.height]);
    assert.equal(image.width, 300);
  });
});
