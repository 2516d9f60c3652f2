/**
 * ffmpeg's flags typed at flipbook: a usage error (exit 2) that says what each flag is in
 * flipbook and gives the whole command line, instead of "unknown option". The real command,
 * spawned; one test per flag, and the suggested line is run to show it does the job.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { lines, runCli } from './helpers/cli.js';
import { frameColourIndices, writeSolidFrames } from './helpers/frames.js';
import { PALETTE } from './helpers/images.js';
import { listDir, tempDir } from './helpers/temp.js';
import { assertH264, readVideo } from './helpers/video.js';

/** The one error line of a usage error, with nothing written and no "unknown option". */
async function usageError(args: string[], cwd?: string): Promise<string> {
  const result = await runCli(args, cwd === undefined ? {} : { cwd });
  assert.equal(result.code, 2, `exit 2: ${result.stderr}`);
  assert.equal(result.stdout, '');
  const errors = lines(result.stderr);
  assert.equal(errors.length, 1, `one line: ${result.stderr}`);
  const line = errors[0] ?? '';
  assert.match(line, /^flipbook: error: /);
  assert.doesNotMatch(line, /unknown option|required option/, line);
  return line;
}

/** The suggested command line's words, as the shell would split them (single quotes only). */
function suggestion(line: string): string[] {
  const m = / Try: flipbook (.*) \(see flipbook \w+ --help\)$/.exec(line);
  assert.ok(m?.[1], `a suggested command line: ${line}`);
  return [...m[1].matchAll(/'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? '');
}

describe('cli: ffmpeg flags are answered with their flipbook equivalent', () => {
  for (const [flag, args, says, suggested] of [
    ['-i', ['stitch', '-i', 'a.png', '-o', 'x.mp4'], 'inputs need no -i', 'stitch a.png -o x.mp4'],
    ['-r', ['stitch', 'a.png', '-r', '30', '-o', 'x.mp4'], '-r 30 is --fps 30', 'stitch a.png -o x.mp4 --fps 30'],
    ['-framerate', ['stitch', '-framerate', '24', 'a.png', '-o', 'x.mp4'], '-framerate 24 is --fps 24', 'stitch a.png -o x.mp4 --fps 24'],
    ['-c:v', ['stitch', 'a.png', '-c:v', 'libx265', '-o', 'x.mp4'], '-c:v libx265 is --codec h265', 'stitch a.png -o x.mp4 --codec h265'],
    ['-c:v libx264', ['stitch', 'a.png', '-c:v', 'libx264', '-o', 'x.mp4'], '-c:v libx264 is --codec h264 (the default)', 'stitch a.png -o x.mp4'],
    ['-pix_fmt', ['stitch', 'a.png', '-pix_fmt', 'yuv420p', '-o', 'x.mp4'], '-pix_fmt yuv420p is not needed: flipbook picks the pixel format', 'stitch a.png -o x.mp4'],
    ['-pattern_type', ['stitch', '-pattern_type', 'glob', 'f/*.png', '-o', 'x.mp4'], '-pattern_type glob is not needed: flipbook expands globs itself', "stitch f/*.png -o x.mp4"],
    ['-vf scale=W:H', ['stitch', 'a.png', '-vf', 'scale=1280:720', '-o', 'x.mp4'], 'scale=1280:720 is --size 1280x720', 'stitch a.png -o x.mp4 --size 1280x720'],
    ['-vf scale=W:-2', ['stitch', 'a.png', '-vf', 'scale=640:-2', '-o', 'x.mp4'], 'scale=640:-2 is --width 640', 'stitch a.png -o x.mp4 --width 640'],
    ['-vf scale=-1:H (split)', ['split', 'm.mp4', '-vf', 'scale=-1:360', '-o', 'f/%05d.png'], 'scale=-1:360 is --height 360', 'split m.mp4 -o f/%05d.png --height 360'],
    ['the output last without -o', ['stitch', 'a.png', 'b.png', 'x.mp4'], 'the output is given with -o (-o x.mp4), not last', 'stitch a.png b.png -o x.mp4'],
    ['the output last without -o (split)', ['split', 'm.mp4', 'f_%04d.png'], 'the output is given with -o', 'split m.mp4 -o f_%04d.png'],
    // After --, an -o is an input too: it suggested "html x.mp4 -o -o e.html".
    ['-o after --', ['html', '--', 'x.mp4', '-o', 'e.html'], 'after --, every word is an input: -o e.html goes before it', 'html x.mp4 -o e.html'],
    ['-o after -- with an input that starts with -', ['html', '--', '-x.mp4', '-o', 'e.html'], 'goes before it', 'html -o e.html -- -x.mp4'],
  ] as const) {
    it(`${flag}: exit 2, what it is in flipbook, and the command line`, async (t) => {
      const dir = await tempDir(t);
      const line = await usageError([...args], dir);
      assert.ok(line.includes(says), `says "${says}": ${line}`);
      assert.deepEqual(suggestion(line), suggested.split(' '), line);
      assert.deepEqual(await listDir(dir), [], 'nothing written');
    });
  }

  it('a whole ffmpeg line: every flag answered, and the suggested line makes the video', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [0, 1, 2].map((colour) => ({ name: `img${String(colour + 1).padStart(3, '0')}.png`, colour })));
    const out = join(dir, 'out.mp4');
    const line = await usageError(['stitch', '-framerate', '10', '-i', join(dir, 'img%03d.png'), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', out]);
    for (const said of ['-framerate 10 is --fps 10', 'inputs need no -i', '-c:v libx264 is --codec h264', '-pix_fmt yuv420p is not needed', 'the output is given with -o']) {
      assert.ok(line.includes(said), `says "${said}": ${line}`);
    }
    const words = suggestion(line);
    assert.deepEqual(words, ['stitch', join(dir, 'img%03d.png'), '-o', out, '--fps', '10']);
    const made = await runCli([...words.slice(0), '--preset', 'ultrafast', '--quiet']);
    assert.equal(made.code, 0, made.stderr);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.3 });
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2]);
  });

  it('an ffmpeg line without a command: the command it means (stitch, or split for image files out), and the line makes the files', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [0, 1, 2].map((colour) => ({ name: `img${String(colour + 1).padStart(3, '0')}.png`, colour })));
    const out = join(dir, 'out.mp4');
    // It was "unknown option '-framerate' (see flipbook --help)", with no word of stitch.
    const line = await usageError(['-framerate', '10', '-i', join(dir, 'img%03d.png'), '-pix_fmt', 'yuv420p', out]);
    assert.ok(line.includes('flipbook takes a command first (stitch: '), line);
    assert.ok(line.includes('-framerate 10 is --fps 10'), line);
    const words = suggestion(line);
    assert.deepEqual(words, ['stitch', join(dir, 'img%03d.png'), '-o', out, '--fps', '10']);
    assert.equal((await runCli([...words, '--preset', 'ultrafast', '--quiet'])).code, 0);
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 3, duration: 0.3 });
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2]);
    // A video in, image files out: split, and its line writes one file a frame.
    const frames = join(dir, 'back', 'f_%02d.png');
    const splitLine = await usageError(['-i', out, frames]);
    assert.ok(splitLine.includes('flipbook takes a command first (split: '), splitLine);
    const splitWords = suggestion(splitLine);
    assert.deepEqual(splitWords, ['split', out, '-o', frames]);
    assert.equal((await runCli([...splitWords, '--quiet'])).code, 0);
    assert.deepEqual(await listDir(join(dir, 'back')), ['f_01.png', 'f_02.png', 'f_03.png']);
    // One image given with -i is an input, not split's output.
    assert.deepEqual(suggestion(await usageError(['-i', 'a.png'], dir)), ['stitch', 'a.png']);
  });

  it('flipbook\'s own flags are untouched: an unknown one is still "unknown option"', async () => {
    const result = await runCli(['stitch', 'a.png', '-o', 'x.mp4', '--audio-offset', '-10s', '--bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^flipbook: error: unknown option '--bogus' \(see flipbook stitch --help\)\n$/);
  });
});
