/**
 * Output names at the edge of what a file system takes: a name of 240 bytes, of 255 (NAME_MAX,
 * ASCII and two-byte UTF-8), and a split whose frame names are that long are written, with
 * their temporary names in the same folder and nothing left over. A name past 255 bytes and a
 * frame number padded wider than a name holds (`%1000000d`, `%99999999999999999999d`) are
 * clean usage errors of one line. Clean-up never throws: removing a temporary file whose folder
 * became a file neither breaks the error path nor the exit hook.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { FlipbookError, probe, split, stitch } from '../src/index.js';
import { SafeOutput, temporaryName } from '../src/output/safe-output.js';
import { ROOT, finished, runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';
import { encodePng } from './helpers/png.js';
import { listDir, tempDir } from './helpers/temp.js';

/** A name of exactly `bytes` bytes ending in `ext`, made of `unit` (one or two bytes). */
function nameOf(bytes: number, ext: string, unit = 'a'): string {
  const unitBytes = Buffer.byteLength(unit);
  const room = bytes - Buffer.byteLength(ext);
  const name = unit.repeat(Math.floor(room / unitBytes)) + 'b'.repeat(room % unitBytes) + ext;
  assert.equal(Buffer.byteLength(name), bytes, 'the name is as long as asked');
  return name;
}

async function stills(dir: string): Promise<string[]> {
  const files = [join(dir, 'a.png'), join(dir, 'b.png')];
  await writeFile(files[0] as string, encodePng(solid(32, 24, [200, 30, 30])));
  await writeFile(files[1] as string, encodePng(solid(32, 24, [30, 30, 200])));
  return files;
}

describe('long output names', () => {
  for (const [label, name] of [
    ['240 bytes', nameOf(240, '.mp4')],
    ['255 bytes', nameOf(255, '.mp4')],
    ['255 bytes of two-byte characters', nameOf(255, '.mp4', 'é')],
  ] as const) {
    it(`stitch writes an output name of ${label}`, async (t) => {
      const dir = await tempDir(t);
      const inputs = await stills(dir);
      const result = await stitch(inputs, join(dir, name), { fps: 10, preset: 'ultrafast' });
      assert.equal(result.frames, 2);
      const written = await probe(join(dir, name));
      assert.equal(written.streams.find((s) => s.type === 'video')?.frames, 2, 'the video holds its 2 frames');
      assert.deepEqual(await listDir(dir), ['a.png', 'b.png', name].sort(), 'nothing else is left');
    });
  }

  it('the command writes a 240-byte name, and a GIF of 255 bytes', async (t) => {
    const dir = await tempDir(t);
    await stills(dir);
    for (const name of [nameOf(240, '.mp4'), nameOf(255, '.gif')]) {
      const result = await runCli(['stitch', 'a.png', 'b.png', '-o', name, '--fps', '10', '-q', ...(name.endsWith('.mp4') ? ['--preset', 'ultrafast'] : [])], { cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal((await probe(join(dir, name))).streams.find((s) => s.type === 'video')?.frames, 2);
    }
    assert.equal((await listDir(dir)).length, 4, 'two inputs and two outputs, no temporary file');
  });

  it('split writes frame names of 250 bytes', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await stitch(await stills(dir), video, { fps: 10, preset: 'ultrafast' });
    const prefix = 'f'.repeat(240);
    const result = await split(video, join(dir, 'out', `${prefix}_%05d.png`));
    assert.equal(result.frames, 2);
    assert.deepEqual(await listDir(join(dir, 'out')), [`${prefix}_00001.png`, `${prefix}_00002.png`]);
  });

  it('a temporary name is at most 255 bytes, unique, beside the output, and keeps whole characters', () => {
    for (const name of [nameOf(255, '.mp4'), nameOf(254, '.mp4', 'é'), nameOf(255, '.mp4', '日'), 'short.mp4']) {
      const a = temporaryName(join('/some/dir', name));
      const b = temporaryName(join('/some/dir', name));
      assert.notEqual(a, b, 'two temporary names differ');
      const base = a.slice('/some/dir/'.length);
      assert.ok(a.startsWith('/some/dir/.') && !base.includes('/'), `${a} is in the output's folder`);
      assert.ok(Buffer.byteLength(base) <= 255, `${base} fits in a file name (${Buffer.byteLength(base)} bytes)`);
      assert.ok(base.endsWith('.flipbook.part'), `${base} ends as every temporary name does`);
      assert.ok(!base.includes('\uFFFD'), `${base} holds no cut character`);
      if (name === 'short.mp4') assert.match(base, /^\.short\.mp4\.[0-9a-f]{8}\.flipbook\.part$/);
    }
  });

  it('a name longer than 255 bytes is a clean usage error', async (t) => {
    const dir = await tempDir(t);
    await stills(dir);
    const name = nameOf(256, '.mp4');
    await assert.rejects(stitch([join(dir, 'a.png')], join(dir, name)), (error: unknown) => {
      assert.ok(error instanceof FlipbookError, 'a FlipbookError');
      assert.equal(error.code, 'INVALID_OPTION');
      assert.equal(error.option, 'output');
      assert.equal(error.message, `The output name ${name} is 256 bytes long; a file name holds at most 255. Choose a shorter file name`);
      return true;
    });
    const result = await runCli(['stitch', 'a.png', '-o', name], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `flipbook: error: The output name ${name} is 256 bytes long; a file name holds at most 255. Choose a shorter file name\n`);
  });
});

describe('frame number widths', () => {
  for (const width of ['1000000', '99999999999999999999', '300']) {
    it(`split -o 'd/%${width}d.png' is a clean usage error`, async (t) => {
      const dir = await tempDir(t);
      const video = join(dir, 'v.mp4');
      await stitch(await stills(dir), video, { fps: 10, preset: 'ultrafast' });
      const result = await runCli(['split', 'v.mp4', '-o', `d/%${width}d.png`], { cwd: dir });
      assert.equal(result.code, 2, result.stderr.slice(0, 300));
      assert.equal(
        result.stderr,
        `flipbook: error: The output d/%${width}d.png pads frame numbers to ${width} digits, and a file name holds at most 255 bytes: with the rest of the name, at most 251 fit. Use a width such as %05d, or a shorter file name\n`,
      );
      assert.equal(existsSync(join(dir, 'd')), false, 'no folder was made');
    });
  }

  it('a width that just fits is written', async (t) => {
    const dir = await tempDir(t);
    const video = join(dir, 'v.mp4');
    await stitch(await stills(dir), video, { fps: 10, preset: 'ultrafast' });
    await split(video, join(dir, 'd', '%0251d.png'));
    assert.deepEqual(await listDir(join(dir, 'd')), [`${'0'.repeat(250)}1.png`, `${'0'.repeat(250)}2.png`]);
  });
});

describe('clean-up never throws', () => {
  it('discard() after the folder became a file resolves', async (t) => {
    const dir = await tempDir(t);
    const out = await SafeOutput.create(join(dir, 'd', 'out.mp4'), { overwrite: false, inputs: [] });
    await writeFile(out.temporary, 'partial');
    await rm(join(dir, 'd'), { recursive: true });
    await writeFile(join(dir, 'd'), 'a file where the folder was');
    await out.discard();
  });

  it('the exit hook after the folder became a file ends the process quietly', async (t) => {
    const dir = await tempDir(t);
    // Compiled (npm test), the child imports JavaScript; from source, TypeScript under tsx.
    const compiled = import.meta.url.endsWith('.js');
    const script = join(dir, compiled ? 'exit.mjs' : 'exit.mts');
    const module = new URL(`../src/output/safe-output.${compiled ? 'js' : 'ts'}`, import.meta.url).href;
    await writeFile(
      script,
      `import { mkdir, rm, writeFile } from 'node:fs/promises';
import { SafeOutput } from ${JSON.stringify(module)};
const out = await SafeOutput.create(${JSON.stringify(join(dir, 'd', 'out.mp4'))}, { overwrite: false, inputs: [] });
await writeFile(out.temporary, 'partial');
await rm(${JSON.stringify(join(dir, 'd'))}, { recursive: true });
await writeFile(${JSON.stringify(join(dir, 'd'))}, 'a file');
process.exit(3);
`,
    );
    await mkdir(join(dir, 'd'), { recursive: true });
    const result = await finished(spawn(process.execPath, [...(compiled ? [] : ['--import', import.meta.resolve('tsx')]), script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    assert.equal(result.stderr, '', 'nothing thrown at exit');
    assert.equal(result.code, 3, 'the process ends with its own exit code');
  });
});
