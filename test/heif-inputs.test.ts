/**
 * HEIC, HEIF and AVIF stills are not read by flipbook (its still decoders take one coded
 * picture; these need a demuxer, and a phone's HEIC is a grid of tiles): a file given is
 * refused with an error that names it and its format and says how to convert it, and one in a
 * directory or a glob is skipped with a warning that says why (an error when nothing else is
 * left). Inputs: headers made here for each brand, and a real AVIF made with Debian's ffmpeg.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, planStitch } from '../src/index.js';
import { writeSolidFrames } from './helpers/frames.js';
import { tempDir } from './helpers/temp.js';

function box(type: string, ...body: Buffer[]): Buffer {
  const content = Buffer.concat(body);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + content.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, content]);
}

/** The start of an ISO-BMFF image file: ftyp with `brand`, then meta > iprp > ipco > ispe (64x48). */
function heifHeader(brand: string): Buffer {
  const ispe = Buffer.alloc(12);
  ispe.writeUInt32BE(64, 4);
  ispe.writeUInt32BE(48, 8);
  return Buffer.concat([
    box('ftyp', Buffer.from(brand, 'latin1'), Buffer.alloc(4), Buffer.from(`mif1${brand}`, 'latin1')),
    box('meta', Buffer.alloc(4), box('iprp', box('ipco', box('ispe', ispe)))),
  ]);
}

describe('HEIC, HEIF and AVIF inputs', () => {
  it('a file given is refused, naming it and its format, with how to convert it', async (t) => {
    const dir = await tempDir(t);
    const avif = join(dir, 'real.avif');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=64x48', '-frames:v', '1', '-c:v', 'libaom-av1', '-still-picture', '1', '-cpu-used', '8', avif]);
    const files: [string, string][] = [[avif, 'AVIF']];
    for (const [brand, format] of [['heic', 'HEIC'], ['heix', 'HEIC'], ['mif1', 'HEIF'], ['avif', 'AVIF']] as const) {
      // Named .jpg on purpose for one: the header decides, not the extension.
      const file = join(dir, brand === 'heix' ? 'phone.jpg' : `still-${brand}.${brand === 'mif1' ? 'heif' : brand}`);
      await writeFile(file, Buffer.concat([heifHeader(brand), Buffer.alloc(256)]));
      files.push([file, format]);
    }
    for (const [file, format] of files) {
      await assert.rejects(planStitch([file], join(dir, 'out.mp4')), (e: FlipbookError) => {
        assert.equal(e.code, 'INVALID_INPUT', e.message);
        assert.equal(e.file, file, 'names the file');
        assert.ok(e.fact.startsWith(`${file} (input 1) is an ${format} image (the HEIF family), a format flipbook does not read`), `names the format: ${e.fact}`);
        assert.ok(e.hint?.includes('Convert it to JPEG or PNG') && e.hint.includes('skipInvalid: true'), `says how to convert or skip: ${e.hint}`);
        return true;
      });
    }
  });

  it('one whose size cannot be read (only its ftyp box, or cut short) is still named as HEIF, not as an MP4 video', async (t) => {
    const dir = await tempDir(t);
    const avif = join(dir, 'whole.avif');
    execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=64x48', '-frames:v', '1', '-c:v', 'libaom-av1', '-still-picture', '1', '-cpu-used', '8', avif]);
    const files: [string, Buffer, string][] = [
      ['ftyp-only.heic', box('ftyp', Buffer.from('heic', 'latin1'), Buffer.alloc(4), Buffer.from('mif1heic', 'latin1')), 'HEIC'],
      ['cut.avif', (await readFile(avif)).subarray(0, 40), 'AVIF'],
    ];
    for (const [name, bytes, format] of files) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      // It said "is an MP4 video (ISO media), not an image" with the way to split a video.
      await assert.rejects(planStitch([file], join(dir, 'out.mp4')), (e: FlipbookError) => {
        assert.equal(e.code, 'INVALID_INPUT', e.message);
        assert.equal(e.fact, `${file} (input 1) is an ${format} image (the HEIF family), a format flipbook does not read (it reads png, jpg, webp, tiff, bmp, gif)`);
        assert.ok(e.hint?.includes('Convert it to JPEG or PNG'), e.hint);
        return true;
      });
    }
  });

  it('in a directory they are skipped with a warning naming them; alone, the error says why', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    await writeFile(join(dir, 'b.heic'), heifHeader('heic'));
    await writeFile(join(dir, 'c.avif'), heifHeader('avif'));
    await writeFile(join(dir, 'notes.txt'), 'not an image');
    const plan = await planStitch(dir, join(dir, 'out.mp4'));
    assert.deepEqual(plan.images.map((f) => f.file), [join(dir, 'a.png')], 'the PNG alone');
    const notice = plan.warnings.find((w) => w.includes('HEIC/HEIF/AVIF'));
    assert.ok(notice?.includes(join(dir, 'b.heic')) && notice.includes(join(dir, 'c.avif')) && notice.includes('Convert them to JPEG or PNG'), `names them and says why: ${JSON.stringify(plan.warnings)}`);
    assert.ok(plan.warnings.some((w) => w.includes('1 file(s) that are not images') && w.includes('notes.txt')), `the text file is said apart: ${JSON.stringify(plan.warnings)}`);

    const phone = await tempDir(t);
    await writeFile(join(phone, 'IMG_0001.HEIC'), heifHeader('heic'));
    await assert.rejects(planStitch(join(phone, '*'), join(dir, 'out.mp4')), (e: FlipbookError) => e.code === 'NO_INPUT' && /1 HEIC\/HEIF\/AVIF file\(s\), a format flipbook does not read/.test(e.message), 'a folder of HEIC only: the error says why');
  });
});
