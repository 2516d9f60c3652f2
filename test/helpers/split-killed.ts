/**
 * A child process for test/split-leftovers.test.ts: splits the video (with overwrite) into the
 * pattern given and, once N frames are written under their temporary names, says `ready` on
 * stdout and holds still (its event loop blocked, for at most a minute), alive and mid-write,
 * until the test SIGKILLs it: what a split killed before its commit leaves behind.
 * Usage: node [--import tsx] split-killed.ts <video> <pattern> <N>
 */
import { split } from '../../src/index.js';

const [video, pattern, at] = process.argv.slice(2) as [string, string, string];
let written = 0;
await split(video, pattern, {
  overwrite: true,
  onProgress: () => {
    if (++written !== Number(at)) return;
    process.stdout.write(`ready ${process.pid}\n`, () => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    });
  },
});
process.stdout.write('finished: it was not killed\n');
