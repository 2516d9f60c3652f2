/**
 * A full disk, for real: a 512 kB tmpfs is mounted (this needs root; where mount is refused the
 * suite is skipped and says why) and every kind of output is written into it. Each write error
 * is a FlipbookError that names the output the user asked for (not a temporary name), the work
 * stops there (streamed outputs stop before their last frame), and nothing is left on the disk.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FlipbookError, type Progress, contactSheet, createWriter, split, stitch } from '../src/index.js';
import { encodePng } from './helpers/png.js';

const WIDTH = 320;
const HEIGHT = 240;
const FRAMES = 30;

/** Mounts a small tmpfs; the reason it cannot be done, or the mount point. */
function mountSmallDisk(): { point: string } | { refused: string } {
  const point = mkdtempSync(join(tmpdir(), 'flipbook-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', point], { stdio: 'pipe' });
    return { point };
  } catch (error) {
    rmSync(point, { recursive: true, force: true });
    return { refused: `mount -t tmpfs was refused (needs root): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}` };
  }
}

/** Noise: nothing compresses it, so every output is large. */
function noise(seed: number): Uint8Array {
  const data = new Uint8Array(WIDTH * HEIGHT * 3);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 255;
  }
  return data;
}

const disk = mountSmallDisk();

function assertNamesOutput(error: unknown, output: string): boolean {
  assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
  assert.equal(error.code, 'IO');
  assert.equal(error.file, output, `the error names ${output}: ${error.message}`);
  assert.ok(error.message.includes(output), `the message names ${output}: ${error.message}`);
  // In words: FFmpeg's own, or the system's with its code after them, never a bare ENOSPC.
  assert.ok(/No space left on device|no space left on device \(ENOSPC\)/.test(error.message), `the message says the disk is full: ${error.message}`);
  return true;
}

describe('a full disk', { skip: 'refused' in disk ? disk.refused : false }, () => {
  const full = 'point' in disk ? disk.point : '';
  let dir: string;
  let images: string[];
  let video: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flipbook-full-in-'));
    images = [];
    for (let i = 0; i < FRAMES; i++) {
      const file = join(dir, `img_${String(i).padStart(3, '0')}.png`);
      await writeFile(file, encodePng({ width: WIDTH, height: HEIGHT, channels: 3, data: noise(i + 1) }));
      images.push(file);
    }
    video = join(dir, 'noise.mp4');
    await stitch(images, video, { fps: 10, crf: 1, preset: 'ultrafast' });
  });
  after(() => {
    execFileSync('umount', [full]);
    rmSync(full, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  async function leftovers(): Promise<string[]> {
    return readdir(full, { recursive: true });
  }

  for (const ext of ['gif', 'mp4', 'webp', 'apng']) {
    it(`stitch to .${ext}: the error names the output, and nothing is left`, async () => {
      const output = join(full, `out.${ext}`);
      let last: Progress | undefined;
      await assert.rejects(
        stitch(images, output, { fps: 10, ...(ext === 'mp4' ? { preset: 'ultrafast', crf: 1 } : {}), onProgress: (p) => (last = p) }),
        (error: unknown) => assertNamesOutput(error, output),
      );
      // libwebp_anim gives the whole animation as one packet at the end: it can only fail there.
      if (ext !== 'webp') assert.ok(last !== undefined && last.frame < last.total, `the work stopped at step ${last?.frame} of ${last?.total}`);
      assert.deepEqual(await leftovers(), []);
    });
  }

  for (const ext of ['mp4', 'gif']) {
    it(`stitch to .${ext} with jobs 2: the error names the output, not only a segment's hidden file, and nothing is left`, async () => {
      const output = join(full, `parallel.${ext}`);
      // Enough frames to be cut into segments.
      const many = Array.from({ length: 200 }, (_, i) => images[i % images.length] as string);
      await assert.rejects(stitch(many, output, { fps: 10, jobs: 2, ...(ext === 'mp4' ? { preset: 'ultrafast', crf: 1 } : {}) }), (error: unknown) => {
        assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
        assert.ok(error.message.includes(output), `the message names ${output}: ${error.message}`);
        assert.match(error.message, /^Segment \d of 2/, 'a segment failed');
        assert.ok(/No space left on device|no space left on device \(ENOSPC\)/.test(error.message), `the message says the disk is full: ${error.message}`);
        return true;
      });
      assert.deepEqual(await leftovers(), []);
    });
  }

  it('sheet: the error names the output, and nothing is left', async () => {
    const output = join(full, 'sheet.png');
    await assert.rejects(contactSheet(video, output, { width: 3000, columns: 4, rows: 4 }), (error: unknown) => assertNamesOutput(error, output));
    assert.deepEqual(await leftovers(), []);
  });

  it('split: the error names the frame file, the work stops, and nothing is left', async () => {
    const output = join(full, 'frames', 'f_%03d.png');
    let last: Progress | undefined;
    await assert.rejects(split(video, output, { onProgress: (p) => (last = p) }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.equal(error.code, 'IO');
      assert.match(error.message, new RegExp(`^Cannot write ${join(full, 'frames')}/f_\\d{3}\\.png: no space left on device \\(ENOSPC\\)$`));
      return true;
    });
    assert.ok((last?.frame ?? 0) < FRAMES, `the work stopped at frame ${last?.frame} of ${FRAMES}`);
    assert.deepEqual(await leftovers(), []);
  });

  it('the frame writer whose spool fills the temporary folder: write() fails at once, naming the output', async () => {
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = full;
    const outDir = join(dir, 'writer');
    mkdirSync(outDir);
    const output = join(outDir, 'drawn.gif');
    const writer = createWriter(output, { width: WIDTH, height: HEIGHT, fps: 10 });
    let written = 0;
    try {
      await assert.rejects(
        (async () => {
          for (; written < 200; written++) await writer.write(noise(written + 7), { layout: 'rgb' });
          await writer.close();
        })(),
        (error: unknown) => {
          assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
          assert.equal(error.code, 'IO');
          assert.ok(error.message.includes(output), `the message names ${output}: ${error.message}`);
          assert.ok(error.message.endsWith(': no space left on device (ENOSPC)'), error.message);
          return true;
        },
      );
    } finally {
      process.env.TMPDIR = previous;
      if (previous === undefined) delete process.env.TMPDIR;
      await writer.abort();
    }
    assert.ok(written < 20, `write() failed ${written} frames in, not at close`);
    assert.deepEqual(await leftovers(), [], 'the spool is removed');
    assert.deepEqual(await readdir(outDir), [], 'no output and no temporary file');
  });
});
