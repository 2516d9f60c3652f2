/**
 * Input discovery (src/inputs/discover.ts): files, globs, directories, list files and %05d
 * sequences turned into the files in frame order; natural sort; notices for non-images and a
 * shell-expanded pattern; NO_INPUT errors that say what was looked for. Only empty files are
 * made: discovery never opens an image.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, renderText } from '../../src/errors.js';
import { discoverInputs } from '../../src/inputs/discover.js';
import { naturalCompare, numberedOrder } from '../../src/inputs/sort.js';
import { tempDir } from '../helpers/temp.js';

async function touch(dir: string, names: readonly string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(names.map(async (name) => {
    await writeFile(join(dir, name), '');
    return join(dir, name);
  }));
}

const names = (files: readonly string[]): string[] => files.map((f) => basename(f));

async function noInput(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
    assert.equal(error.code, 'NO_INPUT');
    assert.match(error.message, message);
    return true;
  });
}

describe('discoverInputs', () => {
  it('a glob gives its images in natural order and skips other files with a notice', async (t) => {
    const dir = await tempDir(t);
    await touch(dir, ['f10.png', 'f2.png', 'f1.png', 'notes.txt', 'f3.JPG']);
    const found = await discoverInputs([join(dir, 'f*')]);
    assert.deepEqual(names(found.files), ['f1.png', 'f2.png', 'f3.JPG', 'f10.png']);
    assert.deepEqual(found.sources, [{ input: join(dir, 'f*'), kind: 'glob', count: 4 }]);
    assert.deepEqual(found.notImages, []);
    const all = await discoverInputs([join(dir, '*')]);
    assert.deepEqual(names(all.notImages), ['notes.txt']);
    assert.deepEqual(all.notices.map((n) => renderText(n)), [`Skipped 1 file(s) that are not images: ${join(dir, 'notes.txt')}`]);
  });

  it('a directory gives its images, not hidden files, sorted as asked', async (t) => {
    const dir = await tempDir(t);
    await touch(dir, ['img_9.png', 'img_10.png', '.hidden.png', 'img_100.png']);
    const found = await discoverInputs([dir]);
    assert.deepEqual(names(found.files), ['img_9.png', 'img_10.png', 'img_100.png']);
    assert.equal(found.sources[0]?.kind, 'directory');
    assert.deepEqual(names((await discoverInputs([dir], { sort: 'lexical' })).files), ['img_10.png', 'img_100.png', 'img_9.png']);
  });

  it('a %05d sequence counts up from 0 to 4 where it starts, or from startNumber, to the first gap', async (t) => {
    const dir = await tempDir(t);
    await touch(dir, ['s_00003.png', 's_00004.png', 's_00005.png', 's_00007.png']);
    const found = await discoverInputs([join(dir, 's_%05d.png')]);
    assert.deepEqual(names(found.files), ['s_00003.png', 's_00004.png', 's_00005.png']);
    assert.equal(found.sources[0]?.kind, 'sequence');
    assert.deepEqual(names((await discoverInputs([join(dir, 's_%05d.png')], { startNumber: 7 })).files), ['s_00007.png']);
    await noInput(discoverInputs([join(dir, 's_%05d.png')], { startNumber: 6 }), /matched no file \(looked for number 6\)/);
  });

  it('files given one by one keep their order; in lexical order 1, 10, 2 they get a notice', async (t) => {
    const dir = await tempDir(t);
    const [a, b, c] = await touch(dir, ['p1.png', 'p10.png', 'p2.png']);
    const given = await discoverInputs([c as string, a as string]);
    assert.deepEqual(names(given.files), ['p2.png', 'p1.png']);
    assert.deepEqual(given.notices, []);
    const shell = await discoverInputs([a as string, b as string, c as string]);
    assert.deepEqual(names(shell.files), ['p1.png', 'p10.png', 'p2.png'], 'the order given is kept');
    assert.match(renderText(shell.notices[0] ?? ''), /lexical order \(1, 10, 2\).*pass sort: 'natural'/);
    const sorted = await discoverInputs([a as string, b as string, c as string], { sort: 'natural' });
    assert.deepEqual(names(sorted.files), ['p1.png', 'p2.png', 'p10.png']);
  });

  it('a list file gives its files with their durations, and refuses sort', async (t) => {
    const dir = await tempDir(t);
    const [a, b] = await touch(dir, ['a.png', 'b.png']);
    const list = join(dir, 'show.txt');
    await writeFile(list, `# slides\n${a} 2.5s\n${b}\n${a} 1\n`);
    const found = await discoverInputs([list]);
    assert.deepEqual(names(found.files), ['a.png', 'b.png', 'a.png'], 'a file may repeat');
    assert.deepEqual(found.durations, [2.5, undefined, 1]);
    assert.deepEqual(found.sources, [{ input: list, kind: 'list', count: 3 }]);
    await assert.rejects(discoverInputs([list], { sort: 'natural' }), (error: unknown) => error instanceof FlipbookError && error.option === 'sort');
  });

  it('a pattern with escaped special characters matches the literal name (it was refused: "a glob needs a wildcard")', { skip: process.platform === 'win32' }, async (t) => {
    const dir = await tempDir(t);
    await touch(dir, ['a [1].png', 'a 1.png', 'b*.png']);
    assert.deepEqual((await discoverInputs([join(dir, 'a \\[1\\].png')])).files, [join(dir, 'a [1].png')]);
    assert.deepEqual((await discoverInputs([join(dir, 'b\\*.png')])).files, [join(dir, 'b*.png')]);
  });

  it('says what it looked for when nothing matches', async (t) => {
    const dir = await tempDir(t);
    await touch(dir, ['readme.md']);
    await noInput(discoverInputs([]), /^No inputs were given/);
    await noInput(discoverInputs([join(dir, '*.png')]), /The pattern .* matched no image file/);
    await noInput(discoverInputs([dir]), /The directory .* holds no image file \(1 other files\)/);
    await noInput(discoverInputs([join(dir, 'missing.png')]), /^Input not found: /);
  });
});

describe('naturalCompare', () => {
  it('orders numbers inside names by value', () => {
    assert.deepEqual(['b1', 'a10', 'a2', 'a1'].sort(naturalCompare), ['a1', 'a2', 'a10', 'b1']);
    assert.deepEqual(['x100.png', 'x9.png', 'x10.png'].sort(naturalCompare), ['x9.png', 'x10.png', 'x100.png']);
  });

  it("numberedOrder: a folder of numbered frames in the collator's order without it; anything else left to it", () => {
    const collator = (paths: string[]) => [...paths].sort(naturalCompare);
    const shuffled = <T>(items: T[], seed: number): T[] => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        const j = seed % (i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    };
    // The common shapes take the quick way, in the collator's order.
    const shapes: string[][] = [
      Array.from({ length: 480 }, (_, i) => `/frames/frame_${i + 1}.png`),
      Array.from({ length: 120 }, (_, i) => `shots/${String(i).padStart(5, '0')}.png`),
      Array.from({ length: 30 }, (_, i) => `run2/t${i * 7}.jpg`),
      ['C:\\renders\\img 9.tif', 'C:\\renders\\img 10.tif', 'C:\\renders\\img 100.tif'],
      ['plot', 'plot'].map((p, i) => `${p}${i}`),
    ];
    shapes.forEach((paths, k) => {
      const order = numberedOrder(shuffled(paths, k + 1));
      assert.ok(order, `shape ${k} takes the quick way`);
      assert.deepEqual(order, collator(paths), `shape ${k}: the collator's order`);
    });
    // Shapes the quick way must not take: other prefixes, leading zeros of unequal widths, digits
    // of another script before the number, a combining mark after it, no number.
    for (const paths of [
      ['a1.png', 'b2.png'],
      ['f01.png', 'f1.png', 'f2.png'],
      ['x\u0663' + '1.png', 'x\u0663' + '2.png'],
      ['f1\u0301.png', 'f2\u0301.png'],
      ['cover.png', 'f1.png'],
      ['f1.png', 'f1234567890123456.png'],
    ]) {
      assert.equal(numberedOrder(paths), undefined, `left to the collator: ${paths.join(', ')}`);
    }
    // Random names over a small alphabet (digits of two scripts, a combining mark, punctuation,
    // case): wherever the quick way answers, it answers as the collator.
    const alphabet = ['0', '1', '2', '9', 'a', 'B', 'b', '_', '-', '.', ' ', '\u0663', '\u0301', 'é', '/'];
    let seed = 7;
    const pick = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const word = (max: number): string => Array.from({ length: pick(max + 1) }, () => alphabet[pick(alphabet.length)]).join('');
    let quick = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const prefix = word(4);
      const suffix = word(3);
      const paths = Array.from({ length: 2 + pick(8) }, () => (pick(12) === 0 ? word(6) : `${prefix}${pick(3) === 0 ? '0' : ''}${pick(1200)}${suffix}`));
      const order = numberedOrder(paths);
      if (order === undefined) continue;
      quick++;
      assert.deepEqual(order, collator(paths), `trial ${trial}: ${JSON.stringify(paths)}`);
    }
    assert.ok(quick > 300, `the random trials reach the quick way often enough to test it: ${quick} of 3000`);
  });
});
