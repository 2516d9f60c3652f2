/**
 * The codec benchmark (issue 5): AV1 (SVT-AV1) and VP9 (libvpx) encoding speed, flipbook against
 * the reference ffmpeg CLI on the identical job, in interleaved runs, each a child process
 * measured by GNU time (wall, user + sys CPU, peak RSS); medians reported.
 *
 * The job: 100 PNG frames of 640x360 (ffmpeg's testsrc2) at 25 fps, converted with the BT.709
 * matrix to limited-range yuv420p and encoded
 * - AV1: SVT-AV1 preset 8, crf 35, in WebM (`flipbook stitch ... --codec av1 --preset medium`);
 * - VP9: libvpx-vp9 deadline good, cpu-used 3, row-mt, crf 32 (`flipbook stitch ... .webm`).
 * The two sides link different library versions (SVT-AV1 3.x in node-av's FFmpeg 8.1, Debian's
 * 1.4 in ffmpeg 5.1; libvpx likewise): the result records both.
 */
import { mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';

import { type BenchOptions, FFMPEG, GNU_TIME, RESULTS, type Sample, builtFlipbook, describe, medianSample, requireTools, run, timed, testsrcFrames } from './support.js';

const WORK = join(RESULTS, 'codecs');
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const FRAMES = 100;

export type CodecBenchOptions = BenchOptions;

interface JobResult {
  name: string;
  flipbook: { command: string; samples: Sample[]; median: Sample; bytes: number };
  ffmpeg: { command: string; samples: Sample[]; median: Sample; bytes: number };
  /** flipbook's median wall time over the CLI's. */
  wallRatio: number;
}

export interface CodecBenchResult {
  date: string;
  machine: { cpus: number; model: string };
  versions: Record<string, string>;
  job: { frames: number; width: number; height: number; fps: number };
  runs: number;
  jobs: JobResult[];
  markdown: string;
}

/** A command's stdout, or '' when it fails (a version query that has nothing to say). */
async function output(command: string, args: readonly string[]): Promise<string> {
  return (await run(command, args).catch(() => ({ stdout: '' }))).stdout;
}

/** SVT-AV1 prints its banner to stderr unless told otherwise. */
function measure(command: string, args: readonly string[]): Promise<Sample> {
  return timed(command, args, { cwd: WORK, env: { ...process.env, SVT_LOG: '1' } });
}

function frameCache(log: (line: string) => void): Promise<string> {
  return testsrcFrames(join(WORK, `frames-${WIDTH}x${HEIGHT}`), { width: WIDTH, height: HEIGHT, fps: FPS, frames: FRAMES }, log);
}

export async function benchCodecs({ runs, log }: CodecBenchOptions): Promise<CodecBenchResult> {
  requireTools('codec', [FFMPEG, GNU_TIME]);
  await mkdir(WORK, { recursive: true });
  const encoders = await output(FFMPEG, ['-hide_banner', '-encoders']);
  const cliHas = (name: string): boolean => new RegExp(`\\s${name}\\s`).test(encoders);
  const { bin } = await builtFlipbook(log);
  const frames = relative(WORK, await frameCache(log));
  const input = ['-framerate', String(FPS), '-i', `${frames}/f_%05d.png`];
  // flipbook's normalise stage, written as the CLI's filter: BT.709 matrix, limited range, tagged.
  const colour = ['-vf', 'scale=out_color_matrix=bt709:out_range=tv:flags=bicubic,format=yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];
  const jobs = [
    {
      name: 'AV1 (SVT-AV1 preset 8, crf 35) -> WebM',
      encoder: 'libsvtav1',
      flipbook: ['--codec', 'av1', '--preset', 'medium', '--crf', '35'],
      ffmpeg: ['-c:v', 'libsvtav1', '-preset', '8', '-crf', '35'],
    },
    {
      name: 'VP9 (libvpx good, cpu-used 3, row-mt, crf 32) -> WebM',
      encoder: 'libvpx-vp9',
      flipbook: ['--codec', 'vp9', '--preset', 'medium', '--crf', '32'],
      ffmpeg: ['-c:v', 'libvpx-vp9', '-deadline', 'good', '-cpu-used', '3', '-row-mt', '1', '-crf', '32', '-b:v', '0'],
    },
  ];
  const results: JobResult[] = [];
  for (const [i, job] of jobs.entries()) {
    if (!cliHas(job.encoder)) {
      log(`\n${job.name}: skipped, /usr/bin/ffmpeg has no ${job.encoder}`);
      continue;
    }
    const fbOut = `flipbook-${i}.webm`;
    const ffOut = `ffmpeg-${i}.webm`;
    const fbArgs = [bin, 'stitch', `${frames}/f_*.png`, '-o', fbOut, '--fps', String(FPS), ...job.flipbook, '-y', '--quiet'];
    const ffArgs = ['-y', '-loglevel', 'error', ...input, ...colour, ...job.ffmpeg, ffOut];
    log(`\ncodecs: ${job.name}, ${FRAMES} frames of ${WIDTH}x${HEIGHT}, ${runs} interleaved run(s) each`);
    const fb: Sample[] = [];
    const ff: Sample[] = [];
    for (let run = 1; run <= runs; run++) {
      fb.push(await measure(process.execPath, fbArgs));
      log(`  run ${run}/${runs} flipbook ${describe(fb.at(-1) as Sample)}`);
      ff.push(await measure(FFMPEG, ffArgs));
      log(`  run ${run}/${runs} ffmpeg   ${describe(ff.at(-1) as Sample)}`);
    }
    const fbMedian = medianSample(fb);
    const ffMedian = medianSample(ff);
    results.push({
      name: job.name,
      flipbook: { command: `flipbook ${fbArgs.slice(2).join(' ')}`, samples: fb, median: fbMedian, bytes: (await stat(join(WORK, fbOut))).size },
      ffmpeg: { command: `ffmpeg ${ffArgs.join(' ')}`, samples: ff, median: ffMedian, bytes: (await stat(join(WORK, ffOut))).size },
      wallRatio: fbMedian.wall / ffMedian.wall,
    });
  }
  const versions = {
    ffmpegCli: (await output(FFMPEG, ['-version'])).split('\n')[0] ?? '',
    cliSvtAv1: (await output('dpkg-query', ['-W', '-f', '${Version}', 'libsvtav1enc1'])) || 'unknown',
    cliLibvpx: (await output('dpkg-query', ['-W', '-f', '${Version}', 'libvpx7'])) || 'unknown',
    flipbookFfmpeg: await output(process.execPath, ['--input-type=module', '-e', "import('node-av/lib').then((m) => console.log(m.getFFmpegInfo().version))"]),
  };
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.flipbook.median.wall.toFixed(2)} s (${r.flipbook.median.cpu.toFixed(2)} s CPU, ${(r.flipbook.bytes / 1024).toFixed(0)} kB) | ${r.ffmpeg.median.wall.toFixed(2)} s (${r.ffmpeg.median.cpu.toFixed(2)} s CPU, ${(r.ffmpeg.bytes / 1024).toFixed(0)} kB) | ${r.wallRatio.toFixed(2)} |`,
  );
  const markdown = [
    `### Codecs: ${FRAMES} PNG frames of ${WIDTH}x${HEIGHT} to WebM, medians of ${runs} interleaved runs`,
    '',
    '| job | flipbook | ffmpeg CLI | wall ratio |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    `flipbook: FFmpeg ${versions.flipbookFfmpeg} (node-av, SVT-AV1 3.1.2); CLI: ${versions.ffmpegCli}, SVT-AV1 ${versions.cliSvtAv1}, libvpx ${versions.cliLibvpx}.`,
    '',
  ].join('\n');
  return {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown' },
    versions,
    job: { frames: FRAMES, width: WIDTH, height: HEIGHT, fps: FPS },
    runs,
    jobs: results,
    markdown,
  };
}
