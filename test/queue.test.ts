/**
 * Segments across machines on a real queue: Debian's redis-server on a random loopback port,
 * three worker processes (test/fixtures/queue-worker.ts: startWorker with a renderer that
 * stitches its segment's images), one killed with SIGKILL mid-segment. Every segment file is
 * decoded and its frames' colours checked; the work directory must be left clean.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';

import { FlipbookError } from '../src/errors.js';
import { animate, probe, stitch } from '../src/index.js';
import { Connections } from '../src/queue/connection.js';
import { JOB_NAME, JOB_SHAPE, QUEUE_NAME, QUEUE_PREFIX, segmentJobId, settingsHash } from '../src/queue/job.js';
import { SegmentFailedError, parseQueueUrl, runOnQueue } from '../src/queue/index.js';
import type { SegmentTask } from '../src/segments/task.js';
import { PALETTE, paletteColour, solid } from './helpers/images.js';
import { writeFrames, writeSolidFrames } from './helpers/frames.js';
import { tempDir } from './helpers/temp.js';
import { type RedisServer, redisSkipReason, startRedis } from './helpers/redis.js';
import { colourIn, nearest, readVideo } from './helpers/video.js';
import { spawnCli } from './helpers/cli.js';

// Compiled (npm test), the worker runs as JavaScript; from source, under tsx (about 1 s of CPU more a start).
const COMPILED = import.meta.url.endsWith('.js');
const WORKER = fileURLToPath(new URL(`./fixtures/queue-worker.${COMPILED ? 'js' : 'ts'}`, import.meta.url));
const WORKER_ARGS = COMPILED ? [WORKER] : ['--import', import.meta.resolve('tsx'), WORKER];
const CORRUPT = fileURLToPath(new URL('./fixtures/corrupt.png', import.meta.url));
const FRAMES = 12;
const skip = redisSkipReason();

/** Tasks of `size` frames each, one picture a frame. */
function tasksFor(inputs: string[], output: string, size: number): SegmentTask[] {
  const segments = Math.ceil(inputs.length / size);
  return Array.from({ length: segments }, (_, index) => ({
    output,
    index,
    segments,
    first: index * size,
    count: Math.min(size, inputs.length - index * size),
    total: inputs.length,
    source: { kind: 'stitch' as const, inputs, options: { fps: 12 } },
  }));
}

interface LogLine {
  what: string;
  index: number;
  pid: number;
  /** Date.now() in the worker. */
  at: number;
}

describe('segments on a BullMQ queue', { skip }, () => {
  let redis: RedisServer;
  let root: string;
  let workDir: string;
  let logFile: string;
  let inputs: string[];
  const workers: ChildProcess[] = [];
  /** `flipbook worker --json` on a Redis of its own (so that it takes none of the other tests' segments). */
  let cliRedis: RedisServer;
  let cliWorker: ChildProcess;
  let cliDir: string;
  let cliOut = '';
  let cliExited: Promise<number | null>;

  const readLog = async (): Promise<LogLine[]> =>
    (await readFile(logFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [what, index, pid, at] = line.split(' ');
        return { what: what as string, index: Number(index), pid: Number(pid), at: Number(at) };
      });
  /** What is in the work directory besides the input frames. */
  const leftovers = async () => (await readdir(workDir)).filter((n) => n !== 'frames').sort();

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'flipbook-queue-'));
    workDir = join(root, 'work');
    logFile = join(root, 'log.txt');
    await mkdir(join(workDir, 'frames'), { recursive: true });
    inputs = await writeSolidFrames(
      join(workDir, 'frames'),
      Array.from({ length: FRAMES }, (_, i) => ({ name: `f${String(i).padStart(2, '0')}.png`, colour: i })),
      64,
      48,
    );
    await writeFile(logFile, '');
    redis = await startRedis();
    cliRedis = await startRedis();
    cliDir = join(root, 'cli-work');
    await mkdir(cliDir);
    await writeSolidFrames(cliDir, [{ name: 'a.png', colour: 0 }], 64, 48);
    cliWorker = spawnCli(['worker', '--queue', cliRedis.url, '--work-dir', cliDir, '--json']);
    cliWorker.stderr?.resume();
    cliExited = new Promise((r) => cliWorker.once('exit', (code) => r(code)));
    const cliReady = new Promise<void>((resolve, reject) => {
      cliWorker.stdout?.setEncoding('utf8').on('data', (s: string) => {
        cliOut += s;
        if (cliOut.includes('"event":"worker-ready"')) resolve();
      });
      void cliExited.then((code) => reject(new Error(`flipbook worker exited with ${code}: ${cliOut}`)));
    });
    // Three worker processes and the command, started together.
    await Promise.all([
      cliReady,
      ...[0, 1, 2].map((i) => {
        const child = spawn(process.execPath, [...WORKER_ARGS, '--queue', redis.url, '--work-dir', workDir, '--log', logFile, '--delay-ms', '250'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stderr?.setEncoding('utf8').on('data', (s: string) => (err += s));
        workers.push(child);
        return new Promise<void>((resolve, reject) => {
          child.stdout?.setEncoding('utf8').once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`worker ${i} exited with ${code}: ${err}`)));
        });
      }),
    ]);
  });

  after(async () => {
    await Promise.all(
      workers.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    if (cliWorker && cliWorker.exitCode === null && cliWorker.signalCode === null) {
      cliWorker.kill('SIGTERM');
      await cliExited;
    }
    await cliRedis?.stop();
    await redis?.stop();
    await rm(root, { recursive: true, force: true });
  });

  test('three workers, one killed mid-segment: every segment done once, into its own file, and nothing left', async (t) => {
    const tasks = tasksFor(inputs, join(root, 'out.mp4'), 3);
    const progress: number[] = [];
    const running = runOnQueue(tasks, { queue: redis.url, workDir, onProgress: (p) => progress.push(p.frame), cancelWait: 3000 });
    // Kill the first worker seen starting a segment, while it is in it (it takes 3 x 250 ms).
    let victim: LogLine | undefined;
    while (!victim) {
      victim = (await readLog()).find((l) => l.what === 'start');
      if (!victim) await sleep(20);
    }
    const killed = workers.find((w) => w.pid === victim.pid);
    assert.ok(killed, `the pid ${victim.pid} in the log is one of the workers`);
    killed.kill('SIGKILL');
    const killedAt = Date.now();
    const run = await running;
    t.after(() => run.remove());

    const log = await readLog();
    assert.ok(!log.some((l) => l.what === 'stored' && l.pid === victim.pid), 'the killed worker stored nothing');
    for (const task of tasks) {
      const stored = log.filter((l) => l.what === 'stored' && l.index === task.index);
      assert.equal(stored.length, 1, `segment ${task.index} stored exactly once (${JSON.stringify(log)})`);
    }
    const retaken = log.filter((l) => l.what === 'start' && l.index === victim.index);
    const again = retaken.find((l) => l.pid !== victim.pid);
    assert.ok(again, `segment ${victim.index} started again by another worker: ${JSON.stringify(retaken)}`);
    // Taken again by the stalled-job check, once the dead worker's 2 s lock expired (it is checked every 1 s).
    const after = again.at - killedAt;
    t.diagnostic(`segment ${victim.index} retaken ${after} ms after the kill`);
    assert.ok(after >= 1000 && after <= 12_000, `retaken ${after} ms after the kill: after the lock (2 s, less the time it already held it) expired, within lock + check + load`);

    assert.equal(run.files.length, tasks.length, 'one file a segment');
    for (const [i, file] of run.files.entries()) {
      assert.ok(file.startsWith(workDir) && file.includes(run.run) && file.includes(run.settings), `segment ${i}'s name carries the run and the settings: ${file}`);
      const back = await readVideo(file);
      assert.equal(back.frames.length, 3, `segment ${i}: frames`);
      assert.equal(back.video.width, 64, `segment ${i}: width`);
      const colours = back.frames.map((f) => nearest(colourIn(f, { x: 0, y: 0, width: 64, height: 48 }, 8), PALETTE));
      assert.deepEqual(colours, [0, 1, 2].map((k) => (3 * i + k) % PALETTE.length), `segment ${i}: the colours of frames ${3 * i} to ${3 * i + 2}`);
      assert.equal(run.segments[i]?.frames, 3, `segment ${i}: the frames its worker reported`);
    }
    assert.deepEqual(paletteColour(0), PALETTE[0], 'palette sanity');
    assert.equal(progress.at(-1), FRAMES, 'the last progress is every frame');
    assert.ok(new Set(progress).size > tasks.length + 1, `progress within segments, not only at their ends: ${progress.join(' ')}`);
    assert.deepEqual(await leftovers(), run.files.map((f) => f.slice(workDir.length + 1)).sort(), 'only the segment files are in the work directory (no temporary ones)');
    await run.remove();
    assert.deepEqual(await leftovers(), [], 'nothing left once the segments are removed');
    const queue = new Redis(redis.url);
    assert.deepEqual(await queue.keys(`${QUEUE_PREFIX}:${QUEUE_NAME}:${run.run}*`), [], 'no job of the run left in Redis');
    queue.disconnect();
  });

  test('a segment that always fails fails the run after its bounded tries, naming the segment and the file', async () => {
    await writeFile(logFile, '');
    const bad = join(workDir, 'frames', 'corrupt.png');
    await copyFile(CORRUPT, bad);
    try {
      const withBad = [...inputs.slice(0, 6)];
      withBad[4] = bad;
      const tasks = tasksFor(withBad, join(root, 'bad.mp4'), 2);
      await assert.rejects(runOnQueue(tasks, { queue: redis.url, workDir, attempts: 2, backoff: 50, cancelWait: 3000 }), (error: unknown) => {
        assert.ok(error instanceof SegmentFailedError, `a SegmentFailedError: ${String(error)}`);
        assert.equal(error.segment, 2, 'the segment index');
        assert.equal(error.attempts, 2, 'tried twice');
        assert.equal(error.code, 'INVALID_INPUT', `the worker's own error code: ${error.message}`);
        assert.match(error.message, /^Segment 3 of 3 \(frames 4-5\) failed on all 2 tries on the queue: /, 'names the segment');
        assert.match(error.message, /corrupt\.png/, 'and the file');
        return true;
      });
      const tries = (await readLog()).filter((l) => l.what === 'start' && l.index === 2);
      assert.equal(tries.length, 2, `segment 2 tried exactly twice: ${JSON.stringify(tries)}`);
      assert.deepEqual(await leftovers(), [], 'the work directory is left clean');
    } finally {
      await rm(bad, { force: true });
    }
  });

  test('abort removes the queued and running segments and their files', async () => {
    await writeFile(logFile, '');
    const tasks = tasksFor(inputs, join(root, 'cancelled.mp4'), 2);
    const controller = new AbortController();
    const running = runOnQueue(tasks, { queue: redis.url, workDir, signal: controller.signal, cancelWait: 3000 });
    while (!(await readLog()).some((l) => l.what === 'start')) await sleep(20);
    controller.abort();
    const started = performance.now();
    await assert.rejects(running, (error: unknown) => error instanceof FlipbookError && error.code === 'ABORTED', 'rejects with ABORTED');
    assert.ok(performance.now() - started < 3000, 'running segments stop within the cancel poll, not at their end');
    await sleep(300);
    const log = await readLog();
    assert.ok(!log.some((l) => l.what === 'stored'), `no segment stored after the abort: ${JSON.stringify(log)}`);
    assert.ok(log.filter((l) => l.what === 'start').length < tasks.length, 'the queued segments never started');
    assert.deepEqual(await leftovers(), [], 'the work directory is left clean');
    const client = new Redis(redis.url);
    const jobKeys = (await client.keys(`${QUEUE_PREFIX}:${QUEUE_NAME}:*`)).filter((k) => /:[0-9a-f]{16}-[0-9a-f]{16}-\d+$/.test(k));
    client.disconnect();
    assert.deepEqual(jobKeys, [], 'no segment job left in Redis');
  });

  test('a worker refuses a malformed job and a job that reads outside its directories, without retrying', async () => {
    await writeFile(logFile, '');
    const clients = [new Redis(redis.url, { maxRetriesPerRequest: null }), new Redis(redis.url, { maxRetriesPerRequest: null })] as const;
    const queue = new Queue(QUEUE_NAME, { connection: clients[0], prefix: QUEUE_PREFIX });
    const events = new QueueEvents(QUEUE_NAME, { connection: clients[1], prefix: QUEUE_PREFIX });
    await events.waitUntilReady();
    try {
      const outside = join(root, 'outside.png');
      await copyFile(inputs[0] as string, outside);
      const task: SegmentTask = { output: 'x.mp4', index: 0, segments: 1, first: 0, count: 1, total: 1, source: { kind: 'stitch', inputs: ['../outside.png'], options: {} } };
      const run = 'a'.repeat(16);
      const settings = settingsHash(task);
      const cases = [
        { what: 'an unknown field', data: { flipbook: JOB_SHAPE, run, settings, ext: '.mp4', task, code: 'process.exit(1)' }, id: segmentJobId(run, settings, 0), reason: /fields flipbook does not send/ },
        { what: 'a wrong settings hash', data: { flipbook: JOB_SHAPE, run, settings: 'b'.repeat(16), ext: '.mp4', task }, id: segmentJobId(run, 'b'.repeat(16), 0), reason: /settings hash does not match/ },
        { what: 'a path out of the work directory', data: { flipbook: JOB_SHAPE, run, settings, ext: '.mp4', task }, id: segmentJobId(run, settings, 0), reason: /leads out of the work directory/ },
        { what: 'an absolute path elsewhere', data: { flipbook: JOB_SHAPE, run, settings, ext: '.mp4', task: { ...task, source: { ...task.source, inputs: [outside] } } }, id: segmentJobId(run, settings, 0), reason: /outside the directories this worker may read/ },
      ];
      for (const c of cases) {
        const job = await queue.add(JOB_NAME, c.data, { jobId: c.id, attempts: 3 });
        await assert.rejects(job.waitUntilFinished(events, 10_000), (error: Error) => {
          assert.match(error.message, /^Refused a queue job: /, `${c.what}: refused (${error.message})`);
          assert.match(error.message, c.reason, `${c.what}: the reason`);
          return true;
        });
        const failed = await queue.getJob(c.id);
        assert.equal(failed?.attemptsMade, 1, `${c.what}: not retried`);
        await queue.remove(c.id);
      }
      assert.ok(!(await readLog()).some((l) => l.what === 'start'), 'no refused job reached the renderer');
      assert.deepEqual(await leftovers(), [], 'nothing written');
    } finally {
      await events.close();
      await queue.close();
      await Promise.all(clients.map((c) => c.quit()));
    }
  });

  test('flipbook worker: renders a segment with the real renderer, reports it as JSON events, stops on SIGTERM', async () => {
    const task: SegmentTask = { output: join(cliDir, 'out.mp4'), index: 0, segments: 1, first: 0, count: 3, total: 3, source: { kind: 'stitch', inputs: [join(cliDir, 'a.png')], options: { fps: 12, preset: 'ultrafast' } } };
    const run = await runOnQueue([task], { queue: cliRedis.url, workDir: cliDir, attempts: 1, segmentExtension: '.nut' });
    try {
      assert.equal(run.files.length, 1);
      assert.deepEqual(run.segments.map((s) => s.frames), [3], 'the worker reports 3 frames');
      // The segment as the join reads it: 3 frames of the image's size (the one image held for the whole segment).
      const info = await probe(run.files[0] as string);
      assert.equal(info.video?.frames, 3, 'three frames in the segment file');
      assert.deepEqual([info.video?.width, info.video?.height], [64, 48]);
    } finally {
      await run.remove();
    }
    const events = cliOut.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; index?: number });
    assert.deepEqual(events.map((e) => e.event).filter((e) => e !== 'worker-progress'), ['worker-ready', 'worker-started', 'worker-done'], `the events: ${cliOut}`);
    assert.equal(events[1]?.index, 0, 'the segment started');
    cliWorker.kill('SIGTERM');
    assert.equal(await cliExited, 0, 'SIGTERM: a clean stop, exit 0');
    assert.deepEqual(await readdir(cliDir), ['a.png'], 'nothing left in the work directory');
  });
});

test('asked for a queue, a run never renders here without a word: one segment still goes to the queue (an unreachable Redis fails), a GIF is refused without --jobs too, an inline draw is refused', async (t) => {
  const dir = await tempDir(t);
  const inputs = await writeFrames(dir, Array.from({ length: 12 }, (_, n) => ({ name: `f_${n}.png`, image: solid(64, 48, [n * 20, 40, 90]) })));
  const port = await new Promise<number>((resolve) => {
    const probe = new Server();
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const url = `redis://127.0.0.1:${port}`;
  // 12 frames at 25 fps: one segment. It rendered here and reported success.
  await assert.rejects(stitch(inputs, join(dir, 'short.mp4'), { queue: url, workDir: dir }), { code: 'QUEUE', option: 'queue' });
  await assert.rejects(stitch(inputs, join(dir, 'short.gif'), { queue: url, workDir: dir }), { code: 'INVALID_OPTION', option: 'queue' });
  await assert.rejects(animate({ width: 64, height: 48, frames: 10, draw: () => undefined }, join(dir, 'inline.mp4'), { queue: url, workDir: dir }), { code: 'INVALID_OPTION', option: 'queue' });
  assert.deepEqual((await readdir(dir)).filter((n) => !n.endsWith('.png')), [], 'no output, no temporary file');
});

test('SegmentFailedError is exported from the package index (the README names it; it was not), and importing the index loads neither bullmq nor ioredis', async () => {
  const index = await import('../src/index.js');
  assert.equal((index as Record<string, unknown>).SegmentFailedError, SegmentFailedError, 'the class runOnQueue throws');
  const failed = new SegmentFailedError('INVALID_INPUT', 'Segment 2 of 3 failed', 1, 3, {});
  assert.ok(failed instanceof FlipbookError && failed.segment === 1 && failed.attempts === 3);
  // A fresh process whose resolution of bullmq and ioredis fails: the index must import, and
  // the hook must be what stops them (a later import of bullmq there fails).
  const hook = `export async function resolve(specifier, context, next) {
  if (/^(bullmq|ioredis)(\\/|$)/.test(specifier)) throw new Error('loaded ' + specifier);
  return next(specifier, context);
}`;
  const entry = new URL(`../src/index.${COMPILED ? 'js' : 'ts'}`, import.meta.url).href;
  const script = `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const flipbook = await import(${JSON.stringify(entry)});
const bullmq = await import('bullmq').then(() => 'loaded', (error) => error.message);
console.log(JSON.stringify({ exported: typeof flipbook.SegmentFailedError, bullmq }));`;
  const child = spawn(process.execPath, [...(COMPILED ? [] : ['--import', import.meta.resolve('tsx')]), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  assert.deepEqual(JSON.parse(out), { exported: 'function', bullmq: 'loaded bullmq' });
});

test('a queue URL other than redis:// is refused, and an unreachable Redis fails fast naming the option', async () => {
  assert.throws(() => parseQueueUrl('http://host:6379'), (e: unknown) => e instanceof FlipbookError && e.option === 'queue' && /must be a redis:\/\/ URL/.test(e.message), 'http refused');
  assert.throws(() => parseQueueUrl('rediss://host:6379'), (e: unknown) => e instanceof FlipbookError && e.code === 'INVALID_OPTION', 'TLS not half supported');
  assert.throws(() => parseQueueUrl('redis://:secret@host:6379/x'), (e: unknown) => e instanceof FlipbookError && !e.message.includes('secret'), 'the password is never printed');
  // A port nothing listens on: refused at once.
  const port = await new Promise<number>((resolve) => {
    const probe = new Server();
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const started = performance.now();
  await assert.rejects(Connections.connect(`redis://:secret@127.0.0.1:${port}`), (e: unknown) => {
    assert.ok(e instanceof FlipbookError, 'a FlipbookError');
    assert.equal(e.code, 'QUEUE', 'code');
    assert.equal(e.option, 'queue', 'names the option');
    assert.ok(!e.message.includes('secret'), `no password in: ${e.message}`);
    assert.match(e.message, new RegExp(`Cannot reach the Redis server of queue at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`), e.message);
    return true;
  });
  assert.ok(performance.now() - started < 4000, 'within a few seconds');
});


test('with no worker on the queue, stitch fails after queueWait naming the option, and leaves no job, no segment and no output', { skip, timeout: 30_000 }, async (t) => {
  const server = await startRedis();
  t.after(() => server.stop());
  const dir = await mkdtemp(join(tmpdir(), 'flipbook-queue-wait-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const workDir = join(dir, 'work');
  await mkdir(workDir);
  const frames = await writeSolidFrames(dir, Array.from({ length: 80 }, (_, i) => ({ name: `f${String(i).padStart(2, '0')}.png`, colour: i % 4 })));
  const output = join(dir, 'out.mp4');
  const started = performance.now();
  await assert.rejects(stitch(frames, output, { fps: 10, preset: 'ultrafast', jobs: 2, queue: server.url, workDir, queueWait: '1s' }), (e: unknown) => {
    assert.ok(e instanceof FlipbookError, `a FlipbookError: ${String(e)}`);
    assert.equal(e.code, 'QUEUE', 'code');
    assert.equal(e.option, 'queueWait', 'names the option');
    assert.match(e.message, /No worker took a segment of this run within 1 s/, e.message);
    return true;
  });
  const seconds = (performance.now() - started) / 1000;
  assert.ok(seconds >= 1 && seconds < 6, `failed after the wait, not before and not much after: ${seconds.toFixed(2)} s`);
  const keys = new Redis(server.url);
  try {
    const jobs = (await keys.keys(`${QUEUE_PREFIX}:${QUEUE_NAME}:*`)).filter((k) => /:[0-9a-f]{16}-/.test(k));
    assert.deepEqual(jobs, [], 'no job of the run is left on the queue');
  } finally {
    keys.disconnect();
  }
  assert.deepEqual(await readdir(workDir), [], 'nothing left in the work directory');
  assert.equal((await readdir(dir)).includes('out.mp4'), false, 'no output');
  await assert.rejects(stitch(frames, output, { queueWait: 5 }), (e: unknown) => e instanceof FlipbookError && e.option === 'queueWait', 'queueWait without queue is refused');
});
