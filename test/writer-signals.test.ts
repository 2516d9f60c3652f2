/**
 * A process that dies while a writer is open leaves no output and no temporary file: killed by
 * SIGINT or SIGTERM, or ended by an uncaught exception (flipbook as a library, no handler of
 * its own: the temporary file's exit hook removes it).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ROOT } from './helpers/cli.js';
import { listDir, tempDir } from './helpers/temp.js';

// Compiled (npm test), the child imports the library as JavaScript; from source, under tsx
// (about 1 s of CPU more a start).
const COMPILED = import.meta.url.endsWith('.js');

/** Writes frames until killed; says "writing" once the output's temporary file exists. */
const SCRIPT = `
import { createWriter } from ${JSON.stringify(pathToFileURL(join(ROOT, COMPILED ? 'src/index.js' : 'src/index.ts')).href)};
const [output, mode] = process.argv.slice(2);
const writer = createWriter(output, { width: 64, height: 48, preset: 'ultrafast' });
const data = new Uint8Array(64 * 48 * 3).fill(90);
for (let i = 0; ; i++) {
  await writer.write(data, { layout: 'rgb' });
  if (i === 5) {
    process.stdout.write('writing\\n');
    // Throws once the test has seen the temporary file (it writes a line to stdin).
    if (mode === 'throw') await new Promise((resolve) => process.stdin.once('data', resolve));
    if (mode === 'throw') throw new Error('a bug in the drawing code');
  }
  await new Promise((resolve) => setTimeout(resolve, 5));
}
`;

function started(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      if (text.includes('writing')) resolve();
    });
    child.on('exit', (code, signal) => reject(new Error(`exited early: ${code ?? signal}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
}

describe('a writer in a process that dies', { concurrency: true }, () => {
  for (const mode of ['SIGINT', 'SIGTERM', 'throw'] as const) {
    it(mode === 'throw' ? 'an uncaught exception leaves nothing' : `${mode} leaves nothing`, async (t) => {
      const dir = await tempDir(t);
      const script = join(dir, COMPILED ? 'draw.mjs' : 'draw.mts');
      await writeFile(script, SCRIPT);
      const output = join(dir, 'out', 'movie.mp4');
      const child = spawn(process.execPath, [...(COMPILED ? [] : ['--import', 'tsx']), script, output, mode], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
      const end = exited(child);
      await started(child);
      const parts = (await listDir(join(dir, 'out'))).filter((name) => name.endsWith('.flipbook.part'));
      assert.equal(parts.length, 1, 'a temporary file while writing');
      if (mode === 'throw') child.stdin?.end('throw now\n');
      else child.kill(mode);
      const { code, signal } = await end;
      if (mode === 'throw') {
        assert.equal(code, 1);
        assert.match(stderr, /a bug in the drawing code/);
      } else {
        assert.equal(signal, mode, `killed by ${mode} (stderr: ${stderr})`);
      }
      assert.deepEqual(await listDir(join(dir, 'out')), [], 'no output, no temporary file');
    });
  }
});
