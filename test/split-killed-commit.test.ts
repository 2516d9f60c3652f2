/**
 * A split killed (SIGKILL, which no handler sees) while it moves its frames into place leaves
 * backups (`.name.<tag>.flipbook.old`) and temporaries in the folder. The next split into that
 * folder notices them before it looks at what exists, puts the folder back to all old files
 * (killed while moving) or all new ones (killed after every file was in place), and says what
 * it did in a warning. Each state is made by a real child process that kills itself at that
 * moment of the commit; backups left without a record (older versions) are moved back when
 * their name is free and left alone otherwise.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { createWriter, planSplit } from '../src/index.js';
import { solid } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';

// Compiled (npm test), the helper runs as JavaScript; from source, under tsx (about 1 s of CPU more a start).
const COMPILED = import.meta.url.endsWith('.js');
const CHILD = fileURLToPath(new URL(`./helpers/commit-killed.${COMPILED ? 'js' : 'ts'}`, import.meta.url));
const CHILD_ARGS = COMPILED ? [CHILD] : ['--import', import.meta.resolve('tsx'), CHILD];
const name = (n: number): string => `frame_${String(n).padStart(6, '0')}.png`;

/** Every entry of the folder, by name, with its text. */
async function contents(dir: string): Promise<Record<string, string>> {
  const now: Record<string, string> = {};
  for (const entry of (await readdir(dir)).sort()) now[entry] = await readFile(join(dir, entry), 'utf8');
  return now;
}

const OLD = Object.fromEntries([1, 2, 3, 4].map((n) => [name(n), `old frame ${n}`]));
const NEW = Object.fromEntries([1, 2, 3, 4, 5].map((n) => [name(n), `new frame ${n}`]));

describe('split after a split killed during its commit', () => {
  it('undoes a commit killed while moving, finishes one killed after all files were in place, and says so', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video, { width: 32, height: 24, fps: 10, preset: 'ultrafast' });
    for (let i = 0; i < 3; i++) await writer.write(solid(32, 24, [200, 40 * i, 10]).data, { layout: 'rgb' });
    await writer.close();
    // The commit's calls, in order: 1 the record; 2-9 frames 1-4, each moved aside then
    // replaced; 10-11 frame 5 (nothing to move aside); 12 "all in place"; 13-16 the backups
    // removed. Killed at 1 (the record written, not yet in place), 5 (frame 2 moved aside, not
    // replaced), 12 (every file moved, not yet marked) and 13 (marked, backups still there).
    const cases = [
      { at: 1, expected: OLD, said: /undid it, 0 replaced file\(s\) restored .* and 0 new file\(s\) removed/, wouldSay: /a split would undo it, restoring 0 replaced file\(s\) .* and removing 0 new file\(s\) \(dry run: nothing was changed\)/ },
      { at: 5, expected: OLD, said: /undid it, 2 replaced file\(s\) restored .* and 0 new file\(s\) removed/, wouldSay: /a split would undo it, restoring 2 replaced file\(s\) .* and removing 0 new file\(s\) \(dry run/ },
      { at: 12, expected: OLD, said: /undid it, 4 replaced file\(s\) restored .* and 1 new file\(s\) removed/, wouldSay: /a split would undo it, restoring 4 replaced file\(s\) .* and removing 1 new file\(s\) \(dry run/ },
      { at: 13, expected: NEW, said: /after it had put all 5 new files in place: finished it, removing 4 backup file\(s\)/, wouldSay: /in place: a split would finish it, removing 4 backup file\(s\) .*\(dry run: nothing was changed\)/ },
    ];
    await Promise.all(
      cases.map(async ({ at }) => {
        const out = join(dir, `killed-at-${at}`);
        await mkdir(out);
        for (const [file, text] of Object.entries(OLD)) await writeFile(join(out, file), text);
        const killed = await promisify(execFile)(process.execPath, [...CHILD_ARGS, out, String(at)]).then(
          () => undefined,
          (e: { signal?: string }) => e.signal,
        );
        assert.equal(killed, 'SIGKILL', `the child was killed at call ${at}`);
      }),
    );
    for (const { at, expected, said, wouldSay } of cases) {
      const out = join(dir, `killed-at-${at}`);
      const found = await contents(out);
      const left = Object.keys(found);
      assert.ok(left.some((f) => f.endsWith(at === 1 ? '.flipbook.part' : '.flipbook.old')), `killed at ${at}: ${at === 1 ? 'temporaries' : 'backups'} were left (${left.join(', ')})`);
      // A dry run changes nothing on disk: it says what the split would do, once.
      const dryWarned: string[] = [];
      const dry = await planSplit(video, join(out, 'frame_%06d.png'), { overwrite: true, dryRun: true, onWarning: (w) => dryWarned.push(w) });
      assert.deepEqual(await contents(out), found, `killed at ${at}: a dry run left every file as found`);
      const would = dryWarned.filter((w) => w.includes('was stopped (killed)'));
      assert.equal(would.length, 1, `killed at ${at}: one warning from the dry run, among ${JSON.stringify(dryWarned)}`);
      assert.match(would[0] as string, wouldSay, `killed at ${at}, dry run`);
      assert.deepEqual(dry.warnings, dryWarned, 'the plan keeps what onWarning heard');
      const warned: string[] = [];
      const plan = await planSplit(video, join(out, 'frame_%06d.png'), { overwrite: true, onWarning: (w) => warned.push(w) });
      const notice = plan.warnings.find((w) => w.includes('was stopped (killed)'));
      assert.ok(notice, `killed at ${at}: a warning says what was done, among ${JSON.stringify(plan.warnings)}`);
      assert.match(notice, said, `killed at ${at}`);
      assert.ok(notice.includes(out), `names the folder: ${notice}`);
      assert.deepEqual(await contents(out), expected, `killed at ${at}: the folder holds ${expected === OLD ? 'the old files, each with its bytes' : 'all new files'}, and nothing else`);
    }
  });

  it('moves a backup left without a record back to its free name, and leaves one beside its file alone', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video, { width: 32, height: 24, fps: 10, preset: 'ultrafast' });
    for (let i = 0; i < 2; i++) await writer.write(solid(32, 24, [10, 40 * i, 200]).data, { layout: 'rgb' });
    await writer.close();
    const out = join(dir, 'frames');
    await mkdir(out);
    await writeFile(join(out, name(1)), 'new frame 1');
    await writeFile(join(out, `.${name(1)}.0a1b2c3d-0.flipbook.old`), 'old frame 1');
    await writeFile(join(out, `.${name(2)}.0a1b2c3d-1.flipbook.old`), 'old frame 2');
    const plan = await planSplit(video, join(out, 'frame_%06d.png'), { overwrite: true });
    assert.deepEqual(await contents(out), { [`.${name(1)}.0a1b2c3d-0.flipbook.old`]: 'old frame 1', [name(1)]: 'new frame 1', [name(2)]: 'old frame 2' }, 'frame 2 back under its name; frame 1 and its backup untouched');
    assert.ok(plan.warnings.some((w) => w.includes('1 file(s)') && w.includes('moved back')), `says what it moved: ${JSON.stringify(plan.warnings)}`);
    assert.ok(plan.warnings.some((w) => w.includes(`.${name(1)}.0a1b2c3d-0.flipbook.old`) && w.includes('left alone')), `names what it left: ${JSON.stringify(plan.warnings)}`);
  });
});
