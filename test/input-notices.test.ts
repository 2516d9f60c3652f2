/**
 * What inputs leave out is said: a `%05d` sequence that stops at a gap, a first image much
 * smaller than the rest (it sets the frame size), a file a `**` glob cannot reach.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { planStitch } from '../src/index.js';
import { writeSolidFrames } from './helpers/frames.js';
import { tempDir } from './helpers/temp.js';

describe('a sequence that stops at a gap', () => {
  it('says how many matching files follow the gap and the glob that includes them', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, ['img_00000.png', 'img_00001.png', 'img_00002.png', 'img_00005.png', 'img_00009.png', 'img_007.png', 'other.png'].map((name, colour) => ({ name, colour })));
    const pattern = join(dir, 'img_%05d.png');
    const plan = await planStitch(pattern, join(dir, 'out.mp4'));
    assert.deepEqual(plan.images.map((f) => f.file), [0, 1, 2].map((n) => join(dir, `img_0000${n}.png`)), 'the sequence up to the gap');
    const notice = plan.warnings.find((w) => w.includes('after the gap'));
    assert.ok(notice, `a warning about the gap among ${JSON.stringify(plan.warnings)}`);
    assert.ok(notice.includes(join(dir, 'img_00002.png')), `names where it stops: ${notice}`);
    assert.ok(notice.includes('2 more matching file(s)'), `counts img_00005 and img_00009, not img_007: ${notice}`);
    assert.ok(notice.includes(join(dir, 'img_00005.png')), `names the first after the gap: ${notice}`);
    const glob = join(dir, 'img_*.png');
    assert.ok(notice.includes(`"${glob}"`), `suggests the glob: ${notice}`);
    const all = await planStitch(glob, join(dir, 'out.mp4'));
    for (const n of ['00005', '00009']) assert.ok(all.images.some((f) => f.file === join(dir, `img_${n}.png`)), `the glob includes img_${n}`);
  });

  it('says nothing when no file follows', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, ['img_00000.png', 'img_00001.png'].map((name, colour) => ({ name, colour })));
    const plan = await planStitch(join(dir, 'img_%05d.png'), join(dir, 'out.mp4'));
    assert.equal(plan.images.length, 2, 'two frames');
    assert.deepEqual(plan.warnings, [], 'no warning');
  });
});

describe('a first image much smaller than the others', () => {
  it('warns that it sets the frame size and suggests size', async (t) => {
    const dir = await tempDir(t);
    const [small] = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }], 32, 24);
    await writeSolidFrames(dir, ['b.png', 'c.png', 'd.png'].map((name, i) => ({ name, colour: i + 1 })), 128, 96);
    const plan = await planStitch(dir, join(dir, 'out.mp4'));
    assert.equal(plan.width, 32, 'the first image still sets the size');
    const warning = plan.warnings.find((w) => w.includes('sets the frame size'));
    assert.ok(warning, `a warning among ${JSON.stringify(plan.warnings)}`);
    assert.ok(warning.includes(`${small} (32x24)`) && warning.includes('128x96') && warning.includes('Pass size'), `names the image, the median and size: ${warning}`);
    const sized = await planStitch(dir, join(dir, 'out.mp4'), { size: '128x96' });
    assert.ok(!sized.warnings.some((w) => w.includes('sets the frame size')), 'no warning with a size');
  });

  it('says nothing when the first is at most 4 times smaller than the median', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }], 64, 48);
    await writeSolidFrames(dir, ['b.png', 'c.png'].map((name, i) => ({ name, colour: i + 1 })), 128, 96);
    const plan = await planStitch(dir, join(dir, 'out.mp4'));
    assert.ok(!plan.warnings.some((w) => w.includes('sets the frame size')), `no such warning: ${JSON.stringify(plan.warnings)}`);
  });
});

describe('a ** glob over a folder whose path is past PATH_MAX', () => {
  it('keeps what it can read and warns, through onWarning, naming the folder it could not read', async (t) => {
    // rm -rf removes the chain (it walks with openat), where fs.rm (tempDir's) stops at ENAMETOOLONG.
    const dir = await mkdtemp(join(tmpdir(), 'flipbook-test-'));
    t.after(() => execFileSync('rm', ['-rf', dir]));
    // Node cannot make a path past PATH_MAX in one call; bash makes it one folder at a time
    // (each cd is relative), and copies a PNG in at the bottom.
    await writeSolidFrames(dir, [{ name: 'top.png', colour: 0 }]);
    const level = 'd'.repeat(200);
    execFileSync('bash', ['-c', `cd "$1" && for i in $(seq 22); do mkdir ${level} && cd -P ${level} || exit 1; done && cp "$1/top.png" deep.png`, 'bash', dir]);
    const said: string[] = [];
    const plan = await planStitch(join(dir, '**', '*.png'), join(dir, 'out.mp4'), { onWarning: (message) => said.push(message) });
    assert.deepEqual(plan.images.map((f) => f.file), [join(dir, 'top.png')], 'the readable image');
    const notice = said.find((w) => w.includes('too long'));
    assert.ok(notice, `a warning that a path was too long among ${JSON.stringify(said)}`);
    // The first folder down the chain whose path (with its NUL) passes PATH_MAX, 4096 on Linux.
    let folder = dir;
    while (folder.length < 4096) folder = join(folder, level);
    assert.ok(notice.includes(`the folder ${folder.slice(0, 40)}`), `names the folder from its start: ${notice}`);
    assert.ok(notice.includes(`(${folder.length} characters`), `gives the folder's length, which places it in the chain: ${notice}`);
    assert.ok(/ENAMETOOLONG/.test(notice) && notice.includes(join(dir, '**', '*.png')), `says why and names the pattern: ${notice}`);
    assert.ok(plan.warnings.includes(notice), 'the plan lists the warning too');
  });
});
