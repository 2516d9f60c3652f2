/**
 * The raw spool (src/engine/raw-spool.ts) reads its pictures back into a few reused frames: a
 * released picture's memory is read into again. What must hold: every picture comes back as it
 * was written; a picture still held is never overwritten; and neither is one whose frame is
 * still referenced elsewhere (an encoder that keeps its input), though it was released.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { Picture, RawSpool, pictureFromPixels } from '../src/engine/index.js';
import { tempDir } from './helpers/temp.js';

const WIDTH = 32;
const HEIGHT = 24;
/** Alpha below 255 keeps the pictures RGBA (an opaque one is tagged rgb0). */
const COLOURS = [
  [200, 30, 40, 254],
  [20, 180, 60, 254],
  [10, 40, 220, 254],
  [250, 250, 0, 254],
  [90, 90, 90, 254],
  [0, 200, 200, 254],
] as const;

function solid(colour: readonly number[]): Picture {
  const data = new Uint8Array(WIDTH * HEIGHT * 4);
  for (let i = 0; i < data.length; i += 4) data.set(colour, i);
  return pictureFromPixels({ data, width: WIDTH, height: HEIGHT, layout: 'rgba' });
}

/** The first pixel and whether every pixel is the same. */
function colourOf(picture: Picture): { first: number[]; uniform: boolean } {
  const bytes = picture.toBuffer();
  const first = [...bytes.subarray(0, 4)];
  let uniform = true;
  for (let i = 0; i < bytes.length; i += 4) if (bytes[i] !== first[0] || bytes[i + 1] !== first[1] || bytes[i + 2] !== first[2] || bytes[i + 3] !== first[3]) uniform = false;
  return { first, uniform };
}

async function spooled(dir: string): Promise<RawSpool> {
  const spool = await RawSpool.open(join(dir, 'pictures.rgba'), WIDTH, HEIGHT);
  for (const colour of COLOURS) {
    const picture = solid(colour);
    await spool.write(picture);
    picture.release();
  }
  await spool.finish();
  return spool;
}

describe('raw spool: pictures read back into reused frames', () => {
  it('gives every picture back as written, released one by one', async (t) => {
    const spool = await spooled(await tempDir(t));
    const seen: number[][] = [];
    for await (const picture of spool.read()) {
      const { first, uniform } = colourOf(picture);
      assert.ok(uniform, `picture ${seen.length} is one colour`);
      seen.push(first);
      picture.release();
    }
    assert.deepEqual(seen, COLOURS.map((c) => [...c]));
  });

  it('never reads into a picture still held, nor into a released one whose frame is referenced elsewhere', async (t) => {
    const spool = await spooled(await tempDir(t));
    const held: Picture[] = [];
    const others: { copy: Picture; index: number }[] = [];
    let index = 0;
    for await (const picture of spool.read()) {
      if (index === 0) {
        // Kept to the end, never released.
        held.push(picture);
      } else if (index % 2 === 1) {
        // A second reference to the frame (as an encoder that keeps its input holds one), then released.
        const clone = picture.frame.clone();
        assert.ok(clone, 'a second reference');
        others.push({ copy: new Picture(clone), index });
        picture.release();
      } else {
        // Released twice: the frame must still go back once only (two pictures would share it).
        picture.release();
        picture.release();
      }
      index++;
    }
    assert.equal(index, COLOURS.length);
    assert.deepEqual(colourOf(held[0]!).first, [...COLOURS[0]], 'the picture held through the whole read is intact');
    for (const { copy, index: at } of others) {
      const { first, uniform } = colourOf(copy);
      assert.ok(uniform && first.every((v, i) => v === COLOURS[at]![i]), `picture ${at}, released but referenced elsewhere, is intact: ${first.join(',')}`);
      copy.release();
    }
    held[0]!.release();
  });
});
