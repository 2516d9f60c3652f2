/**
 * A stitch with `jobs` starts its worker processes while it reads the images' headers (the
 * plan), not after: planStitch(..., { running: true }) forks them, and the run's pool takes
 * them. Workers started for a plan that is then not run must not keep the process alive, and
 * must end with it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { planStitch } from '../src/index.js';
import { readImageHeaderSync } from '../src/inputs/headers.js';
import { writeSolidFrames } from './helpers/frames.js';
import { tempDir } from './helpers/temp.js';

/** The library beside this test: compiled JavaScript in npm test's mirror, TypeScript (under tsx) from the sources. */
const fromSource = import.meta.url.endsWith('.ts');
const LIBRARY = new URL(fromSource ? '../src/index.ts' : '../src/index.js', import.meta.url).href;

/** True while a process of that pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('segment workers: started with the plan, planning from its headers', () => {
  it("a worker's plan takes the coordinator's headers instead of reading those files again, and reads the others", async (t) => {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(dir, [0, 1, 2].map((i) => ({ name: `f_${i}.png`, colour: i })), 32, 24);
    // The headers as the coordinator read them, the first one saying 64x48: a plan that used
    // them fits the other two to 64x48; one that read the files again would see 32x24 only.
    const headers = files.slice(0, 2).map((file) => readImageHeaderSync(file));
    headers[0] = { ...headers[0]!, width: 64, height: 48, displayWidth: 64, displayHeight: 48 };
    const plan = await planStitch(join(dir, 'f_*.png'), join(dir, 'out.mp4'), {}, { headers });
    assert.deepEqual([plan.width, plan.height], [64, 48], 'the size from the given header');
    assert.deepEqual(
      plan.images.map((image) => [image.width, image.height]),
      [
        [64, 48],
        [32, 24],
        [32, 24],
      ],
      'the second from its given header, the third read from its file',
    );
    // Without them, the files say 32x24.
    const own = await planStitch(join(dir, 'f_*.png'), join(dir, 'out.mp4'));
    assert.deepEqual([own.width, own.height], [32, 24]);
    assert.deepEqual(
      own.headers.map((h) => h.path),
      files,
      'the plan keeps the headers it read, for its workers',
    );
  });

  it('a plan that is not run: its early workers keep nothing alive and end with the process', async (t) => {
    const dir = await tempDir(t);
    // 60 pictures at 25 fps with jobs 2: two segments of 30, so two workers are worth starting.
    await writeSolidFrames(dir, Array.from({ length: 60 }, (_, i) => ({ name: `f_${String(i).padStart(3, '0')}.png`, colour: i % 4 })), 32, 24);
    const script = join(dir, 'plan-only.mjs');
    await writeFile(
      script,
      `import { execFileSync } from 'node:child_process';
import { planStitch } from ${JSON.stringify(LIBRARY)};
const plan = await planStitch(${JSON.stringify(join(dir, 'f_*.png'))}, ${JSON.stringify(join(dir, 'out.mp4'))}, { jobs: 2 }, { running: true });
const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
  .split('\\n').filter((line) => line.includes('worker')).map((line) => Number(line.trim().split(/\\s+/)[0]));
console.log(JSON.stringify({ frames: plan.frameCount, workers: children }));
`,
    );
    const started = performance.now();
    const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(code, 0, stderr);
    const { frames, workers } = JSON.parse(stdout) as { frames: number; workers: number[] };
    assert.equal(frames, 60);
    // Two workers were started by the plan, before any run.
    assert.equal(workers.length, 2, `worker processes of the plan: ${JSON.stringify(workers)}`);
    // They kept nothing alive: the process ended as soon as its script did, long before the
    // 20 s a spare worker waits for a pool.
    assert.ok(seconds < 10, `the process took ${seconds.toFixed(1)} s to end`);
    // And they end with it (disconnected from their parent, a worker exits).
    const deadline = Date.now() + 5000;
    while (workers.some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(workers.filter(alive), [], 'workers still running after their parent ended');
  });
});
