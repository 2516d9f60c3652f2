/**
 * Temporary outputs of a process killed outright or aborted by native code (which cannot remove
 * its own) are removed by the next run writing into their folder: the video's hidden
 * `.name.<hex>-<pid>-<host>-<start>.flipbook.part` beside it, a GIF's spool in the temporary
 * folder, a segment directory. Only this host's files of processes that no longer run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { hostTag, ownOwner } from '../src/output/owner.js';
import { SafeOutput, ownerToken } from '../src/output/safe-output.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

/** The pid of a process that has ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

const PART = '.flipbook.part';

describe('temporary outputs left by a process that no longer runs', () => {
  it("are removed when an output is made in their folder: this host's, of ended processes only", async (t) => {
    const dir = await tempDir(t);
    const self = ownOwner();
    const here = hostTag(self.host);
    const dead = await deadPid();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    t.after(() => sleeper.kill());
    const start36 = self.start === undefined ? 'x' : Number(self.start).toString(36);
    const names = {
      dead: `.a.mp4.1a2b3c4d-${dead}-${here}-x${PART}`,
      deadSegments: `.a.mp4.2b3c4d5e-${dead}-${here}-x.segments${PART}`,
      reused: `.a.mp4.3c4d5e6f-${self.pid}-${here}-${self.start === undefined ? 'x' : (Number(self.start) + 1).toString(36)}${PART}`,
      mine: `.a.mp4.4d5e6f70-${self.pid}-${here}-${start36}${PART}`,
      running: `.a.mp4.5e6f7081-${sleeper.pid}-${here}-x${PART}`,
      otherHost: `.a.mp4.6f708192-${dead}-${hostTag(`${self.host}-elsewhere`)}-x${PART}`,
      older: `.a.mp4.708192a3${PART}`,
      user: 'a.mp4',
    };
    for (const [key, name] of Object.entries(names)) {
      if (key === 'deadSegments') {
        await mkdir(join(dir, name));
        await writeFile(join(dir, name, 'segment-00000.nut'), 'part of a segment');
      } else await writeFile(join(dir, name), key);
    }
    const out = await SafeOutput.create(join(dir, 'b.mp4'), { overwrite: false, inputs: [] });
    assert.ok(out.temporary.endsWith(`-${ownerToken()}${PART}`), `its own name says whose it is: ${out.temporary}`);
    const left = new Set(await readdir(dir));
    assert.ok(!left.has(names.dead), 'an ended process: removed');
    assert.ok(!left.has(names.deadSegments), "an ended process's segment directory: removed");
    if (self.start !== undefined) assert.ok(!left.has(names.reused), 'this pid with another start time (a reused pid): removed');
    for (const key of ['mine', 'running', 'otherHost', 'older', 'user'] as const) assert.ok(left.has(names[key]), `${key}: kept`);
    await out.discard();
  });

  it('a render aborted by native code leaves its part; the next run into the folder removes it, and a GIF spool in the temporary folder', async (t) => {
    const dir = await tempDir(t);
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    // process.abort(), as a native crash does (a canvas library's panic): no exit handler runs.
    await writeFile(
      join(dir, 'crash.mjs'),
      ['export const width = 64, height = 48, fps = 25;', 'export function draw(ctx, { index }) {', "  ctx.fillStyle = '#3a6';", '  ctx.fillRect(0, 0, width, height);', '  if (index === 12) process.abort();', '}'].join('\n'),
    );
    const env = { TMPDIR: tmp };
    for (const output of ['crash.mp4', 'crash.gif']) {
      const crashed = await runCli(['render', 'crash.mjs', '-o', output, '--frames', '40', '--quiet'], { cwd: dir, env });
      assert.equal(crashed.signal, 'SIGABRT', `${output}: aborted (${crashed.code} ${crashed.stderr})`);
    }
    const parts = async (folder: string): Promise<string[]> => (await readdir(folder)).filter((n) => n.endsWith(PART));
    assert.equal((await parts(dir)).length, 1, `the MP4's part is left beside it: ${(await readdir(dir)).join(', ')}`);
    assert.ok((await parts(tmp)).length >= 1, `the GIF's spool is left in the temporary folder: ${(await readdir(tmp)).join(', ')}`);
    const ok = await runCli(['render', 'crash.mjs', '-o', 'fine.gif', '--frames', '10', '--quiet'], { cwd: dir, env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(await parts(dir), [], 'the next run removed the MP4 part');
    assert.deepEqual(await parts(tmp), [], "and the GIF's spool");
    assert.ok((await readdir(dir)).includes('fine.gif'));
  });
});
