/**
 * Whether an image may carry transparency, from the bytes the header pass reads
 * (src/inputs/alpha.ts): the plan answers from them and reads a file again only when they
 * cannot tell.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { alphaFromHead, imageMayHaveAlpha } from '../../src/inputs/alpha.js';
import { readImageHeaderSync } from '../../src/inputs/headers.js';
import { anyMayHaveAlpha } from '../../src/stitch/plan.js';
import { tempDir } from '../helpers/temp.js';

/** A PNG chunk (the CRC is not read here). */
function chunk(name: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(name, 'latin1'), data, Buffer.alloc(4)]);
}

/** PNG bytes up to IDAT: signature, IHDR of 4x4 with `colourType`, the `extra` chunks, IDAT, IEND. */
function png(colourType: number, extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(4, 0);
  ihdr.writeUInt32BE(4, 4);
  ihdr[8] = 8;
  ihdr[9] = colourType;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), ...extra, chunk('IDAT', Buffer.alloc(8)), chunk('IEND')]);
}

describe('alphaFromHead', () => {
  it('answers from a PNG colour type and a tRNS chunk before the image data', () => {
    assert.equal(alphaFromHead(png(6), 'png'), true, 'RGBA');
    assert.equal(alphaFromHead(png(4), 'png'), true, 'grey with alpha');
    assert.equal(alphaFromHead(png(2), 'png'), false, 'RGB');
    assert.equal(alphaFromHead(png(3, [chunk('PLTE', Buffer.alloc(6)), chunk('tRNS', Buffer.from([0]))]), 'png'), true, 'a palette with a transparent entry');
  });

  it('says it cannot tell when the bytes end before the image data', () => {
    const long = png(2, [chunk('tEXt', Buffer.alloc(20_000))]);
    assert.equal(alphaFromHead(long.subarray(0, 16 * 1024), 'png'), undefined);
    assert.equal(alphaFromHead(long, 'png'), false);
    assert.equal(alphaFromHead(Buffer.alloc(10), 'webp'), undefined);
  });

  it('knows JPEG never has alpha and GIF and TIFF may', () => {
    assert.equal(alphaFromHead(Buffer.alloc(4), 'jpg'), false);
    assert.equal(alphaFromHead(Buffer.alloc(4), 'gif'), true);
    assert.equal(alphaFromHead(Buffer.alloc(4), 'tiff'), true);
  });

  it('reaches the header and the plan: a file is read again only where the header pass could not tell', async (t) => {
    const dir = await tempDir(t);
    const rgb = join(dir, 'rgb.png');
    const rgba = join(dir, 'rgba.png');
    // The tRNS chunk comes after 20 kB of text: past the 16 kB the header pass reads first.
    const late = join(dir, 'late-trns.png');
    await writeFile(rgb, png(2));
    await writeFile(rgba, png(6));
    await writeFile(late, png(2, [chunk('tEXt', Buffer.alloc(20_000)), chunk('tRNS', Buffer.alloc(6))]));
    assert.equal(readImageHeaderSync(rgb).alpha, false);
    assert.equal(readImageHeaderSync(rgba).alpha, true);
    assert.equal(readImageHeaderSync(late).alpha, undefined);
    assert.equal(await imageMayHaveAlpha(late, 'png'), true, 'read again, the 64 kB head finds the tRNS chunk');
    const planned = (file: string, alpha: boolean | undefined) => ({ file, position: 1, type: 'png' as const, width: 4, height: 4, orientation: 1, ticks: 1, fitted: false, alpha });
    assert.equal(await anyMayHaveAlpha([planned(rgb, false), planned(rgb, false)]), false);
    assert.equal(await anyMayHaveAlpha([planned(rgb, false), planned(late, undefined)]), true);
    // A file the header pass settled is not read again: a missing one answered "no alpha" stays so.
    assert.equal(await anyMayHaveAlpha([planned(join(dir, 'gone.png'), false)]), false);
  });
});
