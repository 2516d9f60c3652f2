/**
 * The published command is one bundled file (scripts/bundle-cli.mjs, run by `npm run build`):
 * it is built here into a package-shaped folder and run as a user would, so a dependency that
 * does not survive bundling fails a test instead of a user's first run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

// @ts-expect-error: a plain ES module without types, the build's own script
import { bundleCli } from '../scripts/bundle-cli.mjs';
import { wrapCommonJs } from '../src/cli/cached-command.js';
import { ROOT, finished, runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

/** The command bundled into a package-shaped folder: its entry. */
async function bundleInPackage(dir: string): Promise<string> {
  await mkdir(join(dir, 'dist', 'cli'), { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(dir, 'package.json'));
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return (await bundleCli(join(dir, 'dist', 'cli', 'flipbook.js'))) as string;
}

test('the bundled command runs from a package layout: version, help and a stitch decoded back', async (t) => {
  const dir = await tempDir(t);
  const bin = await bundleInPackage(dir);
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

/**
 * Whether V8 takes the cache in `cacheFile` for the command bundle `file`, compiled as
 * src/cli/cached-command.ts compiles it, in a plain Node as the command runs (no flags of this
 * test process's: V8 turns down a cache made under other flags).
 */
async function cacheTaken(file: string, cacheFile: string): Promise<boolean> {
  const wrapped = `${file}.wrapped`;
  await writeFile(wrapped, wrapCommonJs(await readFile(file, 'utf8')));
  const probe = [
    "const { readFileSync } = require('node:fs'); const vm = require('node:vm');",
    'const [file, wrapped, cacheFile] = process.argv.slice(1);',
    'const options = { filename: file, cachedData: readFileSync(cacheFile) };',
    "process.stdout.write(String(new vm.Script(readFileSync(wrapped, 'utf8'), options).cachedDataRejected));",
  ].join('\n');
  const result = await finished(spawn(process.execPath, ['-e', probe, file, wrapped, cacheFile], { env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] }));
  assert.equal(result.code, 0, `the probe: ${result.stderr}`);
  return result.stdout === 'false';
}

test("the bundled command starts from V8's code cache the build made, and runs the same without it or with a broken one", async (t) => {
  const dir = await tempDir(t);
  const bin = await bundleInPackage(dir);
  const command = join(dir, 'dist', 'cli', 'flipbook-command.cjs');
  const cacheFile = `${command}.v8-cache`;
  const cache = await readFile(cacheFile);
  // The build's warm-up run compiled the GIF job: far more than the top level (some 20 kB).
  assert.ok(cache.length > 200_000, `a cache of the functions the warm-up run compiled: ${cache.length} bytes`);
  assert.equal(await cacheTaken(command, cacheFile), true, 'V8 takes the cache the build made for this Node');

  const frames = ['frame_1.png', 'frame_2.png', 'frame_3.png'].map((name) => join(ROOT, 'sample', 'frames', name));
  const stitch = async (label: string) => {
    const output = join(dir, `${label}.gif`);
    const result = await finished(spawn(process.execPath, [bin, 'stitch', ...frames, '-o', output, '--fps', '2', '--quiet'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.equal(result.code, 0, `${label}: exit code; stderr: ${result.stderr}`);
    assert.equal(result.stderr, '', `${label}: nothing on stderr`);
    const back = await readVideo(output);
    assert.equal(back.frames.length, 3, `${label}: frames`);
    assert.equal(back.video.width, 320, `${label}: width`);
    return readFile(output);
  };
  const withCache = await stitch('cached');
  // A cache of another Node, or damaged: V8 turns it down and the bundle is compiled as without one.
  const broken = Buffer.from(cache);
  broken.fill(7, 0, 64);
  await writeFile(cacheFile, broken);
  assert.equal(await cacheTaken(command, cacheFile), false, 'V8 turns the damaged cache down');
  assert.deepEqual(await stitch('broken'), withCache, 'the same GIF with a damaged cache');
  await rm(cacheFile);
  assert.deepEqual(await stitch('none'), withCache, 'the same GIF with no cache');
});
