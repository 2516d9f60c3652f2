/**
 * An animation in a module: animate({ module }) and `flipbook render`, with named exports and
 * with a default export, in one piece and on worker processes (`jobs`), each of which imports
 * the module. Every frame is the one draw() drew for its index.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FlipbookError, animate } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { type ReadBack, colourIn, readVideo } from './helpers/video.js';

/** Frame i is a solid colour that tells its index apart: red 8 × (i mod 30), blue by segment of 30. */
const colourOf = (i: number): [number, number, number] => [16 + 7 * (i % 30), 128, 40 + 70 * Math.floor(i / 30)];

const DRAW = `(ctx, { index }) => {
  const [r, g, b] = [16 + 7 * (index % 30), 128, 40 + 70 * Math.floor(index / 30)];
  ctx.fillStyle = 'rgb(' + r + ', ' + g + ', ' + b + ')';
  ctx.fillRect(0, 0, 64, 48);
}`;

function assertFrames(back: ReadBack, frames: number): void {
  assert.equal(back.frames.length, frames, 'decoded frames');
  assert.deepEqual(back.frames.map((f) => Math.round(f.time * 1000)), Array.from({ length: frames }, (_, i) => i * 40), 'timestamps (ms)');
  back.frames.forEach((frame, i) => {
    const seen = colourIn(frame, { x: 0, y: 0, width: 64, height: 48 }, 8);
    const want = colourOf(i);
    for (let c = 0; c < 3; c++) assert.ok(Math.abs(seen[c]! - want[c]!) <= 6, `frame ${i}: ${seen.join(',')} vs ${want.join(',')}`);
  });
}

describe('render an animation module', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-render-'));
    await writeFile(join(dir, 'named.mjs'), `export const width = 64;\nexport const height = 48;\nexport const fps = 25;\nexport const frames = 10;\nexport const draw = ${DRAW};\n`);
    await writeFile(join(dir, 'default.mjs'), `export default { width: 64, height: 48, fps: 25, draw: ${DRAW} };\n`);
    await writeFile(join(dir, 'nodraw.mjs'), 'export const width = 64;\n');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('named exports, on 2 worker processes: every frame drawn for its index', async () => {
    const output = join(dir, 'named.mp4');
    const result = await animate({ module: join(dir, 'named.mjs'), frames: 60 }, output, { jobs: 2, preset: 'ultrafast' });
    assert.equal(result.frames, 60);
    assert.deepEqual([result.width, result.height, result.duration], [64, 48, 2.4]);
    assertFrames(await readVideo(output), 60);
  });

  it('named exports in one piece: the module\'s own frame count', async () => {
    const output = join(dir, 'named-one.mp4');
    const result = await animate({ module: join(dir, 'named.mjs') }, output, { preset: 'ultrafast' });
    assert.equal(result.frames, 10);
    assertFrames(await readVideo(output), 10);
  });

  it('data given to a module that exports frames: the call wins, one frame a datum (it was refused as "frames and data")', async () => {
    const output = join(dir, 'named-data.mp4');
    const result = await animate({ module: join(dir, 'named.mjs'), data: Array.from({ length: 15 }, (_, i) => i) }, output, { preset: 'ultrafast' });
    assert.equal(result.frames, 15);
    assertFrames(await readVideo(output), 15);
  });

  it('a default export through flipbook render --jobs 2', async () => {
    const output = join(dir, 'default.mp4');
    const cli = await runCli(['render', join(dir, 'default.mjs'), '-o', output, '--frames', '60', '--jobs', '2', '--preset', 'ultrafast']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout + cli.stderr, /Wrote .*default\.mp4: 60 frames, 64x48, 25 fps, 2\.40 s/);
    assertFrames(await readVideo(output), 60);
  });

  it('a module without draw() is refused, naming the module', async () => {
    await assert.rejects(animate({ module: join(dir, 'nodraw.mjs'), frames: 5 }, join(dir, 'nodraw.mp4')), (error: unknown) => {
      assert.ok(error instanceof FlipbookError && error.option === 'module', String(error));
      assert.match(error.message, /exports no draw function/);
      return true;
    });
  });

  it('flipbook render without @napi-rs/canvas says so in the command\'s words, not animate()\'s, in one piece and with --jobs', async () => {
    // Node's resolution of the package fails, as on a machine without it (the command's child
    // and its --jobs workers inherit NODE_OPTIONS).
    const hide = join(dir, 'hide-canvas.mjs');
    const hook = `export async function resolve(specifier, context, next) {
  if (specifier === '@napi-rs/canvas') throw Object.assign(new Error("Cannot find package '@napi-rs/canvas'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}`;
    await writeFile(hide, `import { register } from 'node:module';\nregister('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));\n`);
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${hide}` };
    for (const jobs of ['1', '2']) {
      const output = join(dir, `no-canvas-${jobs}.mp4`);
      const cli = await runCli(['render', join(dir, 'named.mjs'), '-o', output, '--frames', '120', '--jobs', jobs, '--preset', 'ultrafast'], { env });
      assert.equal(cli.code, 1, cli.stderr);
      assert.equal(
        cli.stderr,
        `flipbook: error: flipbook render draws on @napi-rs/canvas, an optional peer dependency of flipbook, which is not installed. Install it beside flipbook: npm install @napi-rs/canvas (its prebuilt binary for ${process.platform}-${process.arch} comes from npm)\n`,
        `--jobs ${jobs}`,
      );
      assert.equal(existsSync(output), false, 'no output');
    }
  });
});
