/**
 * The distributed mode against --jobs 2 on this machine (issue 12): a real redis-server on a
 * free loopback port and two `flipbook worker` processes, then `flipbook stitch --queue --jobs 2`
 * and `flipbook stitch --jobs 2` on the same job (600 PNG frames of 640x360 to H.264 medium),
 * interleaved. Wall time is the coordinator's; CPU adds the workers' (from /proc) to the
 * coordinator's, so both sides count the same work.
 *
 *   npx tsx bench/queue.ts [--runs N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

import { REDIS_SERVER, startRedis } from '../test/helpers/redis.js';
import { type BenchOptions, GNU_TIME, RESULTS, type Sample, builtFlipbook, describe, medianSample, requireTools, testsrcFrames, timed } from './support.js';

const WORK = join(RESULTS, 'jobs');
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const FRAMES = 600;

export interface QueueBenchResult {
  date: string;
  runs: number;
  jobs2: Sample;
  queue: Sample;
  /** Queue wall over --jobs 2 wall (target: within 1.10). */
  ratio: number;
  markdown: string;
}

/** User + system CPU seconds a live process has used (Linux /proc). */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function waitFor(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" in 20 s: ${seen}`)), 20_000);
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      seen += s;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

export async function benchQueue({ runs, log }: BenchOptions): Promise<QueueBenchResult> {
  requireTools('queue', [GNU_TIME, REDIS_SERVER]);
  const { bin } = await builtFlipbook(log);
  const frames = relative(WORK, await testsrcFrames(join(WORK, `frames-${WIDTH}x${HEIGHT}-${FRAMES}`), { width: WIDTH, height: HEIGHT, fps: FPS, frames: FRAMES }, log));
  // A real redis-server on a free loopback port, as the tests start it.
  const redis = await startRedis();
  const children: ChildProcess[] = [];
  try {
    const { url } = redis;
    for (let i = 0; i < 2; i++) {
      const worker = spawn(process.execPath, [bin, 'worker', '--queue', url, '--work-dir', WORK, '--json'], { cwd: WORK, stdio: ['ignore', 'pipe', 'ignore'] });
      children.push(worker);
      await waitFor(worker, 'worker-ready');
    }
    const common = ['stitch', `${frames}/f_*.png`, '--fps', String(FPS), '--preset', 'medium', '--jobs', '2', '-y', '--quiet'];
    const variants = [
      { label: '--jobs 2', args: [bin, ...common, '-o', 'queue-j2.mp4'], workers: false },
      { label: '--queue, 2 workers', args: [bin, ...common, '-o', 'queue-q.mp4', '--queue', url, '--work-dir', WORK], workers: true },
    ];
    log(`\nqueue: H.264 medium stitch of ${FRAMES} frames of ${WIDTH}x${HEIGHT}, --jobs 2 against two flipbook workers on this machine, ${runs} interleaved run(s)`);
    // One warm-up run of each, not counted: the workers load the renderer at their first segment.
    for (const variant of variants) await timed(process.execPath, variant.args, { cwd: WORK });
    const samples: Sample[][] = variants.map(() => []);
    for (let r = 1; r <= runs; r++) {
      for (const [v, variant] of variants.entries()) {
        const before = children.reduce((sum, w) => sum + cpuOf(w.pid), 0);
        const sample = await timed(process.execPath, variant.args, { cwd: WORK });
        const workerCpu = variant.workers ? children.reduce((sum, w) => sum + cpuOf(w.pid), 0) - before : 0;
        const counted = { ...sample, cpu: sample.cpu + workerCpu };
        samples[v]!.push(counted);
        log(`  run ${r}/${runs} ${variant.label.padEnd(20)} ${describe(counted)}${variant.workers ? ` (workers ${workerCpu.toFixed(2)} s CPU)` : ''}`);
      }
    }
    const [jobs2, queue] = samples.map((s) => medianSample(s)) as [Sample, Sample];
    const ratio = queue.wall / jobs2.wall;
    const markdown = [
      `### Distributed mode: ${FRAMES} frames of ${WIDTH}x${HEIGHT}, H.264 medium, medians of ${runs} interleaved runs`,
      '',
      '| variant | wall | CPU (coordinator + workers) |',
      '| --- | --- | --- |',
      `| --jobs 2 | ${jobs2.wall.toFixed(2)} s | ${jobs2.cpu.toFixed(2)} s |`,
      `| --queue, 2 workers (+ --jobs 2) | ${queue.wall.toFixed(2)} s | ${queue.cpu.toFixed(2)} s |`,
      '',
      `Queue over --jobs 2: ${ratio.toFixed(2)} (target: at most 1.10).`,
      '',
    ].join('\n');
    return { date: new Date().toISOString(), runs, jobs2, queue, ratio, markdown };
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await redis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
  const result = await benchQueue({ runs: Number(values.runs), log: (line) => console.log(line) });
  console.log(`\n${result.markdown}`);
  await writeFile(join(RESULTS, 'queue.json'), `${JSON.stringify(result, null, 2)}\n`);
}
