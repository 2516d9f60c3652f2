/**
 * Input forms and order: globs, directories, explicit lists with repeats, printf sequences,
 * natural sort. Every output is decoded and its frames told apart by colour, so the test
 * checks which picture landed where, not just how many.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, stitch } from '../src/index.js';
import { frameColourIndices, writeSolidFrames } from './helpers/frames.js';
import { PALETTE } from './helpers/images.js';
import { leftoverParts, tempDir } from './helpers/temp.js';
import { assertH264, readVideo } from './helpers/video.js';

const FAST = { preset: 'ultrafast' } as const;
const RED = 0;
const GREEN = 1;
const BLUE = 2;
const YELLOW = 3;
const CYAN = 4;
const MAGENTA = 5;

/** Decodes `file`, checks it is a sound 64x48 H.264 at 25 fps of `colours.length` frames, and returns the colours in order. */
async function decodedColours(file: string, expectedFrames: number): Promise<number[]> {
  const back = await readVideo(file);
  assertH264(back, { width: 64, height: 48, frames: expectedFrames, duration: expectedFrames / 25 });
  back.frames.forEach((frame, i) => assert.equal(Math.round(frame.time * 1000), i * 40, `frame ${i} time`));
  return frameColourIndices(back, PALETTE);
}

function isCode(code: string, ...parts: string[]): (error: unknown) => boolean {
  return (error: unknown) => {
    const e = error as FlipbookError;
    assert.equal(e.name, 'FlipbookError', String(error));
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" should name ${part}`);
    return true;
  };
}

describe('inputs: glob', () => {
  it('expands a glob itself, in natural order, and ignores what it does not match', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [
      { name: 'f1.png', colour: RED },
      { name: 'f2.png', colour: GREEN },
      { name: 'f3.png', colour: BLUE },
      { name: 'other.jpg', colour: YELLOW },
    ]);
    const out = join(dir, 'out', 'glob.mp4');
    const result = await stitch(join(dir, 'f*.png'), out, FAST);
    assert.equal(result.frames, 3);
    assert.deepEqual(await decodedColours(out, 3), [RED, GREEN, BLUE]);
    assert.deepEqual(await leftoverParts(join(dir, 'out')), []);
  });

  it('a glob that matches nothing is NO_INPUT showing the pattern', async (t) => {
    const dir = await tempDir(t);
    const pattern = join(dir, 'nothing-*.png');
    await assert.rejects(stitch(pattern, join(dir, 'out.mp4'), FAST), isCode('NO_INPUT', pattern));
  });

  it('a glob that matches only files that are not images is NO_INPUT too', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'a.txt'), 'text');
    const pattern = join(dir, '*');
    await assert.rejects(stitch(pattern, join(dir, 'out.mp4'), FAST), isCode('NO_INPUT', pattern, '1 other files'));
  });
});

describe('inputs: directory', () => {
  it('takes the image files of a directory in natural order and skips others with a notice', async (t) => {
    const dir = await tempDir(t);
    const frames = join(dir, 'frames');
    await mkdir(frames);
    await writeSolidFrames(frames, [
      { name: 'b-10.png', colour: BLUE },
      { name: 'b-9.png', colour: GREEN },
      { name: 'a.png', colour: RED },
    ]);
    await writeFile(join(frames, 'notes.txt'), 'not an image');
    await writeFile(join(frames, '.hidden.png'), 'a dot file, ignored');
    const out = join(dir, 'dir.mp4');
    const warnings: string[] = [];
    const result = await stitch(frames, out, { ...FAST, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(await decodedColours(out, 3), [RED, GREEN, BLUE]);
    assert.equal(result.frames, 3);
    const notice = warnings.find((w) => w.includes('not images'));
    assert.ok(notice?.includes('notes.txt'), `a notice names notes.txt: ${warnings.join(' | ')}`);
    assert.deepEqual(result.warnings, warnings);
  });

  it('a broken symbolic link to an image (target gone, a loop of links) is named in a notice, not silently dropped', async (t) => {
    const dir = await tempDir(t);
    const frames = join(dir, 'frames');
    await mkdir(frames);
    await writeSolidFrames(frames, [
      { name: '1.png', colour: RED },
      { name: '3.png', colour: BLUE },
    ]);
    await symlink(join(dir, 'gone.png'), join(frames, '2.png'));
    await symlink('loop-b.png', join(frames, 'loop-a.png'));
    await symlink('loop-a.png', join(frames, 'loop-b.png'));
    await symlink(join(dir, 'gone.txt'), join(frames, 'notes.txt'));
    const warnings: string[] = [];
    const out = join(dir, 'out.mp4');
    const result = await stitch(frames, out, { ...FAST, onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 2);
    assert.deepEqual(await decodedColours(out, 2), [RED, BLUE]);
    assert.deepEqual(warnings, [
      `Skipped 3 broken symbolic link(s) in ${frames}: ${join(frames, '2.png')} (its target does not exist), ${join(frames, 'loop-a.png')} (a loop of links), ${join(frames, 'loop-b.png')} (a loop of links)`,
    ]);
    // A glob says those it names, and only those.
    const globbed: string[] = [];
    const glob = join(frames, '[12]*.png');
    assert.equal((await stitch(glob, out, { ...FAST, overwrite: true, onWarning: (w) => globbed.push(w) })).frames, 1);
    assert.deepEqual(globbed, [`Skipped 1 broken symbolic link(s) in ${glob}: ${join(frames, '2.png')} (its target does not exist)`]);
    const all: string[] = [];
    assert.equal((await stitch(join(frames, '*.png'), out, { ...FAST, overwrite: true, onWarning: (w) => all.push(w) })).frames, 2);
    assert.equal(all.length, 1, all.join(' | '));
    assert.match(all[0] ?? '', /^Skipped 3 broken symbolic link\(s\) in .*: .*2\.png \(its target does not exist\), .*loop-a\.png \(a loop of links\), .*loop-b\.png \(a loop of links\)$/);
  });

  it('a file whose name is not UTF-8 is said to be so, not "no such file" (Node.js cannot pass such a name back)', async (t) => {
    const dir = await tempDir(t);
    const frames = join(dir, 'frames');
    await mkdir(frames);
    await writeSolidFrames(frames, [{ name: 'a.png', colour: RED }]);
    const [copy] = await writeSolidFrames(dir, [{ name: 'copy.png', colour: GREEN }]);
    assert.ok(copy);
    // caf\xe9.png, in Latin-1: written by its bytes, listed by Node.js as caf\ufffd.png.
    const latin1 = Buffer.concat([Buffer.from(`${frames}/caf`), Buffer.from([0xe9]), Buffer.from('.png')]);
    await copyFile(copy, latin1);
    const shown = join(frames, 'caf\ufffd.png');
    const reason = 'its name has bytes that are not UTF-8 (shown as \ufffd), and such a name cannot be passed back to the file system from Node.js. Rename the file to a UTF-8 name';
    await assert.rejects(stitch(frames, join(dir, 'out.mp4'), FAST), { code: 'INVALID_INPUT', file: shown, message: `Cannot open ${shown} (input 2): ${reason}` });
    await assert.rejects(stitch(join(frames, '*.png'), join(dir, 'out.mp4'), FAST), { code: 'INVALID_INPUT', message: `Cannot open ${shown} (input 2): ${reason}` });
    // As an argument (a command line reaches Node.js as text the same way).
    await assert.rejects(stitch([shown], join(dir, 'out.mp4'), FAST), { code: 'NO_INPUT', message: `Input not found: ${shown}; ${reason}` });
    // A name that truly holds U+FFFD and is missing is only missing.
    await assert.rejects(stitch([join(frames, 'x\ufffd.png')], join(dir, 'out.mp4'), FAST), { code: 'NO_INPUT', message: /^Input not found: .*x\ufffd\.png\. Check the path/ });
    // Skipped, it is named the same way, and the rest is written.
    const warnings: string[] = [];
    const result = await stitch(frames, join(dir, 'out.mp4'), { ...FAST, skipInvalid: true, onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 1);
    assert.deepEqual(await decodedColours(join(dir, 'out.mp4'), 1), [RED]);
    assert.ok(warnings.some((w) => w.includes(shown) && w.includes('not UTF-8')), warnings.join(' | '));
  });

  it('an empty directory is NO_INPUT naming it', async (t) => {
    const dir = await tempDir(t);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await assert.rejects(stitch(empty, join(dir, 'out.mp4'), FAST), isCode('NO_INPUT', empty));
  });
});

describe('inputs: explicit list', () => {
  it('keeps the order given and allows repeats', async (t) => {
    const dir = await tempDir(t);
    const [a, b, c] = await writeSolidFrames(dir, [
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: GREEN },
      { name: 'c.png', colour: BLUE },
    ]);
    assert.ok(a && b && c);
    const out = join(dir, 'list.mp4');
    const result = await stitch([c, a, b, a, a], out, FAST);
    assert.equal(result.frames, 5);
    assert.deepEqual(await decodedColours(out, 5), [BLUE, RED, GREEN, RED, RED]);
  });

  it('mixes forms: a file, a glob and a directory, each in its place', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'g'));
    await mkdir(join(dir, 'd'));
    const [single] = await writeSolidFrames(dir, [{ name: 'single.png', colour: MAGENTA }]);
    await writeSolidFrames(join(dir, 'g'), [
      { name: '2.png', colour: GREEN },
      { name: '1.png', colour: RED },
    ]);
    await writeSolidFrames(join(dir, 'd'), [{ name: 'x.png', colour: CYAN }]);
    assert.ok(single);
    const out = join(dir, 'mixed.mp4');
    await stitch([single, join(dir, 'g', '*.png'), join(dir, 'd')], out, FAST);
    assert.deepEqual(await decodedColours(out, 4), [MAGENTA, RED, GREEN, CYAN]);
  });

  it('a missing file is NO_INPUT naming it', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'missing.png');
    await assert.rejects(stitch([missing], join(dir, 'out.mp4'), FAST), isCode('NO_INPUT', missing));
  });
});

describe('inputs: printf sequence', () => {
  async function sequenceDir(t: Parameters<typeof tempDir>[0]): Promise<string> {
    const dir = await tempDir(t);
    // 3 to 6, then a gap, then 8: the sequence stops at the gap, as ffmpeg's does.
    await writeSolidFrames(dir, [
      { name: 'img_00003.png', colour: RED },
      { name: 'img_00004.png', colour: GREEN },
      { name: 'img_00005.png', colour: BLUE },
      { name: 'img_00006.png', colour: YELLOW },
      { name: 'img_00008.png', colour: CYAN },
    ]);
    return dir;
  }

  it('%05d finds the first of 0 to 4 by itself and stops at the first gap', async (t) => {
    const dir = await sequenceDir(t);
    const out = join(dir, 'seq.mp4');
    await stitch(join(dir, 'img_%05d.png'), out, FAST);
    assert.deepEqual(await decodedColours(out, 4), [RED, GREEN, BLUE, YELLOW]);
  });

  it('%5d reads zero-padded names, as ffmpeg image2 (%0*d) writes and reads them: img_00001.png, not "img_    1.png"', async (t) => {
    const dir = await sequenceDir(t);
    // A space-padded file beside them, as %5d used to name it: not a frame of the sequence.
    await copyFile(join(dir, 'img_00006.png'), join(dir, 'img_    3.png'));
    const out = join(dir, 'seq-width.mp4');
    const result = await stitch(join(dir, 'img_%5d.png'), out, FAST);
    assert.equal(result.frames, 4);
    assert.deepEqual(await decodedColours(out, 4), [RED, GREEN, BLUE, YELLOW]);
  });

  it('%05d with a start number begins there', async (t) => {
    const dir = await sequenceDir(t);
    const out = join(dir, 'seq5.mp4');
    const result = await stitch(join(dir, 'img_%05d.png'), out, { ...FAST, startNumber: 5 });
    assert.equal(result.frames, 2);
    assert.deepEqual(await decodedColours(out, 2), [BLUE, YELLOW]);
  });

  it('the start number is taken from a string as the command passes it', async (t) => {
    const dir = await sequenceDir(t);
    const out = join(dir, 'seq8.mp4');
    await stitch(join(dir, 'img_%05d.png'), out, { ...FAST, startNumber: '8' });
    assert.deepEqual(await decodedColours(out, 1), [CYAN]);
  });

  it('%d without padding counts 8, 9, 10, 11 in numeric order', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [
      { name: 'f10.png', colour: BLUE },
      { name: 'f8.png', colour: RED },
      { name: 'f11.png', colour: YELLOW },
      { name: 'f9.png', colour: GREEN },
    ]);
    const out = join(dir, 'seq-d.mp4');
    await stitch(join(dir, 'f%d.png'), out, { ...FAST, startNumber: 8 });
    assert.deepEqual(await decodedColours(out, 4), [RED, GREEN, BLUE, YELLOW]);
  });

  it('a sequence padded wider than any file name (%999999999d) is NO_INPUT, not a RangeError', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [{ name: 'x1.png', colour: RED }]);
    for (const width of ['999999999', '2147483648', '0300']) {
      const pattern = join(dir, `x%${width}d.png`);
      await assert.rejects(stitch(pattern, join(dir, 'out.mp4'), FAST), { code: 'NO_INPUT', message: `The sequence ${pattern} matched no file (looked for number 0 to 4). Check the pattern and the start number (startNumber)` });
    }
  });

  it('a sequence with no file at its start is NO_INPUT showing the pattern and the number', async (t) => {
    const dir = await sequenceDir(t);
    const pattern = join(dir, 'img_%05d.png');
    await assert.rejects(stitch(pattern, join(dir, 'out.mp4'), { ...FAST, startNumber: 7 }), isCode('NO_INPUT', pattern, '7'));
  });
});

describe('inputs: order', () => {
  async function numbered(t: Parameters<typeof tempDir>[0]): Promise<string> {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [
      { name: '1.png', colour: RED },
      { name: '2.png', colour: GREEN },
      { name: '10.png', colour: BLUE },
      { name: '11.png', colour: YELLOW },
    ]);
    return dir;
  }

  it('natural sort by default: 1, 2, 10, 11', async (t) => {
    const dir = await numbered(t);
    const out = join(dir, 'natural.mp4');
    await stitch(join(dir, '*.png'), out, FAST);
    assert.deepEqual(await decodedColours(out, 4), [RED, GREEN, BLUE, YELLOW]);
  });

  it('a directory is sorted naturally too', async (t) => {
    const dir = await numbered(t);
    const out = join(dir, 'natural-dir.mp4');
    await stitch(dir, out, FAST);
    assert.deepEqual(await decodedColours(out, 4), [RED, GREEN, BLUE, YELLOW]);
  });

  it('sort: lexical gives 1, 10, 11, 2', async (t) => {
    const dir = await numbered(t);
    const out = join(dir, 'lexical.mp4');
    await stitch(join(dir, '*.png'), out, { ...FAST, sort: 'lexical' });
    assert.deepEqual(await decodedColours(out, 4), [RED, BLUE, YELLOW, GREEN]);
  });

  it('sort: mtime orders by modification time', async (t) => {
    const dir = await numbered(t);
    // Oldest first: 11, 1, 10, 2.
    const times: [string, number][] = [
      ['11.png', 1_000],
      ['1.png', 2_000],
      ['10.png', 3_000],
      ['2.png', 4_000],
    ];
    for (const [name, seconds] of times) await utimes(join(dir, name), seconds, seconds);
    const out = join(dir, 'mtime.mp4');
    await stitch(join(dir, '*.png'), out, { ...FAST, sort: 'mtime' });
    assert.deepEqual(await decodedColours(out, 4), [YELLOW, RED, BLUE, GREEN]);
  });

  it('sort: natural reorders an explicit list that a shell expanded lexically', async (t) => {
    const dir = await numbered(t);
    const shellOrder = ['1.png', '10.png', '11.png', '2.png'].map((n) => join(dir, n));
    const kept = join(dir, 'kept.mp4');
    const warnings: string[] = [];
    await stitch(shellOrder, kept, { ...FAST, onWarning: (w) => warnings.push(w) });
    assert.deepEqual(await decodedColours(kept, 4), [RED, BLUE, YELLOW, GREEN], 'an explicit list keeps its order');
    assert.ok(warnings.some((w) => w.includes('lexical order')), `a notice says the shell sorted lexically: ${warnings.join(' | ')}`);
    const sorted = join(dir, 'sorted.mp4');
    await stitch(shellOrder, sorted, { ...FAST, sort: 'natural' });
    assert.deepEqual(await decodedColours(sorted, 4), [RED, GREEN, BLUE, YELLOW]);
  });
});

describe('inputs: a video given as an image', () => {
  it('says the file is a video (MP4, WebM) and how to get its frames as images, and leaves nothing', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [
      { name: 'a.png', colour: RED },
      { name: 'b.png', colour: GREEN },
    ]);
    const mp4 = join(dir, 'clip.mp4');
    const webm = join(dir, 'clip.webm');
    await stitch([join(dir, 'a.png'), join(dir, 'b.png')], mp4, FAST);
    await stitch([join(dir, 'a.png'), join(dir, 'b.png')], webm, { quality: 'low' });
    for (const [video, kind] of [
      [mp4, /is an MP4 video \(ISO media\), not an image/],
      [webm, /is a Matroska or WebM video, not an image/],
    ] as const) {
      const out = join(dir, 'out.gif');
      await assert.rejects(stitch([join(dir, 'a.png'), video], out), (e: FlipbookError) => {
        assert.equal(e.code, 'INVALID_INPUT');
        assert.equal(e.file, video);
        assert.match(e.message, kind);
        assert.match(e.message, /\(input 2\)/);
        assert.match(e.hint ?? '', /split .*frames\/%05d\.png.*readFrames/);
        return true;
      });
      assert.deepEqual(await leftoverParts(dir), [], 'nothing left');
      await assert.rejects(stat(out), 'no output');
    }
    // Under skipInvalid the video is skipped like any file that is not an image.
    const skipped = await stitch([join(dir, 'a.png'), mp4, join(dir, 'b.png')], join(dir, 'skip.mp4'), { ...FAST, skipInvalid: true });
    assert.equal(skipped.frames, 2);
    assert.match(skipped.skipped[0]?.reason ?? '', /MP4 video/);
  });
});
