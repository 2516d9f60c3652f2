/**
 * The parallel benchmark (issue 12): `--jobs 2` against `--jobs 1` on this machine.
 * - VP9 and AV1 stitch of 600 PNG frames of 640x360 (ffmpeg's testsrc2) at 25 fps, against the
 *   ffmpeg CLI on the same job (settings as in bench/codecs.ts);
 * - `flipbook render` of an animation module whose draw() costs about as much CPU as the encode
 *   (a 12 ms busy loop and a full-frame fill a frame, 600 frames of 640x360, H.264 medium).
 * Runs are interleaved (jobs 1, jobs 2, CLI, then again), each a child process timed by GNU
 * time (wall, user + sys CPU of the process and its workers); medians reported, with CPU time
 * over wall time (how many cores were busy) for each row and the load average around the run.
 *
 * - GIF stitch of the same frames (palette from the merged colour counts of the segments).
 *
 *   npx tsx bench/jobs.ts [--runs N] [--only NAME]  (NAME: part of a row's name, e.g. gif)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

import { type BenchOptions, FFMPEG, GNU_TIME, RESULTS, type Sample, builtFlipbook, describe, medianSample, requireTools, timed, testsrcFrames } from './support.js';

const WORK = join(RESULTS, 'jobs');
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const FRAMES = 600;

const DRAW_MODULE = `
export const width = ${WIDTH}, height = ${HEIGHT}, fps = ${FPS};
// About as much CPU as the encode of a frame: a busy loop of 12 ms and a full-frame fill.
export function draw(ctx, { index }) {
  const until = performance.now() + 12;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  const g = ctx.createLinearGradient(0, 0, ${WIDTH}, ${HEIGHT});
  g.addColorStop(0, 'hsl(' + (index * 3) % 360 + ', 70%, 50%)');
  g.addColorStop(1, 'hsl(' + (index * 3 + 120) % 360 + ', 70%, 40%)');
  ctx.fillStyle = g;
  ctx.fillRect(0, 0, ${WIDTH}, ${HEIGHT});
  ctx.fillStyle = 'white';
  ctx.beginPath();
  ctx.arc(40 + (index * 3) % ${WIDTH - 80}, ${HEIGHT / 2} + 60 * Math.sin(index / 10), 30, 0, 2 * Math.PI);
  ctx.fill();
}
`;

interface Variant {
  label: string;
  command: string;
  args: string[];
}

interface RowResult {
  name: string;
  variants: { label: string; command: string; median: Sample; busy: number; samples: Sample[] }[];
  /** jobs 1 wall over jobs 2 wall. */
  speedup: number;
}

export interface JobsBenchResult {
  date: string;
  machine: { cpus: number; model: string };
  load: { before: number[]; after: number[] };
  runs: number;
  rows: RowResult[];
  markdown: string;
}

function frameCache(log: (line: string) => void): Promise<string> {
  return testsrcFrames(join(WORK, `frames-${WIDTH}x${HEIGHT}-${FRAMES}`), { width: WIDTH, height: HEIGHT, fps: FPS, frames: FRAMES }, log);
}

export async function benchJobs({ runs, log }: BenchOptions, only?: string): Promise<JobsBenchResult> {
  requireTools('jobs', [FFMPEG, GNU_TIME]);
  await mkdir(WORK, { recursive: true });
  const { bin } = await builtFlipbook(log);
  const frames = relative(WORK, await frameCache(log));
  await writeFile(join(WORK, 'draw.mjs'), DRAW_MODULE);
  const colour = ['-vf', 'scale=out_color_matrix=bt709:out_range=tv:flags=bicubic,format=yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];
  const input = ['-framerate', String(FPS), '-i', `${frames}/f_%05d.png`];
  const stitchRow = (name: string, flags: string[], ffmpeg: string[]): { name: string; variants: Variant[] } => ({
    name,
    variants: [
      ...[1, 2].map((jobs) => ({ label: `--jobs ${jobs}`, command: process.execPath, args: [bin, 'stitch', `${frames}/f_*.png`, '-o', `out-j${jobs}.webm`, '--fps', String(FPS), ...flags, '--jobs', String(jobs), '-y', '--quiet'] })),
      { label: 'ffmpeg CLI', command: FFMPEG, args: ['-y', '-loglevel', 'error', ...input, ...colour, ...ffmpeg, 'out-ffmpeg.webm'] },
    ],
  });
  const all = [
    stitchRow('VP9 stitch (libvpx good, cpu-used 3, row-mt, crf 32)', ['--codec', 'vp9', '--preset', 'medium', '--crf', '32'], ['-c:v', 'libvpx-vp9', '-deadline', 'good', '-cpu-used', '3', '-row-mt', '1', '-crf', '32', '-b:v', '0']),
    stitchRow('AV1 stitch (SVT-AV1 preset 8, crf 35)', ['--codec', 'av1', '--preset', 'medium', '--crf', '35'], ['-c:v', 'libsvtav1', '-preset', '8', '-crf', '35']),
    {
      // The palette from every segment's colours, each segment mapped on its worker (no ffmpeg CLI
      // row: bench/gif.ts compares flipbook's GIF with the palettegen/paletteuse recipe).
      name: 'GIF stitch (256 colours, floyd_steinberg)',
      variants: [1, 2].map((jobs) => ({ label: `--jobs ${jobs}`, command: process.execPath, args: [bin, 'stitch', `${frames}/f_*.png`, '-o', `out-j${jobs}.gif`, '--fps', String(FPS), '--jobs', String(jobs), '-y', '--quiet'] })),
    },
    {
      name: 'render, draw() about one core (H.264 medium)',
      variants: [1, 2].map((jobs) => ({ label: `--jobs ${jobs}`, command: process.execPath, args: [bin, 'render', 'draw.mjs', '-o', `render-j${jobs}.mp4`, '--frames', String(FRAMES), '--jobs', String(jobs), '-y', '--quiet'] })),
    },
    {
      // The same draw with an encoder that costs little beside it: a render bound by its draw
      // function, the case `--jobs` is for (H.264 medium adds half a core of its own).
      name: 'render, draw() about one core (H.264 veryfast)',
      variants: [1, 2].map((jobs) => ({ label: `--jobs ${jobs}`, command: process.execPath, args: [bin, 'render', 'draw.mjs', '-o', `render-vf-j${jobs}.mp4`, '--frames', String(FRAMES), '--preset', 'veryfast', '--jobs', String(jobs), '-y', '--quiet'] })),
    },
  ];
  const rows = only ? all.filter((row) => row.name.toLowerCase().includes(only.toLowerCase())) : all;
  const before = os.loadavg();
  const results: RowResult[] = [];
  for (const row of rows) {
    log(`\njobs: ${row.name}, ${FRAMES} frames of ${WIDTH}x${HEIGHT}, ${runs} interleaved run(s) each`);
    const samples = row.variants.map(() => [] as Sample[]);
    for (let r = 1; r <= runs; r++) {
      for (const [v, variant] of row.variants.entries()) {
        const sample = await timed(variant.command, variant.args, { cwd: WORK, env: { ...process.env, SVT_LOG: '1' } });
        samples[v]!.push(sample);
        log(`  run ${r}/${runs} ${variant.label.padEnd(10)} ${describe(sample)} (load ${os.loadavg()[0]!.toFixed(1)})`);
      }
    }
    const variants = row.variants.map((variant, v) => {
      const median = medianSample(samples[v]!);
      return { label: variant.label, command: `${variant.command === FFMPEG ? 'ffmpeg' : 'flipbook'} ${variant.args.slice(variant.command === FFMPEG ? 0 : 1).join(' ')}`, median, busy: median.cpu / median.wall, samples: samples[v]! };
    });
    results.push({ name: row.name, variants, speedup: variants[0]!.median.wall / variants[1]!.median.wall });
  }
  const after = os.loadavg();
  const cell = (v: RowResult['variants'][number] | undefined): string => (v ? `${v.median.wall.toFixed(2)} s, ${v.median.cpu.toFixed(2)} s CPU, ${v.busy.toFixed(2)} cores` : '-');
  const markdown = [
    `### Parallel segments: ${FRAMES} frames of ${WIDTH}x${HEIGHT}, medians of ${runs} interleaved runs`,
    '',
    '| job | --jobs 1 | --jobs 2 | ffmpeg CLI | speed-up (wall, jobs 1 / jobs 2) |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${cell(r.variants[0])} | ${cell(r.variants[1])} | ${cell(r.variants[2])} | ${r.speedup.toFixed(2)}x |`),
    '',
    `Load average (1, 5, 15 min) before: ${before.map((l) => l.toFixed(1)).join(', ')}; after: ${after.map((l) => l.toFixed(1)).join(', ')} (${os.availableParallelism()} cores).`,
    '',
  ].join('\n');
  return { date: new Date().toISOString(), machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown' }, load: { before, after }, runs, rows: results, markdown };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, only: { type: 'string' } } });
  const result = await benchJobs({ runs: Number(values.runs), log: (line) => console.log(line) }, values.only);
  console.log(`\n${result.markdown}`);
  await writeFile(join(RESULTS, 'jobs.json'), `${JSON.stringify(result, null, 2)}\n`);
}
