/**
 * The stderr guard (src/cli/stderr-guard.ts): x264 prints a failed allocation straight to the
 * process's fd 2 (`x264 [error]: malloc of size ... failed`), past FFmpeg's log. Under an
 * address-space limit the command runs itself as a child whose fd 2 is a pipe: that line never
 * reaches the terminal, and the run fails with one flipbook error naming the output. With
 * FLIPBOOK_GUARD_STDERR=1 an ordinary run goes through the guard and behaves as unguarded.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { cliBundle, finished, lines, runCli } from './helpers/cli.js';
import { writeSolidFrames } from './helpers/frames.js';
import { leftoverParts, listDir, tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

/**
 * `ulimit -v` (kB) under which Node, node-av and the scaling of two 64x48 images to 8192x4320
 * fit, but x264 at preset placebo cannot allocate its frames at open: it fails from about
 * 1,500,000 to 2,500,000 kB on Linux x64 (measured; below, Node cannot map node-av; above,
 * other allocations fail first or it all fits).
 */
const ADDRESS_SPACE_KB = 2_000_000;

const GUARDED = { FLIPBOOK_GUARD_STDERR: '1' };

describe('encoder stderr: x264 out of memory under ulimit -v', { skip: process.platform !== 'linux' && 'ulimit -v and /proc/self/limits: Linux' }, () => {
  it('no raw x264 line: one flipbook error naming the output and the limit, exit 1, nothing left', async (t) => {
    const dir = await tempDir(t);
    const inputs = await writeSolidFrames(dir, [
      { name: 'a.png', colour: 0 },
      { name: 'b.png', colour: 1 },
    ]);
    const out = join(dir, 'out', 'huge.mp4');
    // Only the command runs under the limit (not the test's own Node); bash's exec keeps the pid.
    const child = spawn('bash', ['-c', `ulimit -v ${ADDRESS_SPACE_KB} && exec "$0" "$@"`, process.execPath, cliBundle(), 'stitch', ...inputs, '-o', out, '--size', '8192x4320', '--preset', 'placebo'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result = await finished(child);
    assert.equal(result.code, 1, `exit 1 (the job failed): ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /^x264 \[/m, `no raw x264 line: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /^\[\w+ @ 0x/m, `no raw FFmpeg line: ${result.stderr}`);
    const errors = lines(result.stderr).filter((line) => line.startsWith('flipbook: error:'));
    assert.equal(errors.length, 1, `one error line: ${result.stderr}`);
    const error = errors[0] ?? '';
    assert.ok(error.includes(`The encoder ran out of memory writing ${out}: x264 could not allocate `), `says the encoder ran out of memory, naming the output: ${error}`);
    assert.ok(error.includes(`address-space limit (ulimit -v: ${ADDRESS_SPACE_KB} kB)`), `names the limit that refused: ${error}`);
    assert.ok(error.includes('Set a smaller --size'), `says what helps, as a flag: ${error}`);
    assert.equal(existsSync(out), false, 'no output');
    assert.deepEqual(await leftoverParts(join(dir, 'out')), [], 'no temporary file');
  });
});

describe('encoder stderr: FLIPBOOK_GUARD_STDERR=1 on an ordinary run', () => {
  it('a stitch: exit 0, the video decodes, --json events parse, a warning arrives', async (t) => {
    const dir = await tempDir(t);
    const inputs = await writeSolidFrames(dir, [
      { name: 'a.png', colour: 0 },
      { name: 'b.png', colour: 1 },
      { name: 'c.png', colour: 2 },
    ]);
    const out = join(dir, 'out.mp4');
    // --size other than the images': each is fitted, with a warning.
    const plain = await runCli(['stitch', ...inputs, '-o', out, '--size', '96x48', '--preset', 'ultrafast'], { env: GUARDED });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(lines(plain.stderr), ['flipbook: Fitted 3 of 3 images to 96x48 (--fit contain)'], 'the warning, on stderr, alone');
    const back = await readVideo(out);
    assert.equal(back.frames.length, 3, 'three frames decoded');
    assert.deepEqual([back.video.width, back.video.height], [96, 48], 'the asked size');

    const json = await runCli(['stitch', ...inputs, '-o', join(dir, 'json.mp4'), '--size', '96x48', '--preset', 'ultrafast', '--json'], { env: GUARDED });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.stderr, '', 'with --json, nothing on stderr');
    const events = lines(json.stdout).map((line) => JSON.parse(line) as { event: string; frames?: number; message?: string });
    assert.deepEqual(events[0], { event: 'warning', message: 'Fitted 3 of 3 images to 96x48 (--fit contain)' });
    assert.equal(events.at(-1)?.event, 'done', json.stdout);
    assert.equal(events.at(-1)?.frames, 3, json.stdout);
    assert.deepEqual((await listDir(dir)).sort(), ['a.png', 'b.png', 'c.png', 'json.mp4', 'out.mp4']);
  });

  it('a usage error: its one line, exit 2', async () => {
    const result = await runCli(['stitch', 'a.png', '-o', 'out.mp4', '--no-such-flag'], { env: GUARDED });
    assert.equal(result.code, 2, result.stderr);
    assert.deepEqual(lines(result.stderr), ["flipbook: error: unknown option '--no-such-flag' (see flipbook stitch --help)"]);
    assert.equal(result.stdout, '');
  });

  /** A stitch of many seconds under the guard, started in a process group of its own (as a shell starts a job). */
  async function longGuardedStitch(t: Parameters<typeof tempDir>[0]): Promise<{ out: string; child: ReturnType<typeof spawn> }> {
    const dir = await tempDir(t);
    const pictures = await writeSolidFrames(
      dir,
      [0, 1, 2, 3].map((colour) => ({ name: `p${colour}.png`, colour })),
      320,
      240,
    );
    const out = join(dir, 'out', 'long.mp4');
    const inputs = Array.from({ length: 120 }, (_, i) => pictures[i % pictures.length] as string);
    const child = spawn(process.execPath, [cliBundle(), 'stitch', ...inputs, '-o', out, '--preset', 'veryslow', '--json'], {
      env: { ...process.env, NO_COLOR: '1', ...GUARDED },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    return { out, child };
  }

  /** Waits for the first progress line, then sends `signal` to the parent alone or to its whole group (a terminal's Ctrl-C). */
  function signalWhenUnderWay(child: ReturnType<typeof spawn>, signal: NodeJS.Signals, group: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer | string) => {
        stdout += String(chunk);
        if (!stdout.split('\n').some((line) => line.startsWith('{"event":"progress"'))) return;
        child.stdout?.removeAllListeners('data');
        if (group) process.kill(-(child.pid as number), signal);
        else child.kill(signal);
        resolve();
      });
      child.on('exit', () => reject(new Error(`exited before the first progress line: ${stdout}`)));
    });
  }

  // To the parent alone, the child hears of it only through the parent: a SIGINT so sent (kill
  // -INT, a supervisor) was not passed on, and the run went on to write the whole video, exit 0.
  for (const [signal, code, group] of [
    ['SIGTERM', 143, false],
    ['SIGINT', 130, false],
    ['SIGINT', 130, true],
  ] as const) {
    it(`${signal} to the guarded ${group ? 'process group (a Ctrl-C, which reaches the child twice: taken once)' : 'parent alone'} mid-encode: exit ${code}, nothing at the destination`, async (t) => {
      const { out, child } = await longGuardedStitch(t);
      const result = finished(child);
      await signalWhenUnderWay(child, signal, group);
      const { code: exitCode, signal: killedBy, stderr } = await result;
      assert.deepEqual([exitCode, killedBy], [code, null], stderr);
      assert.match(stderr, new RegExp(`^flipbook: error: interrupted by ${signal}; no output was left behind\\n$`));
      assert.equal(existsSync(out), false, 'no output');
      assert.deepEqual(await leftoverParts(join(out, '..')), [], 'no temporary file');
    });
  }
});
