/**
 * mayHoldExif (src/inputs/headers.ts): the header check that lets flipbook skip ExifReader for
 * files that cannot carry an Orientation tag. It may say true when unsure; it must never say
 * false for a file that has EXIF, or that photo would come out sideways.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { mayHoldExif } from '../../src/inputs/headers.js';

function pngChunk(type: string, data = Buffer.alloc(4)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function jpegSegment(marker: number, body: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}
const SOI = Buffer.from([0xff, 0xd8]);
const JFIF = jpegSegment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'));
const EXIF = jpegSegment(0xe1, Buffer.from('Exif\0\0MM\0*\0\0\0\x08', 'latin1'));
const SOF0 = jpegSegment(0xc0, Buffer.from([8, 0, 16, 0, 16, 1, 1, 0x11, 0]));
const DHT = jpegSegment(0xc4, Buffer.alloc(20));

describe('mayHoldExif', () => {
  it('PNG: false when IDAT comes before any eXIf, true with eXIf before IDAT', () => {
    const ihdr = pngChunk('IHDR', Buffer.alloc(13));
    assert.equal(mayHoldExif(Buffer.concat([PNG_SIGNATURE, ihdr, pngChunk('IDAT')]), 'png'), false);
    assert.equal(mayHoldExif(Buffer.concat([PNG_SIGNATURE, ihdr, pngChunk('tEXt'), pngChunk('eXIf'), pngChunk('IDAT')]), 'png'), true);
  });

  it('PNG: true when the bytes read end before IDAT (cannot tell yet)', () => {
    assert.equal(mayHoldExif(Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', Buffer.alloc(13)), pngChunk('iCCP', Buffer.alloc(100))]).subarray(0, 60), 'png'), true);
  });

  it('JPEG: true for APP1 Exif first or after JFIF; false when the frame header comes first', () => {
    assert.equal(mayHoldExif(Buffer.concat([SOI, EXIF, SOF0]), 'jpg'), true);
    assert.equal(mayHoldExif(Buffer.concat([SOI, JFIF, EXIF, SOF0]), 'jpg'), true);
    assert.equal(mayHoldExif(Buffer.concat([SOI, JFIF, DHT, SOF0, EXIF]), 'jpg'), false, 'a DHT segment is not a frame header: the walk goes on to SOF0');
    assert.equal(mayHoldExif(Buffer.concat([SOI, JFIF, SOF0]), 'jpg'), false);
  });

  it('WebP: only an extended file with its EXIF flag', () => {
    const vp8x = (flags: number): Buffer => {
      const b = Buffer.alloc(30);
      b.write('RIFF', 0, 'latin1');
      b.write('WEBP', 8, 'latin1');
      b.write('VP8X', 12, 'latin1');
      b[20] = flags;
      return b;
    };
    assert.equal(mayHoldExif(vp8x(0x08), 'webp'), true);
    assert.equal(mayHoldExif(vp8x(0x10), 'webp'), false);
    const simple = vp8x(0x08);
    simple.write('VP8 ', 12, 'latin1');
    assert.equal(mayHoldExif(simple, 'webp'), false);
  });

  it('TIFF: always read (the tag lives in IFD0)', () => {
    assert.equal(mayHoldExif(Buffer.from('II*\0\x08\0\0\0', 'latin1'), 'tiff'), true);
  });
});
