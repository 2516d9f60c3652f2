/**
 * Large images in bounded memory: a run whose decoding would take more than `memoryLimit`
 * (12 bytes a pixel of the largest images decoded at once, from the headers) is refused before
 * anything is decoded; under the budget it runs.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, createWriter, planStitch, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';
import { encodePng, pngHeader } from './helpers/png.js';
import { listDir, tempDir } from './helpers/temp.js';
import { assertH264, readVideo } from './helpers/video.js';

function refusedFor(file: string | undefined, ...parts: string[]): (error: unknown) => boolean {
  return (error: unknown) => {
    const e = error as FlipbookError;
    assert.equal(e.name, 'FlipbookError', String(error));
    assert.equal(e.code, 'PIXEL_LIMIT', e.message);
    assert.equal(e.option, 'memoryLimit', 'names the option');
    if (file !== undefined) assert.equal(e.file, file, 'names the largest image');
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" should say ${part}`);
    return true;
  };
}

describe('memoryLimit', () => {
  it('refuses two 16000x16000 PNGs under the default 4 GB budget from their headers, plans one', async (t) => {
    const dir = await tempDir(t);
    const a = join(dir, 'a.png');
    const b = join(dir, 'b.png');
    await writeFile(a, pngHeader(16000, 16000, 4));
    await writeFile(b, pngHeader(16000, 16000, 4));
    await assert.rejects(planStitch([a, b], join(dir, 'out.webm')), refusedFor(a, '6.14 GB', 'the 2 largest images', 'memoryLimit of 4.00 GB'));
    const plan = await planStitch([a], join(dir, 'out.webm'));
    assert.equal(plan.width, 16000, 'one alone fits the budget');
    const none = await planStitch([a, b], join(dir, 'out.webm'), { memoryLimit: 0 });
    assert.equal(none.images.length, 2, 'memoryLimit 0: no limit');
  });

  it('a low budget refuses a real image before decoding; a budget that fits encodes it', async (t) => {
    const dir = await tempDir(t);
    const file = join(dir, 'img.png');
    await writeFile(file, encodePng(solid(200, 150, [200, 40, 40])));
    const output = join(dir, 'out.mp4');
    // 200 x 150 x 12 = 360000 bytes: said in kB, as the limit was given (not "0.00 GB").
    await assert.rejects(stitch([file], output, { memoryLimit: '300kB', preset: 'ultrafast' }), refusedFor(file, 'Decoding would take about 360.0 kB (', 'more than memoryLimit of 300.0 kB'));
    const cli = await runCli(['stitch', file, '-o', output, '--memory-limit', '300kB']);
    assert.equal(cli.code, 1);
    assert.equal(
      cli.stderr,
      `flipbook: error: Decoding would take about 360.0 kB (12 bytes a pixel of the image; the largest is ${file}), more than --memory-limit of 300.0 kB. Scale the images down first, or raise --memory-limit (0 for none) if the machine has the memory\n`,
    );
    assert.deepEqual(await listDir(dir), ['img.png'], 'nothing written');
    await stitch([file], output, { memoryLimit: '400kB', preset: 'ultrafast' });
    assertH264(await readVideo(output), { width: 200, height: 150, frames: 1, duration: 0.04 });
  });

  it('the writer refuses an encoded frame past the budget, naming it', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'out.mp4');
    const writer = createWriter(output, { memoryLimit: '300kB' });
    await assert.rejects(writer.write(encodePng(solid(200, 150, [0, 0, 255]))), refusedFor(undefined, 'Frame 1'));
    assert.deepEqual(await listDir(dir), [], 'nothing written');
  });
});
