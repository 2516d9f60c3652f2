/**
 * Limits said up front: a frame size an encoder refuses and a picture FFmpeg cannot decode
 * are refused while planning (stitch) or at the first frame (the writer), naming the image that
 * set the size and the option that changes it, before any encoder opens.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, createWriter, planStitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { pngHeader } from './helpers/png.js';
import { listDir, tempDir } from './helpers/temp.js';

function isCode(code: string, ...parts: string[]): (error: unknown) => boolean {
  return (error: unknown) => {
    const e = error as FlipbookError;
    assert.equal(e.name, 'FlipbookError', String(error));
    assert.equal(e.code, code, e.message);
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" should say ${part}`);
    return true;
  };
}

/** A PNG whose header declares the size: all the planner reads. */
async function header(dir: string, name: string, width: number, height: number): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, pngHeader(width, height, 4));
  return file;
}

describe('encoder frame limits while planning', () => {
  it('refuses an H.264 frame past level 6.2 naming the first image and suggesting size or width', async (t) => {
    const dir = await tempDir(t);
    const big = await header(dir, 'big.png', 9000, 9000);
    await assert.rejects(planStitch([big], join(dir, 'out.mp4')), (error: unknown) => {
      isCode('UNSUPPORTED_OUTPUT', 'h264', '9000x9000', big, '316969 macroblocks', '139264')(error);
      const e = error as FlipbookError;
      assert.equal(e.file, big, 'the error names the image that set the size');
      assert.equal(e.position, 1, 'its position');
      assert.equal(e.option, 'size', 'the option');
      assert.ok(e.hint?.includes('size') && e.hint.includes('width'), `hint "${e.hint}" suggests size or width`);
      return true;
    });
    // With a size the encoder takes, the same image plans.
    const plan = await planStitch([big], join(dir, 'out.mp4'), { width: 1920 });
    assert.equal(plan.width, 1920, 'fitted width');
    assert.equal(plan.height, 1920, 'fitted height');
  });

  it('refuses a side past x264 and SVT-AV1 limits, and a WebP side past 16383 asked by size', async (t) => {
    const dir = await tempDir(t);
    const tall = await header(dir, 'tall.png', 2, 16386);
    await assert.rejects(planStitch([tall], join(dir, 'out.mp4')), isCode('UNSUPPORTED_OUTPUT', 'height 16386 is above 16384', tall));
    const av1 = await header(dir, 'av1.png', 64, 8800);
    await assert.rejects(planStitch([av1], join(dir, 'out.mkv'), { codec: 'av1' }), isCode('UNSUPPORTED_OUTPUT', 'height 8800 is above 8704', av1));
    // VP9 takes what x264 refuses.
    const plan = await planStitch([tall], join(dir, 'out.webm'));
    assert.equal(plan.height, 16386, 'VP9 plans 2x16386');
    const small = await header(dir, 'small.png', 64, 64);
    await assert.rejects(planStitch([small], join(dir, 'out.webp'), { size: '16384x64' }), (error: unknown) => {
      isCode('UNSUPPORTED_OUTPUT', 'webp', 'width 16384 is above 16383')(error);
      assert.equal((error as FlipbookError).file, undefined, 'the size was asked: no image named');
      return true;
    });
    assert.deepEqual(await listDir(dir), ['av1.png', 'small.png', 'tall.png'], 'nothing written');
  });

  it('a size asked past 16384 is the codec\'s to refuse: VP9 (libvpx, 65536) takes 20000x16, x264 says its limit', async (t) => {
    const dir = await tempDir(t);
    const small = await header(dir, 'small.png', 64, 64);
    const plan = await planStitch([small], join(dir, 'out.webm'), { size: '20000x16' });
    assert.deepEqual([plan.width, plan.height], [20000, 16]);
    const wide = await planStitch([small], join(dir, 'out.webm'), { width: 20000, fit: 'fill', height: 16 });
    assert.deepEqual([wide.width, wide.height], [20000, 16]);
    const x264 = 'The frame, 20000x16, is too large for h264: its width 20000 is above 16384 (the limit of x264 (sides up to 16384) and H.264 level 6.2 (139264 macroblocks of 16x16))';
    await assert.rejects(planStitch([small], join(dir, 'out.mp4'), { size: '20000x16' }), { code: 'UNSUPPORTED_OUTPUT', message: `${x264}. Pass a smaller size or width to fit the pictures to it` });
    const cli = await runCli(['stitch', small, '-o', join(dir, 'out.mp4'), '--size', '20000x16']);
    assert.equal(cli.code, 2);
    assert.ok(cli.stderr.endsWith(`flipbook: error: ${x264}. Pass a smaller --size or --width to fit the pictures to it\n`), cli.stderr);
    assert.deepEqual(await listDir(dir), ['small.png'], 'nothing written');
  });

  it('--width 20000 alone: the codec-limit error comes alone (a "Fitted" warning came first), naming no image (it said "the size of small.png")', async (t) => {
    const dir = await tempDir(t);
    const small = await header(dir, 'small.png', 64, 64);
    const x264 = 'The frame, 20000x20000, is too large for h264: its width 20000 is above 16384 (the limit of x264 (sides up to 16384) and H.264 level 6.2 (139264 macroblocks of 16x16))';
    const cli = await runCli(['stitch', small, '-o', join(dir, 'out.mp4'), '--width', '20000']);
    assert.equal(cli.code, 2);
    assert.equal(cli.stderr, `flipbook: error: ${x264}. Pass a smaller --size or --width to fit the pictures to it\n`);
    const warnings: string[] = [];
    await assert.rejects(planStitch([small], join(dir, 'out.mp4'), { width: 20000, onWarning: (message) => warnings.push(message) }), (error: FlipbookError) => error.code === 'UNSUPPORTED_OUTPUT' && error.file === undefined);
    assert.deepEqual(warnings, [], 'no warning before the error');
    assert.deepEqual(await listDir(dir), ['small.png'], 'nothing written');
  });

  it('the writer refuses its first frame past the encoder limit, naming the frame, and writes nothing', async (t) => {
    const dir = await tempDir(t);
    const output = join(dir, 'out.mp4');
    const writer = createWriter(output, { codec: 'av1' });
    const width = 64;
    const height = 8800;
    await assert.rejects(
      writer.write({ data: new Uint8Array(width * height * 4), width, height, layout: 'rgba' }),
      isCode('UNSUPPORTED_OUTPUT', 'height 8800 is above 8704', 'Frame 1'),
    );
    assert.deepEqual(await listDir(dir), [], 'no output, no temporary file');
  });
});

describe("FFmpeg's own picture size cap", () => {
  it('refuses a 16383x16383 PNG (under limitPixels) as too large to decode, not as corrupt', async (t) => {
    const dir = await tempDir(t);
    const file = await header(dir, 'huge.png', 16383, 16383);
    await assert.rejects(planStitch([file], join(dir, 'out.webm')), (error: unknown) => {
      isCode('PIXEL_LIMIT', file, '16383x16383', 'too large for FFmpeg to decode', '16255x16255')(error);
      assert.ok(!(error as FlipbookError).message.includes('corrupt'), 'not called corrupt');
      return true;
    });
    // skipInvalid does not hide it either: it is a limit, not damage.
    await assert.rejects(planStitch([file], join(dir, 'out.webm'), { skipInvalid: true }), isCode('PIXEL_LIMIT', 'too large for FFmpeg'));
  });

  it('plans a 16000x16000 PNG, which FFmpeg decodes', async (t) => {
    const dir = await tempDir(t);
    const file = await header(dir, 'large.png', 16000, 16000);
    const plan = await planStitch([file], join(dir, 'out.webm'));
    assert.equal(plan.width, 16000, 'planned width');
    assert.equal(plan.height, 16000, 'planned height');
  });
});
