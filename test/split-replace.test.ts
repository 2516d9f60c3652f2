/**
 * `split` with overwrite into a folder that already holds frame files: the old files are
 * replaced only when the split completes. An abort after a few frames, an error mid-split, a
 * file that appears meanwhile, and a real SIGINT or SIGTERM to the command all leave the folder
 * exactly as it was: the same names with the same bytes, and no temporary file. A split that
 * completes replaces them with the new frames (decoded here) and leaves the others alone.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, createWriter, split } from '../src/index.js';
import { FrameFiles } from '../src/output/frame-files.js';
import { runCli, spawnCli, finished } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';
import { frameNumber, imagePixels, syntheticFrame } from './helpers/test-media.js';

const name = (n: number): string => `frame_${String(n).padStart(6, '0')}.png`;

/** A video of `count` numbered frames (the number is drawn as bars, readable after decoding). */
async function numberedVideo(file: string, count: number, width: number, height: number): Promise<void> {
  const writer = createWriter(file, { width, height, fps: 25, preset: 'ultrafast', crf: 12 });
  for (let n = 0; n < count; n++) await writer.write(syntheticFrame(n, width, height), { layout: 'rgb' });
  await writer.close();
}

/** A folder of `count` old frame files (their bytes say which they are) and what it holds. */
async function oldFrames(dir: string, count: number): Promise<Map<string, string>> {
  await mkdir(dir, { recursive: true });
  const before = new Map<string, string>();
  for (let n = 1; n <= count; n++) {
    const text = `old frame ${n}, from a split the user keeps`;
    await writeFile(join(dir, name(n)), text);
    before.set(name(n), text);
  }
  return before;
}

/** Every file in the folder, by name, with its bytes as text. */
async function contents(dir: string): Promise<Map<string, string>> {
  const now = new Map<string, string>();
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    now.set(entry.name, entry.isDirectory() ? '(a folder)' : await readFile(join(dir, entry.name), 'latin1'));
  }
  return now;
}

describe('split over existing frame files', () => {
  it('an abort after 5 frames leaves the old files as they were', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await numberedVideo(video, 40, 96, 64);
    const out = join(dir, 'frames');
    const before = await oldFrames(out, 50);
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      split(video, out, {
        overwrite: true,
        signal: controller.signal,
        onProgress: (p) => {
          seen = p.frame;
          if (p.frame >= 5) controller.abort();
        },
      }),
      (error: unknown) => error instanceof FlipbookError && error.code === 'ABORTED',
    );
    assert.ok(seen >= 5, `the split wrote ${seen} frames before the abort`);
    assert.deepEqual(await contents(out), before, 'the same files with the same bytes, and nothing else');
  });

  it('an error at frame 10 leaves the old files as they were', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await numberedVideo(video, 40, 96, 64);
    const out = join(dir, 'frames');
    const before = await oldFrames(out, 50);
    // Frame 10's name is taken by a folder: the split fails there, after frames 1 to 9.
    await rm(join(out, name(10)));
    await mkdir(join(out, name(10)));
    before.set(name(10), '(a folder)');
    let seen = 0;
    await assert.rejects(split(video, out, { overwrite: true, onProgress: (p) => (seen = p.frame) }), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
      assert.equal(error.file, join(out, name(10)));
      return true;
    });
    assert.ok(seen >= 5, `the split wrote ${seen} frames before the error`);
    assert.deepEqual(await contents(out), before, 'the same files with the same bytes, and nothing else');
  });

  it('without overwrite, a file that appears meanwhile stops the split, and nothing is written', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await numberedVideo(video, 20, 96, 64);
    const out = join(dir, 'frames');
    let appeared = false;
    await assert.rejects(
      split(video, out, {
        onProgress: (p) => {
          if (p.frame === 3 && !appeared) {
            appeared = true;
            void writeFile(join(out, name(15)), 'someone else wrote this');
          }
        },
      }),
      (error: unknown) => error instanceof FlipbookError && error.code === 'OUTPUT_EXISTS',
    );
    assert.ok(appeared, 'the file appeared during the split');
    assert.deepEqual(await contents(out), new Map([[name(15), 'someone else wrote this']]));
  });

  it('a file that appears between the last frame and the commit is refused naming overwrite as the library spells it', async (t) => {
    const dir = await tempDir(t);
    const files = new FrameFiles({ overwrite: false, inputs: [] });
    await files.write(join(dir, name(1)), new Uint8Array([1, 2, 3]));
    await writeFile(join(dir, name(1)), 'someone else wrote this');
    assert.throws(() => files.commit(), {
      code: 'OUTPUT_EXISTS',
      option: 'overwrite',
      // It said 'Pass --overwrite (-y)', the command's flag, to a library caller.
      message: `The output ${join(dir, name(1))} appeared while flipbook was writing it; no file was written. Pass overwrite: true to replace it`,
    });
    assert.deepEqual(await contents(dir), new Map([[name(1), 'someone else wrote this']]));
  });

  it('a split that completes replaces the old frames and leaves the rest', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await numberedVideo(video, 12, 96, 64);
    const out = join(dir, 'frames');
    const before = await oldFrames(out, 15);
    const result = await split(video, out, { overwrite: true, manifest: join(out, 'frames.csv') });
    assert.equal(result.frames, 12);
    const names = (await readdir(out)).sort();
    assert.deepEqual(names, [...Array.from({ length: 15 }, (_, i) => name(i + 1)), 'frames.csv'].sort(), 'no temporary or backup file is left');
    for (let n = 1; n <= 12; n++) {
      const image = await imagePixels(join(out, name(n)));
      assert.deepEqual([image.width, image.height], [96, 64]);
      assert.equal(frameNumber(image.data, 96, 64, 3), n - 1, `${name(n)} is frame ${n - 1} of the video`);
    }
    for (let n = 13; n <= 15; n++) assert.equal(await readFile(join(out, name(n)), 'latin1'), before.get(name(n)), `${name(n)} is untouched`);
    assert.equal((await readFile(join(out, 'frames.csv'), 'utf8')).trim().split('\n').length, 13, 'the manifest lists 12 frames');
  });

  it('`split -y` over a longer video\'s frames warns how many of the pattern are left and how to remove them; it removes none', async (t) => {
    const dir = await tempDir(t);
    const long = join(dir, 'long.mp4');
    const short = join(dir, 'short.mp4');
    await numberedVideo(long, 30, 96, 64);
    await numberedVideo(short, 12, 96, 64);
    const out = join(dir, 'frames');
    const first = await runCli(['split', long, '-o', out]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '', 'an empty folder: no warning');
    // Files of other names are not the pattern's: neither counted nor touched.
    await writeFile(join(out, 'notes.txt'), 'the user\'s');
    await writeFile(join(out, 'frame_1.png'), 'not %06d');
    const again = await runCli(['split', short, '-o', out, '-y']);
    assert.equal(again.code, 0, again.stderr);
    const warnings = again.stderr.split('\n').filter(Boolean);
    assert.equal(warnings.length, 1, again.stderr);
    const pattern = join(out, 'frame_%06d.png');
    assert.equal(
      warnings[0],
      `flipbook: 18 files of ${pattern} are left from before (numbered 13-30) beside the 12 frames of ${short} written, and a stitch of ${out} would take them for frames of this video: remove them with rm -- ${join(out, 'frame_')}{000013..000030}.png, or split into an empty folder`,
    );
    assert.deepEqual((await readdir(out)).sort(), [...Array.from({ length: 30 }, (_, i) => name(i + 1)), 'frame_1.png', 'notes.txt'].sort(), 'nothing removed');
    for (const n of [1, 12, 13, 30]) {
      const image = await imagePixels(join(out, name(n)));
      assert.equal(frameNumber(image.data, 96, 64, 3), n - 1, `${name(n)} is frame ${n - 1} of ${n <= 12 ? 'the new video' : 'the old one'}`);
    }
    // The command it gives removes exactly the old frames.
    const command = /remove them with (rm -- .*), or split/.exec(warnings[0] ?? '')?.[1];
    assert.ok(command);
    execFileSync('bash', ['-c', command]);
    assert.deepEqual((await readdir(out)).sort(), [...Array.from({ length: 12 }, (_, i) => name(i + 1)), 'frame_1.png', 'notes.txt'].sort());
    // The library says it through onWarning and in the result; a split that leaves none says nothing.
    const warned: string[] = [];
    await writeFile(join(out, name(40)), 'older');
    const result = await split(short, out, { overwrite: true, onWarning: (w) => warned.push(w) });
    assert.deepEqual(warned, result.warnings);
    assert.deepEqual(warned, [`1 file of ${pattern} is left from before (numbered 40) beside the 12 frames of ${short} written, and a stitch of ${out} would take it for frames of this video: remove it with rm -- ${join(out, name(40))}, or split into an empty folder`]);
    await rm(join(out, name(40)));
    assert.deepEqual((await split(short, out, { overwrite: true })).warnings, []);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to \`flipbook split -y\` mid-split leaves the old files as they were`, async (t) => {
      const dir = await tempDir(t);
      const video = join(dir, 'v.mp4');
      await numberedVideo(video, 150, 480, 360);
      const out = join(dir, 'frames');
      const before = await oldFrames(out, 200);
      const child = spawnCli(['split', video, '-o', out, '-y', '--json']);
      const result = finished(child);
      let lines = '';
      let frames = 0;
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          const complete = (lines + chunk.toString()).split('\n');
          lines = complete.pop() ?? '';
          for (const line of complete) {
            const event = line.startsWith('{') ? (JSON.parse(line) as { event: string; frame?: number }) : undefined;
            if (event?.event === 'progress' && (event.frame ?? 0) >= 3 && frames === 0) {
              frames = event.frame ?? 0;
              child.kill(signal);
              resolve();
            }
          }
        });
        child.on('exit', () => resolve());
      });
      const { code, stdout, stderr } = await result;
      assert.ok(frames >= 3, `the split wrote ${frames} frames before the signal`);
      assert.equal(code, signal === 'SIGINT' ? 130 : 143, `interrupted, not finished: ${stderr}`);
      assert.ok(!stdout.includes('"event":"done"'), 'the split did not complete');
      assert.deepEqual(await contents(out), before, 'the same files with the same bytes, and nothing else');
    });
  }
});
