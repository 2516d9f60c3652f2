/**
 * Symbolic links among the inputs: a directory or a glob takes a link to an image as the image
 * (the link followed), leaves a broken link out, and a link that loops back to a parent
 * directory does not make a `**` glob run forever.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { planStitch, stitch } from '../src/index.js';
import { frameColourIndices, writeSolidFrames } from './helpers/frames.js';
import { PALETTE } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

describe('inputs: symbolic links', () => {
  it('a directory takes links to images, in natural order with its files, and leaves out a broken link', async (t) => {
    const dir = await tempDir(t);
    const elsewhere = join(dir, 'elsewhere');
    const frames = join(dir, 'frames');
    await mkdir(elsewhere);
    await mkdir(frames);
    await writeSolidFrames(elsewhere, [{ name: 'green.png', colour: 1 }]);
    await writeSolidFrames(frames, [
      { name: '1.png', colour: 0 },
      { name: '3.png', colour: 2 },
    ]);
    await symlink(join(elsewhere, 'green.png'), join(frames, '2.png'));
    await symlink(join(elsewhere, 'missing.png'), join(frames, '4.png'));
    const out = join(dir, 'out.mp4');
    await stitch([frames], out, { preset: 'ultrafast' });
    const back = await readVideo(out);
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2], 'red, the linked green, blue');
  });

  it('a ** glob follows a link to an image and a link to a directory, and ends on a link that loops', async (t) => {
    const dir = await tempDir(t);
    const shots = join(dir, 'shots');
    const other = join(dir, 'other');
    await mkdir(join(shots, 'a'), { recursive: true });
    await mkdir(other);
    await writeSolidFrames(join(shots, 'a'), [{ name: '1.png', colour: 0 }]);
    await writeSolidFrames(other, [{ name: '2.png', colour: 1 }]);
    await symlink(join(other, '2.png'), join(shots, 'a', '2.png'));
    await symlink(shots, join(shots, 'a', 'loop'));
    const plan = await planStitch([join(shots, '**', '*.png')], join(dir, 'out.mp4'));
    const names = plan.images.map((f) => f.file.slice(shots.length + 1));
    assert.ok(names.includes('a/1.png') && names.includes('a/2.png'), `the file and the linked file: ${names.join(', ')}`);
    assert.ok(names.length <= 4, `the loop is not followed round and round: ${names.join(', ')}`);
  });
});
