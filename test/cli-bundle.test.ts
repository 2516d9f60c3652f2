/**
 * The published command is one bundled file (scripts/bundle-cli.mjs, run by `npm run build`):
 * it is built here into a package-shaped folder and run as a user would, so a dependency that
 * does not survive bundling fails a test instead of a user's first run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

// @ts-expect-error: a plain ES module without types, the build's own script
import { bundleCli } from '../scripts/bundle-cli.mjs';
import { ROOT, finished, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

test('the bundled command runs from a package layout: version, help and a stitch decoded back', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'dist', 'cli'), { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const bin = (await bundleCli(join(dir, 'dist', 'cli', 'flipbook.js'))) as string;
  assert.match(await readFile(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bundle starts with the shebang npm links');

  const run = (args: string[]) => finished(spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] }));
  const version = await run(['--version']);
  const { version: expected } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(version.stdout.trim(), expected, `--version: ${version.stderr}`);

  const help = await run(['stitch', '--help']);
  const fromSource = await runCli(['stitch', '--help']);
  assert.equal(help.stdout, fromSource.stdout, 'the bundle prints the same help as the source');

  const output = join(dir, 'out.mp4');
  const stitched = await run(['stitch', join(ROOT, 'sample', 'frames', 'frame_1*.png'), '-o', output, '--quiet']);
  assert.equal(stitched.code, 0, `stitch exit code; stderr: ${stitched.stderr}`);
  const back = await readVideo(output);
  // frame_1 and frame_10..frame_19: 11 frames of 320x180.
  assert.equal(back.frames.length, 11, 'frames decoded from the bundle-made video');
  assert.equal(back.video.width, 320, 'width');
  assert.equal(back.video.pixelFormat, 'yuv420p', 'pixel format');
});
