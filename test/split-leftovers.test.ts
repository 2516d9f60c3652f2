/**
 * A split killed (SIGKILL) while it writes its frames, before its commit, leaves its temporary
 * files (`.name.<tag>-<n>.flipbook.part`) and its lock file (`.flipbook-split.<tag>.lock`) in
 * the folder. The next split into that folder removes them once their process is gone, and
 * says so in one warning; while it still runs they are left alone, and a dry run only says
 * what it would remove. The user's files, and temporaries that are not a split's, are never
 * touched. One real child process, killed mid-write.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createWriter, planSplit, readImage, runSplit, split } from '../src/index.js';
import { solid } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';

// Compiled (npm test), the helper runs as JavaScript; from source, under tsx.
const COMPILED = import.meta.url.endsWith('.js');
const CHILD = fileURLToPath(new URL(`./helpers/split-killed.${COMPILED ? 'js' : 'ts'}`, import.meta.url));
const CHILD_ARGS = COMPILED ? [CHILD] : ['--import', import.meta.resolve('tsx'), CHILD];
const name = (n: number): string => `frame_${String(n).padStart(6, '0')}.png`;
const COLOURS: [number, number, number][] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [30 * i, 250 - 30 * i, 100]);

/** Every entry of the folder, by name, with its bytes (base64). */
async function contents(dir: string): Promise<Record<string, string>> {
  const now: Record<string, string> = {};
  for (const entry of (await readdir(dir)).sort()) now[entry] = (await readFile(join(dir, entry))).toString('base64');
  return now;
}

describe('split after a split killed while writing', () => {
  it('leaves a live split\'s temporaries alone, removes a killed one\'s once (a dry run only says so), and keeps every other file', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video, { width: 32, height: 24, fps: 10, preset: 'ultrafast', crf: 10 });
    for (const colour of COLOURS) await writer.write(solid(32, 24, colour).data, { layout: 'rgb' });
    await writer.close();

    const out = join(dir, 'frames');
    await mkdir(out);
    const user: Record<string, string> = {
      [name(1)]: 'old frame 1',
      [name(2)]: 'old frame 2',
      'notes.txt': 'the user\'s notes',
      // A stitch writing into the folder (SafeOutput's name), and a temporary no lock accounts for: not a split's to remove.
      '.movie.mp4.1a2b3c4d.flipbook.part': 'a video being written',
      [`.${name(9)}.0a1b2c3d-0.flipbook.part`]: 'no lock names its writer',
    };
    for (const [file, text] of Object.entries(user)) await writeFile(join(out, file), text);
    const userBytes = await contents(out);
    const pattern = join(out, 'frame_%06d.png');

    const child = spawn(process.execPath, [...CHILD_ARGS, video, pattern, '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    t.after(() => child.kill('SIGKILL'));
    await new Promise<void>((ready, fail) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('ready')) ready();
      });
      child.on('exit', () => fail(new Error(`the child ended before it was ready: ${stdout} ${stderr}`)));
    });

    // Alive, mid-write: its temporaries and lock stay, and nothing is said of them.
    const writing = await contents(out);
    const ours = (names: string[]): string[] => names.filter((f) => f.endsWith('.flipbook.part') && !(f in user));
    assert.ok(ours(Object.keys(writing)).length >= 3, `the child wrote at least 3 temporary frames: ${Object.keys(writing).join(', ')}`);
    assert.equal(Object.keys(writing).filter((f) => /^\.flipbook-split\.[0-9a-f]{8}\.lock$/.test(f)).length, 1, `one lock file: ${Object.keys(writing).join(', ')}`);
    const whileAlive: string[] = [];
    await planSplit(video, pattern, { overwrite: true, onWarning: (w) => whileAlive.push(w) });
    assert.deepEqual(await contents(out), writing, 'a live split\'s files are left alone');
    assert.deepEqual(whileAlive.filter((w) => w.includes('temporary')), [], 'nothing is said of a live split\'s files');

    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', 'the child was killed');
    const killed = await contents(out);
    const parts = ours(Object.keys(killed));
    assert.ok(parts.length >= 3, `the killed split left its temporaries: ${Object.keys(killed).join(', ')}`);
    for (const [file, bytes] of Object.entries(userBytes)) assert.equal(killed[file], bytes, `${file} untouched by the killed split`);

    // A dry run changes nothing, and says what a split would remove.
    const dryWarned: string[] = [];
    await planSplit(video, pattern, { overwrite: true, dryRun: true, onWarning: (w) => dryWarned.push(w) });
    assert.deepEqual(await contents(out), killed, 'a dry run leaves the folder as found');
    const would = dryWarned.filter((w) => w.includes('temporary'));
    assert.equal(would.length, 1, `the dry run says it once: ${JSON.stringify(dryWarned)}`);
    assert.ok(would[0]?.includes(`${parts.length} temporary file(s)`) && would[0].includes(out) && would[0].includes('would remove them') && would[0].includes(`process ${child.pid}`), `says how many, where, which process: ${would[0]}`);

    // The next split into the folder removes them, says so once, and writes its own frames.
    const warned: string[] = [];
    const result = await split(video, pattern, { startNumber: 101, onWarning: (w) => warned.push(w) });
    const said = warned.filter((w) => w.includes('temporary'));
    assert.equal(said.length, 1, `said once: ${JSON.stringify(warned)}`);
    assert.ok(said[0]?.startsWith(`Removed ${parts.length} temporary file(s) (.flipbook.part) from ${out}`) && said[0].includes(`process ${child.pid}`), `says what it removed: ${said[0]}`);
    assert.deepEqual(result.warnings.filter((w) => w.includes('temporary')), said, 'the result keeps the warning');
    const after = await contents(out);
    const expected = { ...userBytes };
    for (const n of [101, 102, 103, 104, 105, 106, 107, 108]) expected[name(n)] = after[name(n)] as string;
    assert.deepEqual(Object.keys(after).sort(), Object.keys(expected).sort(), 'the user\'s files, the foreign temporaries and the 8 new frames; no leftover, no lock');
    assert.deepEqual(after, expected, 'the user\'s files keep their bytes');
    assert.equal(result.frames, 8, 'eight frames written');
    for (const [i, colour] of COLOURS.entries()) {
      const image = await readImage(join(out, name(101 + i)), { layout: 'rgb' });
      assert.deepEqual([image.width, image.height], [32, 24], `${name(101 + i)} is 32x24`);
      const centre = (12 * 32 + 16) * 3;
      for (let c = 0; c < 3; c++) assert.ok(Math.abs((image.data[centre + c] as number) - colour[c]!) <= 6, `${name(101 + i)} channel ${c}: ${image.data[centre + c]} ~ ${colour[c]}`);
    }
  });

  it('tells a gone process by its pid and start time, leaves another host\'s alone, and a dry-run plan when run removes them first', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video, { width: 32, height: 24, fps: 10, preset: 'ultrafast' });
    for (const colour of COLOURS.slice(0, 2)) await writer.write(solid(32, 24, colour).data, { layout: 'rgb' });
    await writer.close();
    const out = join(dir, 'frames');
    await mkdir(out);
    // A pid that no longer runs: a finished child's.
    const gone = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const locks = {
      aaaaaaaa: { pid: gone, host: hostname(), start: '1' }, // no such process
      bbbbbbbb: { pid: process.pid, host: hostname(), start: 'another' }, // this pid, started at another time: reused
      cccccccc: { pid: gone, host: `not-${hostname()}`, start: '1' }, // another host's: cannot be checked
    };
    for (const [tag, lock] of Object.entries(locks)) {
      await writeFile(join(out, `.flipbook-split.${tag}.lock`), JSON.stringify(lock));
      await writeFile(join(out, `.${name(1)}.${tag}-0.flipbook.part`), 'left');
      await writeFile(join(out, `.${name(2)}.${tag}-1.flipbook.part`), 'left');
    }
    const found = await contents(out);
    const dryWarned: string[] = [];
    const plan = await planSplit(video, join(out, 'frame_%06d.png'), { dryRun: true, onWarning: (w) => dryWarned.push(w) });
    assert.deepEqual(await contents(out), found, 'the dry-run plan changed nothing');
    assert.ok(dryWarned.some((w) => w.startsWith(`4 temporary file(s) (.flipbook.part) in ${out}`) && w.includes('would remove them')), `the dry run counts the 4 of the gone processes: ${JSON.stringify(dryWarned)}`);
    const warned: string[] = [];
    const result = await runSplit(plan, { onWarning: (w) => warned.push(w) });
    assert.equal(result.frames, 2, 'the split ran');
    assert.ok(warned.some((w) => w.startsWith(`Removed 4 temporary file(s) (.flipbook.part) from ${out}`)), `running the plan removed them: ${JSON.stringify(warned)}`);
    const left = Object.keys(await contents(out));
    assert.deepEqual(left, ['.flipbook-split.cccccccc.lock', `.${name(1)}.cccccccc-0.flipbook.part`, `.${name(2)}.cccccccc-1.flipbook.part`, name(1), name(2)], 'only the other host\'s files are left, beside the new frames');
  });
});
