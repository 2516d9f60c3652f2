/**
 * Regressions found by the benchmark: the encoder chooses frame types itself (decoded images
 * carry an I-frame tag that x264 and libvpx would obey), and decoders reused from image to
 * image decode each image on its own (a PNG decoder would otherwise take a same-size image
 * as a difference from the previous one).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ImageDecoders, decodeImage } from '../src/engine/index.js';
import { stitch } from '../src/index.js';
import { scene } from './helpers/images.js';
import { writePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

async function writeScenes(dir: string, count: number, width = 96, height = 64): Promise<string[]> {
  const files: string[] = [];
  for (let n = 0; n < count; n++) files.push(await writePng(join(dir, `s_${n}.png`), scene(width, height, n)));
  return files;
}

describe('encoding', () => {
  for (const [extension, codec] of [['mp4', 'h264'], ['webm', 'vp9']] as const) {
    it(`${codec}: one keyframe in a short video, not one a frame`, async (t) => {
      const dir = await tempDir(t);
      const files = await writeScenes(dir, 40);
      const output = join(dir, `out.${extension}`);
      const result = await stitch(files, output, { preset: 'ultrafast' });
      assert.equal(result.frames, 40);
      const back = await readVideo(output);
      assert.equal(back.frames.length, 40);
      const keyframes = back.frames.filter((f) => f.keyframe).map((f) => f.index);
      assert.deepEqual(keyframes, [0], `keyframes at ${keyframes.join(', ')}`);
      // The reference ffprobe, where it is installed, counts the same.
      const probe = spawnSync('ffprobe', ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', output], { encoding: 'utf8' });
      if (probe.status === 0) assert.equal(probe.stdout.split('\n').filter((l) => l.startsWith('1')).length, 1);
    });
  }

  it('a reused decoder decodes each same-size image on its own', async (t) => {
    const dir = await tempDir(t);
    const files = await writeScenes(dir, 6);
    const decoders = new ImageDecoders();
    try {
      for (const file of [...files, ...files.slice().reverse()]) {
        const bytes = await readFile(file);
        const fresh = await decodeImage(bytes, 'png', file);
        const reused = await decoders.decode(bytes, 'png', file);
        assert.ok(fresh.toBuffer().equals(reused.toBuffer()), `${file}: a reused decoder gave other pixels`);
        fresh.release();
        reused.release();
      }
    } finally {
      decoders.close();
    }
  });
});
