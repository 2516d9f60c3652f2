/**
 * The safe output (src/output/safe-output.ts): checkOutput's refusals (an existing file without
 * overwrite, a directory, an input, also through a link) and SafeOutput's temporary file beside
 * the destination, renamed into place on commit, removed on discard, never replacing a file that
 * appeared meanwhile unless overwriting.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError } from '../../src/errors.js';
import { SafeOutput, checkOutput } from '../../src/output/safe-output.js';
import { listDir, tempDir } from '../helpers/temp.js';

async function rejectsWith(promise: Promise<unknown>, code: string, option: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.option, option);
    assert.match(error.message, message);
    return true;
  });
}

describe('checkOutput', () => {
  it('passes a new file, refuses an existing one without overwrite, and a directory even with it', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'movie.mp4');
    await checkOutput(out, { overwrite: false, inputs: [] });
    await writeFile(out, 'old');
    await rejectsWith(checkOutput(out, { overwrite: false, inputs: [] }), 'OUTPUT_EXISTS', 'overwrite', /already exists\. Pass overwrite: true to replace it$/);
    await checkOutput(out, { overwrite: true, inputs: [] });
    await rejectsWith(checkOutput(dir, { overwrite: true, inputs: [] }), 'OUTPUT_EXISTS', 'output', /is a directory/);
  });

  it('refuses an input as the output, by path, symbolic link or hard link, even with overwrite', async (t) => {
    const dir = await tempDir(t);
    const input = join(dir, 'a.png');
    await writeFile(input, 'image');
    await symlink(input, join(dir, 'soft.png'));
    await link(input, join(dir, 'hard.png'));
    for (const name of ['a.png', 'soft.png', 'hard.png']) {
      await rejectsWith(checkOutput(join(dir, name), { overwrite: true, inputs: [input] }), 'OUTPUT_IS_INPUT', 'output', /is one of the inputs/);
    }
    assert.equal(await readFile(input, 'utf8'), 'image', 'the input is untouched');
  });
});

describe('SafeOutput', () => {
  it('writes beside the destination under a hidden temporary name and renames it on commit', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'sub', 'movie.mp4');
    const safe = await SafeOutput.create(out, { overwrite: false, inputs: [] });
    assert.equal(dirname(safe.temporary), dirname(out), 'the temporary file is in the destination\'s directory (created)');
    // `.movie.mp4.<random>-<pid>-<host tag>-<start>.flipbook.part`: whose it is (stale-parts.test.ts).
    assert.match(basename(safe.temporary), new RegExp(`^\\.movie\\.mp4\\.[0-9a-f]{8}-${process.pid}-[0-9a-f]{6}-[0-9a-z]+\\.flipbook\\.part$`));
    await writeFile(safe.temporary, 'video');
    assert.equal(existsSync(out), false, 'nothing at the destination before commit');
    await safe.commit();
    assert.equal(await readFile(out, 'utf8'), 'video');
    assert.deepEqual(await listDir(join(dir, 'sub')), ['movie.mp4'], 'no temporary file left');
  });

  it('discard removes the temporary file and leaves no output', async (t) => {
    const dir = await tempDir(t);
    const safe = await SafeOutput.create(join(dir, 'movie.mp4'), { overwrite: false, inputs: [] });
    await writeFile(safe.temporary, 'half');
    await safe.discard();
    assert.deepEqual(await listDir(dir), []);
  });

  it('without overwrite, a file that appeared meanwhile is kept and the run fails; with it, replaced', async (t) => {
    const dir = await tempDir(t);
    const out = join(dir, 'movie.mp4');
    const safe = await SafeOutput.create(out, { overwrite: false, inputs: [] });
    await writeFile(safe.temporary, 'ours');
    await writeFile(out, 'theirs');
    await rejectsWith(safe.commit(), 'OUTPUT_EXISTS', 'overwrite', /appeared while flipbook was writing it/);
    assert.equal(await readFile(out, 'utf8'), 'theirs', 'the other file is kept');
    assert.deepEqual(await listDir(dir), ['movie.mp4'], 'our temporary file is removed');

    const replacing = await SafeOutput.create(out, { overwrite: true, inputs: [] });
    await writeFile(replacing.temporary, 'ours');
    await replacing.commit();
    assert.equal(await readFile(out, 'utf8'), 'ours');
  });

  it('refuses to start when the output exists, creating nothing', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'x'));
    await writeFile(join(dir, 'x', 'movie.mp4'), 'old');
    await rejectsWith(SafeOutput.create(join(dir, 'x', 'movie.mp4'), { overwrite: false, inputs: [] }), 'OUTPUT_EXISTS', 'overwrite', /already exists/);
    assert.deepEqual(await listDir(join(dir, 'x')), ['movie.mp4']);
  });
});
