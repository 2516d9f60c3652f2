/**
 * A list file that holds an image inline (`data:image/png;base64,...`, kilobytes on one line)
 * is refused with an error that quotes the start of the entry and its length, never the whole
 * string; a file that is really named `data:...,x.png` is still read.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';
import { encodePng } from './helpers/png.js';
import { tempDir } from './helpers/temp.js';

describe('list files', () => {
  it('a data: URI entry is refused with its start and length, not its 4000 characters', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'a.png'), encodePng(solid(16, 16, [200, 0, 0])));
    const base64 = encodePng(solid(40, 40, [0, 0, 200])).toString('base64').padEnd(4000, 'A');
    const uri = `data:image/png;base64,${base64}`;
    const list = join(dir, 'list.txt');
    for (const line of [uri, `file '${uri}'`, `${uri} 2s`]) {
      await writeFile(list, `a.png\n${line}\n`);
      await assert.rejects(stitch(list, join(dir, 'out.mp4')), (error: unknown) => {
        assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
        assert.equal(error.code, 'INVALID_INPUT');
        assert.equal(error.file, list);
        assert.equal(error.message, `${list} line 2: "data:image/png;base64,${base64.slice(0, 12)}..." is a data: URI (${uri.length} characters), not a file. Write one "path [duration]" per line, such as: photo.jpg 2.5s`);
        return true;
      });
    }
    const result = await runCli(['stitch', 'list.txt', '-o', 'out.mp4'], { cwd: dir });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.length < 300, `a short error (${result.stderr.length} characters): ${result.stderr.slice(0, 300)}`);
  });

  it('a file really named data:...,x.png is read', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'data:image,x.png'), encodePng(solid(16, 16, [0, 200, 0])));
    await writeFile(join(dir, 'list.txt'), 'data:image,x.png\ndata:image,x.png\n');
    const result = await stitch(join(dir, 'list.txt'), join(dir, 'out.mp4'), { preset: 'ultrafast' });
    assert.equal(result.frames, 2);
  });
});
