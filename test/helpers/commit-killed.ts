/**
 * A child process for test/split-killed-commit.test.ts: commits frame files 1 to 5 (with
 * overwrite) into the folder given, and SIGKILLs itself at the Nth renameSync/rmSync call
 * of the commit, leaving the folder as a split killed at that moment would.
 * Usage: node --import tsx commit-killed.ts <folder> <N>
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';

import { FrameFiles } from '../../src/output/frame-files.js';

const [dir, at] = process.argv.slice(2) as [string, string];
const files = new FrameFiles({ overwrite: true, inputs: [] });
for (let n = 1; n <= 5; n++) await files.write(join(dir, `frame_${String(n).padStart(6, '0')}.png`), Buffer.from(`new frame ${n}`));

let calls = 0;
const kill = (): void => {
  if (++calls === Number(at)) process.kill(process.pid, 'SIGKILL');
};
const { renameSync, rmSync } = fs;
fs.renameSync = (from, to) => {
  kill();
  renameSync(from, to);
};
fs.rmSync = (path, options) => {
  kill();
  rmSync(path, options);
};
syncBuiltinESMExports();
files.commit();
process.stdout.write(`committed after ${calls} calls\n`);
