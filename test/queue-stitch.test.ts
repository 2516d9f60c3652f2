/**
 * stitch on a queue, end to end: a real redis-server, three `flipbook worker` processes (the
 * shipped command), one of them SIGKILLed while it renders a segment. The joined output has the
 * frame count and timestamps of the plan, and every frame's pixels equal those of the same plan
 * run on this machine with `jobs: 3`; the work directory is left as it was.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { animate, stitch } from '../src/index.js';
import { type Image, paint } from './helpers/images.js';
import { writeFrames } from './helpers/frames.js';
import { type RedisServer, redisSkipReason, startRedis } from './helpers/redis.js';
import { spawnCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';
import { readVideo } from './helpers/video.js';

const WIDTH = 160;
const HEIGHT = 96;
/** At 10 fps, segments of 4 s: 3 segments of 40 frames. */
const FRAMES = 120;
const FPS = 10;

/**
 * x264 at preset medium reads memory it did not write: its bytes depend on what that memory
 * held. In a fresh process that is zeros, so one encode per process repeats exactly (the ffmpeg
 * CLI too: Debian's ffmpeg 5.1 gives 36,058, 36,107 and 36,135 bytes for one job under three
 * MALLOC_PERTURB_ values; at ultrafast all three are the same). A worker that renders a second
 * segment finds used memory. glibc's MALLOC_PERTURB_ fills every allocation with one pattern,
 * so every encode, first or not, repeats exactly: the pool's and the queue's workers (children
 * of this process) inherit it, and their outputs can be compared byte for byte.
 */
process.env.MALLOC_PERTURB_ = '165';

/** A moving gradient with texture: each frame differs, so a misplaced frame shows. */
function frame(n: number): Image {
  return paint(WIDTH, HEIGHT, (x, y) => [(x * 3 + n * 5) & 255, (y * 4 + n * 3) & 255, ((x ^ y) * 2 + n) & 255]);
}

interface Worker {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

function startWorker(url: string, workDir: string, extra: string[] = []): Worker {
  // Short lock and stalled check, so a killed worker's segment is taken again within seconds.
  const child = spawnCli(['worker', '--queue', url, '--work-dir', workDir, '--json', '--lock-duration', '2000', '--stalled-interval', '1000', ...extra]);
  const worker: Worker = { child, out: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (worker.out += s));
  child.stderr?.resume();
  return worker;
}

function until(worker: Worker, event: string, timeout = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (worker.out.includes(`"event":"${event}"`)) {
        clearInterval(poll);
        resolve();
      } else if (Date.now() - started > timeout) {
        clearInterval(poll);
        reject(new Error(`no ${event} from a worker in ${timeout} ms: ${worker.out}`));
      }
    }, 10);
  });
}

describe('rendering on a queue with flipbook workers (stitch, with one worker killed mid-segment; render)', { skip: redisSkipReason() }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('the joined video equals the same plan rendered with jobs: 3, and the work directory is left as it was', { timeout: 120_000 }, async (t) => {
    const workDir = await tempDir(t);
    const inputs = await writeFrames(workDir, Array.from({ length: FRAMES }, (_, n) => ({ name: `f_${String(n).padStart(3, '0')}.png`, image: frame(n) })));
    const before = (await readdir(workDir)).sort();
    const out = await tempDir(t);
    const options = { fps: FPS, preset: 'medium', jobs: 3 };

    const local = await stitch(inputs, join(out, 'local.mp4'), options);
    assert.equal(local.frames, FRAMES);

    const workers = [startWorker(redis.url, workDir), startWorker(redis.url, workDir), startWorker(redis.url, workDir)];
    try {
      await Promise.all(workers.map((w) => until(w, 'worker-ready')));
      const queued = stitch(inputs, join(out, 'queued.mp4'), { ...options, queue: redis.url, workDir });
      // The first worker to start a segment is killed while it renders it.
      const victim = await Promise.race(workers.map((w) => until(w, 'worker-started').then(() => w)));
      victim.child.kill('SIGKILL');
      const result = await queued;
      assert.equal(result.frames, FRAMES);
      assert.ok(!victim.out.includes('"event":"worker-done"'), 'the killed worker had finished no segment');
      const done = workers.filter((w) => w !== victim).map((w) => (w.out.match(/"event":"worker-done"/g) ?? []).length);
      assert.equal(done.reduce((a, b) => a + b, 0), 3, `the other two workers rendered the 3 segments: ${done.join(' + ')}`);
    } finally {
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    }

    const [a, b] = await Promise.all([readVideo(join(out, 'local.mp4')), readVideo(join(out, 'queued.mp4'))]);
    assert.equal(b.frames.length, FRAMES, 'frame count');
    assert.deepEqual(b.frames.map((f) => f.pts), a.frames.map((f) => f.pts), 'timestamps');
    assert.deepEqual([b.video.width, b.video.height], [WIDTH, HEIGHT]);
    for (const [n, f] of b.frames.entries()) {
      assert.ok(Buffer.from(f.data).equals(Buffer.from(a.frames[n]?.data ?? [])), `frame ${n}: the same pixels as the jobs: 3 run`);
    }
    assert.deepEqual((await readdir(workDir)).sort(), before, 'nothing left in the work directory');
  });
  it('a video of one segment still goes to the queue: a worker renders it, and the joined video has its frames', { timeout: 60_000 }, async (t) => {
    const workDir = await tempDir(t);
    const inputs = await writeFrames(workDir, Array.from({ length: 20 }, (_, n) => ({ name: `s_${String(n).padStart(2, '0')}.png`, image: frame(n) })));
    const out = await tempDir(t);
    const worker = startWorker(redis.url, workDir);
    try {
      await until(worker, 'worker-ready');
      const result = await stitch(inputs, join(out, 'one.mp4'), { fps: FPS, preset: 'ultrafast', queue: redis.url, workDir });
      assert.equal(result.frames, 20);
      await until(worker, 'worker-done');
      assert.equal((worker.out.match(/"event":"worker-done"/g) ?? []).length, 1, 'the worker rendered the one segment');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const back = await readVideo(join(out, 'one.mp4'));
    assert.equal(back.frames.length, 20, 'frame count');
    assert.deepEqual([back.video.width, back.video.height], [WIDTH, HEIGHT]);
  });

  it('flipbook render on a queue: a worker imports the module from its --modules directory; the video equals the jobs: 2 run', { timeout: 120_000 }, async (t) => {
    const workDir = await tempDir(t);
    const modules = join(workDir, 'modules');
    await mkdir(modules);
    const module = join(modules, 'bars.mjs');
    // 90 frames at 10 fps: two segments. A bar that moves, on a colour that changes with the index.
    await writeFile(module, `export const width = 96, height = 64, fps = 10, frames = 90;
export function draw(ctx, { index }) {
  ctx.fillStyle = 'rgb(' + (index * 7 % 256) + ',80,' + (255 - index * 5 % 256) + ')';
  ctx.fillRect(0, 0, 96, 64);
  ctx.fillStyle = 'white';
  ctx.fillRect(index % 80, 10, 16, 44);
}
`);
    const out = await tempDir(t);
    const local = await animate({ module }, join(out, 'local.mp4'), { jobs: 2 });
    assert.equal(local.frames, 90);
    const worker = startWorker(redis.url, workDir, ['--modules', modules]);
    try {
      await until(worker, 'worker-ready');
      const queued = await animate({ module }, join(out, 'queued.mp4'), { jobs: 2, queue: redis.url, workDir });
      assert.equal(queued.frames, 90);
      assert.equal((worker.out.match(/"event":"worker-done"/g) ?? []).length, 2, `the worker rendered both segments: ${worker.out}`);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
    const [a, b] = await Promise.all([readVideo(join(out, 'local.mp4')), readVideo(join(out, 'queued.mp4'))]);
    assert.equal(b.frames.length, 90, 'frame count');
    assert.deepEqual(b.frames.map((f) => f.pts), a.frames.map((f) => f.pts), 'timestamps');
    for (const [n, f] of b.frames.entries()) {
      assert.ok(Buffer.from(f.data).equals(Buffer.from(a.frames[n]?.data ?? [])), `frame ${n}: the same pixels as the jobs: 2 run`);
    }
    assert.deepEqual((await readdir(workDir)).sort(), ['modules'], 'nothing left in the work directory');
  });
});
