/**
 * EXIF orientation, as cameras and editors write it: every orientation 1 to 8, both byte orders,
 * the tag typed SHORT, LONG and SLONG, IFD0 at several offsets, with and without a JFIF segment
 * first, a large maker note; in JPEG, PNG eXIf, WebP EXIF and TIFF. The pictures are made here
 * (test/helpers/exif.ts), stitched, decoded, and each corner's colour checked.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { planStitch, stitch } from '../src/index.js';
import {
  type ByteOrder,
  CORNERS,
  type IntType,
  SHOWN_CORNERS,
  exifBlock,
  jpegWithExif,
  pngWithExif,
  tiffWithOrientation,
  webpWithExif,
} from './helpers/exif.js';
import { type Image, paint } from './helpers/images.js';
import { pngChunk } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';
import { assertColour, colourIn, quadrants, readVideo } from './helpers/video.js';

const ORDERS: readonly ByteOrder[] = ['II', 'MM'];
const TYPES: readonly IntType[] = ['SHORT', 'LONG', 'SLONG'];
const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8];
/** Tolerance per channel: the four colours are at least 255 apart, so this tells them apart with room for JPEG and WebP loss. */
const TOLERANCE = 40;

function quadrantPicture(width: number, height: number): Image {
  return paint(width, height, (x, y) => (y < height / 2 ? (x < width / 2 ? CORNERS.tl : CORNERS.tr) : x < width / 2 ? CORNERS.bl : CORNERS.br));
}

interface Case {
  name: string;
  orientation: number;
  bytes: Buffer;
}

/** Inserts an unknown chunk before a WebP's EXIF chunk, so the EXIF lies far past the first bytes read. */
function webpWithPaddingBeforeExif(webp: Buffer, padding: number): Buffer {
  const exifAt = webp.lastIndexOf('EXIF');
  const chunk = Buffer.alloc(8 + padding, 0x55);
  chunk.write('FBTS', 0, 'latin1');
  chunk.writeUInt32LE(padding, 4);
  const out = Buffer.concat([webp.subarray(0, exifAt), chunk, webp.subarray(exifAt)]);
  out.writeUInt32LE(out.length - 8, 4);
  return out;
}

function cases(format: 'jpg' | 'png' | 'webp' | 'tif', picture: Image): Case[] {
  const out: Case[] = [];
  for (const orientation of ORIENTATIONS) {
    for (const order of ORDERS) {
      for (const type of TYPES) {
        const tag = `o${orientation}-${order}-${type}`;
        if (format === 'jpg') {
          for (const ifd0Offset of [8, 26, 1000]) {
            for (const jfif of [false, true]) {
              out.push({ name: `${tag}-ifd${ifd0Offset}-${jfif ? 'jfif' : 'exif-first'}`, orientation, bytes: jpegWithExif(picture, exifBlock(orientation, { order, type, ifd0Offset }), { jfif }) });
            }
          }
          // A maker note of 50 kB: the header is past the first 16 kB read.
          const exif = exifBlock(orientation, { order, type, ifd0Offset: 8, makerNote: 50_000 });
          out.push({ name: `${tag}-makernote`, orientation, bytes: jpegWithExif(picture, exif, { jfif: true }) });
        } else if (format === 'png') {
          for (const ifd0Offset of [8, 300]) {
            out.push({ name: `${tag}-ifd${ifd0Offset}`, orientation, bytes: pngWithExif(picture, exifBlock(orientation, { order, type, ifd0Offset })) });
          }
          // eXIf after 40 kB of text chunks.
          const png = pngWithExif(picture, exifBlock(orientation, { order, type, ifd0Offset: 8 }));
          const text = pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(40_000, 0x61)]));
          out.push({ name: `${tag}-after-text`, orientation, bytes: Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]) });
        } else if (format === 'webp') {
          const webp = webpWithExif(picture, exifBlock(orientation, { order, type, ifd0Offset: 8 }));
          out.push({ name: `${tag}`, orientation, bytes: webp });
          out.push({ name: `${tag}-far`, orientation, bytes: webpWithPaddingBeforeExif(webp, 40_000) });
        } else {
          for (const ifdFirst of [true, false]) {
            out.push({ name: `${tag}-${ifdFirst ? 'ifd-first' : 'ifd-last'}`, orientation, bytes: tiffWithOrientation(picture, orientation, { order, type, ifdFirst }) });
          }
        }
      }
    }
  }
  return out;
}

describe('EXIF orientation in every form', () => {
  for (const format of ['jpg', 'png', 'webp', 'tif'] as const) {
    it(`${format}: every orientation, byte order, integer type and layout comes out upright`, async (t) => {
      const dir = await tempDir(t);
      // Square, so that every orientation has the frame's size and the corners alone tell them apart.
      const list = cases(format, quadrantPicture(64, 64));
      const files: string[] = [];
      for (const c of list) {
        const file = join(dir, `${c.name}.${format}`);
        await writeFile(file, c.bytes);
        files.push(file);
      }
      const out = join(dir, 'out.mp4');
      await stitch(files, out, { preset: 'ultrafast', fit: 'error', crf: 10 });
      const back = await readVideo(out);
      assert.equal(back.frames.length, list.length, 'one frame an image');
      const wrong: string[] = [];
      back.frames.forEach((frame, i) => {
        const c = list[i];
        assert.ok(c, `case ${i}`);
        const q = quadrants(frame.width, frame.height);
        const shown = SHOWN_CORNERS[c.orientation];
        assert.ok(shown, `orientation ${c.orientation}`);
        for (const corner of ['tl', 'tr', 'bl', 'br'] as const) {
          try {
            assertColour(colourIn(frame, q[corner]), CORNERS[shown[corner]], `${c.name}: ${corner}`, TOLERANCE);
          } catch (error) {
            wrong.push((error as Error).message);
          }
        }
      });
      assert.deepEqual(wrong, [], `${wrong.length} corners wrong of ${list.length * 4}`);
    });
  }

  it('a JPEG of many EXIF segments is read upright without a word on the console (ExifReader warns through console.warn)', async (t) => {
    const dir = await tempDir(t);
    const one = jpegWithExif(quadrantPicture(64, 48), exifBlock(6, { order: 'MM', type: 'SHORT', ifd0Offset: 8 }), { jfif: false });
    // 300 more APP1 Exif segments of 60 kB after the first (18 MB of metadata): ExifReader says it
    // found them all and picks one.
    const extra = Buffer.alloc(60_000);
    extra.write('Exif\0\0MM\0*\0\0\0\x08\0\0', 0, 'latin1');
    const segment = Buffer.concat([Buffer.from([0xff, 0xe1, 0, 0]), extra]);
    segment.writeUInt16BE(extra.length + 2, 2);
    const firstEnd = 4 + one.readUInt16BE(4); // SOI, then the APP1 marker and its length
    const file = join(dir, 'many-app1.jpg');
    await writeFile(file, Buffer.concat([one.subarray(0, firstEnd), ...Array.from({ length: 300 }, () => segment), one.subarray(firstEnd)]));
    const said: unknown[][] = [];
    t.mock.method(console, 'warn', (...args: unknown[]) => said.push(args));
    const out = join(dir, 'out.mp4');
    await stitch([file], out, { preset: 'ultrafast' });
    assert.deepEqual(said, [], 'nothing written to the console');
    const back = await readVideo(out);
    assert.equal(back.frames.length, 1);
    const frame = back.frames[0];
    assert.ok(frame);
    assert.deepEqual([frame.width, frame.height], [48, 64], 'orientation 6 of the first segment applied: portrait');
    const q = quadrants(frame.width, frame.height);
    const shown = SHOWN_CORNERS[6];
    assert.ok(shown);
    for (const corner of ['tl', 'tr', 'bl', 'br'] as const) assertColour(colourIn(frame, q[corner]), CORNERS[shown[corner]], corner, TOLERANCE);
  });

  it('a PNG whose eXIf follows a million text chunks is planned upright in well under a second (ExifReader parsed every chunk: 6 s, 400 MB)', async (t) => {
    const dir = await tempDir(t);
    const png = pngWithExif(quadrantPicture(64, 48), exifBlock(6, { order: 'II', type: 'SHORT', ifd0Offset: 8 }));
    const text = pngChunk('tEXt', Buffer.from('k\0v', 'latin1'));
    // 15 MB: the signature and IHDR, 1,000,000 small text chunks, then eXIf, IDAT and IEND.
    const file = join(dir, 'chunks.png');
    await writeFile(file, Buffer.concat([png.subarray(0, 33), Buffer.concat(Array.from({ length: 1_000_000 }, () => text)), png.subarray(33)]));
    const started = performance.now();
    const plan = await planStitch([file], join(dir, 'out.mp4'));
    const seconds = (performance.now() - started) / 1000;
    assert.deepEqual(plan.images.map((f) => [f.width, f.height, f.orientation]), [[48, 64, 6]], 'orientation 6 read: portrait');
    assert.ok(seconds < 2, `planned in ${seconds.toFixed(2)} s`);
  });

  it('a landscape picture turned by orientations 5 to 8 is planned portrait, in every format', async (t) => {
    const dir = await tempDir(t);
    const picture = quadrantPicture(64, 48);
    const exif = (o: number): Buffer => exifBlock(o, { order: 'MM', type: 'LONG', ifd0Offset: 40 });
    const files: string[] = [];
    const expected: [number, number, number][] = [];
    for (const o of ORIENTATIONS) {
      const made: [string, Buffer][] = [
        ['jpg', jpegWithExif(picture, exif(o), { jfif: true })],
        ['png', pngWithExif(picture, exif(o))],
        ['webp', webpWithExif(picture, exif(o))],
        ['tif', tiffWithOrientation(picture, o, { order: 'II', type: 'SLONG', ifdFirst: false })],
      ];
      for (const [ext, bytes] of made) {
        const file = join(dir, `o${o}.${ext}`);
        await writeFile(file, bytes);
        files.push(file);
        expected.push(o >= 5 ? [48, 64, o] : [64, 48, o]);
      }
    }
    const plan = await planStitch(files, join(dir, 'o.mp4'), { fit: 'contain' });
    assert.deepEqual(
      plan.images.map((f) => [f.width, f.height, f.orientation]),
      expected,
      'shown size and orientation of each image',
    );
  });
});
