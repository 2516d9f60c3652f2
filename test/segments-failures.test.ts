/**
 * A parallel run (`jobs`) that fails in one segment fails as a whole, with an error naming the
 * segment, and leaves nothing behind: no output, no temporary file, no segment directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FlipbookError, animate, stitch } from '../src/index.js';
import { solid } from './helpers/images.js';
import { encodePng } from './helpers/png.js';
import { colourIn, readVideo } from './helpers/video.js';

const MODULE = (body: string): string => `
export const width = 64, height = 48, fps = 25;
export function draw(ctx, { index }) {
  ${body}
  ctx.fillStyle = 'rgb(' + (index * 4) + ', 90, 200)';
  ctx.fillRect(0, 0, 64, 48);
}
`;

describe('a failing segment', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-segment-fail-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** What is in the directory besides the given inputs. */
  async function leftovers(keep: readonly string[]): Promise<string[]> {
    return (await readdir(dir)).filter((name) => !keep.includes(name));
  }

  it('a draw() that throws at frame 45 fails the run naming segment 2, and leaves nothing', async () => {
    await writeFile(join(dir, 'throws.mjs'), MODULE("if (index === 45) throw new Error('no ink at 45');"));
    const output = join(dir, 'throws.mp4');
    await assert.rejects(animate({ module: join(dir, 'throws.mjs'), frames: 60 }, output, { jobs: 2, preset: 'ultrafast' }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.match(error.message, /^Segment 2 of 2 \(frames 30 to 59\): draw\(\) in .*throws\.mjs threw at frame 45: no ink at 45/);
      return true;
    });
    assert.deepEqual(await leftovers(['throws.mjs']), [], 'nothing left');
    // In one piece the same words, the module's exception as the cause.
    await assert.rejects(animate({ module: join(dir, 'throws.mjs'), frames: 60 }, output, { preset: 'ultrafast' }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(error.option, 'module');
      assert.match(error.message, /^draw\(\) in .*throws\.mjs threw at frame 45: no ink at 45$/);
      assert.equal((error.cause as Error).message, 'no ink at 45');
      return true;
    });
    assert.deepEqual(await leftovers(['throws.mjs']), [], 'nothing left in one piece either');
  });

  it('a worker process that dies fails the run naming its segment, and leaves nothing', async () => {
    await writeFile(join(dir, 'dies.mjs'), MODULE('if (index === 40) process.exit(7);'));
    const output = join(dir, 'dies.mp4');
    await assert.rejects(animate({ module: join(dir, 'dies.mjs'), frames: 60 }, output, { jobs: 2, preset: 'ultrafast' }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.match(error.message, /^The worker rendering segment 2 of 2 \(frames 30 to 59\) exited with code 7/);
      assert.equal(error.code, 'ENGINE');
      return true;
    });
    assert.deepEqual(await leftovers(['throws.mjs', 'dies.mjs']), [], 'nothing left');
  });

  it('an image that does not decode fails stitch naming the segment and the file, and leaves nothing', async () => {
    const frames = join(dir, 'frames');
    await rm(frames, { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(frames);
    const good = encodePng(solid(64, 48, [200, 50, 50]));
    for (let i = 0; i < 60; i++) {
      // Image 41 keeps its header (the plan reads it) but loses its pixels.
      const bytes = i === 40 ? good.subarray(0, 40) : good;
      await writeFile(join(frames, `${String(i).padStart(3, '0')}.png`), bytes);
    }
    const output = join(dir, 'broken.mp4');
    await assert.rejects(stitch(join(frames, '*.png'), output, { jobs: 2, preset: 'ultrafast' }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.match(error.message, /^Segment 2 of 2 \(frames 30 to 59\): .*040\.png/);
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(error.position, 41);
      return true;
    });
    assert.deepEqual(await leftovers(['throws.mjs', 'dies.mjs', 'frames']), [], 'nothing left');
  });

  it('skipInvalid: an image that does not decode at a segment\'s end is held from the picture before (it failed: "has 29 frames, not the 30 planned"); the warning has no hint to pass skipInvalid', async () => {
    const frames = join(dir, 'frames-skip');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(frames, { recursive: true });
    const colour = (i: number): [number, number, number] => [i * 4, 90, 200];
    for (let i = 0; i < 60; i++) {
      const png = encodePng(solid(64, 48, colour(i)));
      // Image 30 (the last of segment 1: frames 0 to 29) and image 45 keep their headers but lose their pixels.
      await writeFile(join(frames, `${String(i).padStart(3, '0')}.png`), i === 29 || i === 45 ? png.subarray(0, 40) : png);
    }
    const output = join(dir, 'skipped.mp4');
    const warnings: string[] = [];
    const result = await stitch(join(frames, '*.png'), output, { jobs: 2, preset: 'ultrafast', skipInvalid: true, onWarning: (w) => warnings.push(w) });
    assert.equal(result.frames, 60, 'every planned frame');
    assert.deepEqual(result.skipped.map((s) => s.position), [30, 46]);
    assert.equal(warnings.length, 2, warnings.join('\n'));
    for (const w of warnings) {
      assert.match(w, /^Skipped an invalid input: .*(029|045)\.png \(input (30|46)\)/);
      assert.doesNotMatch(w, /skipInvalid|skip-invalid/, 'no advice to pass what was passed');
    }
    const back = await readVideo(output);
    assert.equal(back.frames.length, 60);
    // Frame 29 holds image 29's picture (frame 28's colour), frame 45 image 44's.
    for (const [n, shows] of [[28, 28], [29, 28], [30, 30], [45, 44]] as const) {
      const red = colourIn(back.frames[n]!, { x: 0, y: 0, width: 64, height: 48 })[0];
      assert.ok(Math.abs(red - colour(shows)[0]) <= 6, `frame ${n} shows image ${shows + 1} (red ${red})`);
    }
    await rm(frames, { recursive: true, force: true });
    await rm(output);
  });

  it('a cancel stops every worker and leaves nothing', async () => {
    await writeFile(join(dir, 'slow.mjs'), MODULE('const until = Date.now() + 20; while (Date.now() < until);'));
    const controller = new AbortController();
    const output = join(dir, 'cancelled.mp4');
    const run = animate({ module: join(dir, 'slow.mjs'), frames: 100 }, output, {
      jobs: 2,
      preset: 'ultrafast',
      signal: controller.signal,
      onProgress: (p) => {
        if (p.frame === 5) controller.abort();
      },
    });
    await assert.rejects(run, (error: unknown) => error instanceof FlipbookError && error.code === 'ABORTED');
    assert.deepEqual(await leftovers(['throws.mjs', 'dies.mjs', 'frames', 'slow.mjs']), [], 'nothing left');
  });
});
