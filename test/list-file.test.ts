/**
 * List files as FFmpeg's concat format reads them (quotes, escapes, directives). A list file that holds an image inline (`data:image/png;base64,...`, kilobytes on one line)
 * is refused with an error that quotes the start of the entry and its length, never the whole
 * string; a file that is really named `data:...,x.png` is still read.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, stitch } from '../src/index.js';
import { readListFile } from '../src/inputs/list-file.js';
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

  it("names as FFmpeg's concat reads them: # and spaces inside quotes, a quoted name without a duration, backslash escapes; other concat directives and a directory entry said clearly", async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'sub'));
    for (const name of ['photo #1.png', 'holiday 2.png', "it's.png", 'sub/b c.png']) await writeFile(join(dir, name), encodePng(solid(16, 16, [0, 0, 200])));
    const list = async (name: string, body: string) => {
      await writeFile(join(dir, name), body);
      return readListFile(join(dir, name));
    };
    const names = (entries: { file: string; duration: number | undefined }[]) => entries.map((e) => [e.file.slice(dir.length + 1), e.duration]);
    // It read 'photo as the name (# taken for a comment), and "2.png'" as a duration.
    assert.deepEqual(names(await list('a.ffconcat', "ffconcat version 1.0\nfile 'photo #1.png'\nduration 2\nfile sub/b\\ c.png\nfile 'it'\\''s.png' # a comment\n")), [
      ['photo #1.png', 2],
      ['sub/b c.png', undefined],
      ["it's.png", undefined],
    ]);
    assert.deepEqual(names(await list('b.txt', "'holiday 2.png'\n'photo #1.png' 1.5s  # the first\nholiday 2.png 3\n# a comment\n")), [
      ['holiday 2.png', undefined],
      ['photo #1.png', 1.5],
      ['holiday 2.png', 3],
    ]);
    await assert.rejects(list('c.ffconcat', "ffconcat version 1.0\nfile 'holiday 2.png'\ninpoint 0\n"), {
      code: 'INVALID_INPUT',
      message: `${join(dir, 'c.ffconcat')} line 3: flipbook reads the concat directives file and duration, not inpoint. Write one "path [duration]" per line, such as: photo.jpg 2.5s`,
    });
    // A directory in a list: said as such (it was a bare "EISDIR: illegal operation on a directory, read").
    await writeFile(join(dir, 'd.txt'), 'sub\n');
    await assert.rejects(stitch(join(dir, 'd.txt'), join(dir, 'out.mp4')), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_INPUT');
      assert.match(error.message, /^Cannot open .*sub \(input 1\): it is a directory\. Give the path of a file$/);
      return true;
    });
  });

  it('a file really named data:...,x.png is read', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'data:image,x.png'), encodePng(solid(16, 16, [0, 200, 0])));
    await writeFile(join(dir, 'list.txt'), 'data:image,x.png\ndata:image,x.png\n');
    const result = await stitch(join(dir, 'list.txt'), join(dir, 'out.mp4'), { preset: 'ultrafast' });
    assert.equal(result.frames, 2);
  });
});
