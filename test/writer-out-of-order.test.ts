/**
 * createWriter with frames made out of order: write(frame, { index }) keeps a frame that comes
 * early until its turn, so the video has every frame in its place; a missing index fails close()
 * and leaves nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FlipbookError, createWriter } from '../src/index.js';
import { PALETTE, solid } from './helpers/images.js';
import { frameColourIndices } from './helpers/frames.js';
import { readVideo } from './helpers/video.js';

const frame = (i: number): { data: Uint8Array; width: number; height: number; layout: 'rgb' } => ({ ...solid(64, 48, PALETTE[i % PALETTE.length]!), layout: 'rgb' });

describe('createWriter with frames out of order (index)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-out-of-order-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('puts every frame in its place, whatever the order of the writes', async () => {
    const output = join(dir, 'shuffled.mp4');
    const writer = createWriter(output, { preset: 'ultrafast' });
    const order = [3, 0, 9, 1, 2, 8, 4, 7, 5, 6];
    // All in flight at once, as from workers finishing in any order.
    await Promise.all(order.map((i) => writer.write(frame(i), { index: i })));
    const result = await writer.close();
    assert.equal(result.frames, 10);
    const back = await readVideo(output);
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'frame i shows colour i');
    assert.deepEqual(back.frames.map((f) => Math.round(f.time * 1000)), [0, 40, 80, 120, 160, 200, 240, 280, 320, 360], 'timestamps (ms)');
  });

  it('a missing index fails close() and leaves nothing', async () => {
    const output = join(dir, 'gap.mp4');
    const writer = createWriter(output, { preset: 'ultrafast' });
    const writes = [0, 1, 3, 4].map((i) => writer.write(frame(i), { index: i }));
    writes.forEach((w) => w.catch(() => undefined));
    await Promise.all(writes.slice(0, 2));
    await assert.rejects(writer.close(), (error: unknown) => {
      assert.ok(error instanceof FlipbookError && error.option === 'index', String(error));
      assert.match(error.message, /frame index 2 was missing \(2 later frames wait for it, from index 3\)/);
      return true;
    });
    await assert.rejects(writes[2]!, FlipbookError, 'the waiting writes are rejected');
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('gap') || n.startsWith('.gap')), [], 'nothing left');
  });

  it('refuses a repeated index and a mix of writes with and without one', async () => {
    const twice = createWriter(join(dir, 'twice.mp4'), { preset: 'ultrafast' });
    await twice.write(frame(0), { index: 0 });
    await assert.rejects(twice.write(frame(0), { index: 0 }), /Frame index 0 was written twice/);
    const mixed = createWriter(join(dir, 'mixed.mp4'), { preset: 'ultrafast' });
    await mixed.write(frame(0));
    await assert.rejects(mixed.write(frame(1), { index: 1 }), /A frame came with an index after frames without one/);
    assert.deepEqual((await readdir(dir)).filter((n) => /twice|mixed/.test(n)), [], 'nothing left');
  });
});
