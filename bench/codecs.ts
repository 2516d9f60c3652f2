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
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'bench', 'results', 'codecs');
const FFMPEG = '/usr/bin/ffmpeg';
const GNU_TIME = '/usr/bin/time';
const WIDTH = 640;
const HEIGHT = 360;
const FPS = 25;
const FRAMES = 100;

export interface CodecBenchOptions {
  runs: number;
  log: (line: string) => void;
}

interface Sample {
  wall: number;
  cpu: number;
  rss: number;
}

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

function output(command: string, args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): Promise<{ out: string; err: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ out: out.trim(), err: err.trim(), code }));
  });
}

async function measure(command: string, args: readonly string[]): Promise<Sample> {
  const report = join(os.tmpdir(), `flipbook-bench-codecs-${process.pid}-${Date.now()}.time`);
  const run = await output(GNU_TIME, ['-f', '%e %U %S %M', '-o', report, command, ...args], WORK, { ...process.env, SVT_LOG: '1' });
  if (run.code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${run.code}: ${run.err}`);
  const [wall, user, sys, kb] = (await readFile(report, 'utf8')).trim().split(/\s+/).slice(-4).map(Number);
  await rm(report, { force: true });
  return { wall: wall ?? NaN, cpu: (user ?? 0) + (sys ?? 0), rss: (kb ?? 0) * 1024 };
}

function median(samples: readonly Sample[]): Sample {
  const pick = (key: keyof Sample): number => {
    const sorted = samples.map((s) => s[key]).sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
  };
  return { wall: pick('wall'), cpu: pick('cpu'), rss: pick('rss') };
}

const describe = (s: Sample): string => `${s.wall.toFixed(2)} s wall, ${s.cpu.toFixed(2)} s CPU, ${(s.rss / 1048576).toFixed(0)} MB`;

/** dist/cli/bin.js, built when older than src/ (emitted even if another module has type errors in progress). */
async function builtFlipbook(log: (line: string) => void): Promise<string> {
  const bin = join(ROOT, 'dist', 'cli', 'bin.js');
  const built = existsSync(bin) ? (await stat(bin)).mtimeMs : 0;
  let newest = 0;
  for (const file of await readdir(join(ROOT, 'src'), { recursive: true })) {
    if (file.endsWith('.ts')) newest = Math.max(newest, (await stat(join(ROOT, 'src', file))).mtimeMs);
  }
  if (newest > built) {
    log('Building flipbook (dist/ is older than src/)...');
    await output(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')]);
    if (!existsSync(bin)) throw new Error('The build did not produce dist/cli/bin.js');
  }
  return bin;
}

async function frameCache(log: (line: string) => void): Promise<string> {
  const dir = join(WORK, `frames-${WIDTH}x${HEIGHT}`);
  if (existsSync(join(dir, `f_${String(FRAMES).padStart(5, '0')}.png`))) return dir;
  log(`Generating ${FRAMES} PNG frames of ${WIDTH}x${HEIGHT} (once)...`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  const run = await output(FFMPEG, ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${WIDTH}x${HEIGHT}:r=${FPS}`, '-frames:v', String(FRAMES), join(partial, 'f_%05d.png')]);
  if (run.code !== 0) throw new Error(`ffmpeg could not make the frames: ${run.err}`);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

export async function benchCodecs({ runs, log }: CodecBenchOptions): Promise<CodecBenchResult> {
  if (!existsSync(FFMPEG) || !existsSync(GNU_TIME)) throw new Error('The codec benchmark needs Debian\'s ffmpeg and GNU time: apt-get install -y ffmpeg time');
  await mkdir(WORK, { recursive: true });
  const encoders = (await output(FFMPEG, ['-hide_banner', '-encoders'])).out;
  const cliHas = (name: string): boolean => new RegExp(`\\s${name}\\s`).test(encoders);
  const bin = await builtFlipbook(log);
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
    const fbMedian = median(fb);
    const ffMedian = median(ff);
    results.push({
      name: job.name,
      flipbook: { command: `flipbook ${fbArgs.slice(2).join(' ')}`, samples: fb, median: fbMedian, bytes: (await stat(join(WORK, fbOut))).size },
      ffmpeg: { command: `ffmpeg ${ffArgs.join(' ')}`, samples: ff, median: ffMedian, bytes: (await stat(join(WORK, ffOut))).size },
      wallRatio: fbMedian.wall / ffMedian.wall,
    });
  }
  const versions = {
    ffmpegCli: (await output(FFMPEG, ['-version'])).out.split('\n')[0] ?? '',
    cliSvtAv1: (await output('dpkg-query', ['-W', '-f', '${Version}', 'libsvtav1enc1'])).out || 'unknown',
    cliLibvpx: (await output('dpkg-query', ['-W', '-f', '${Version}', 'libvpx7'])).out || 'unknown',
    flipbookFfmpeg: (await output(process.execPath, ['--input-type=module', '-e', "import('node-av/lib').then((m) => console.log(m.getFFmpegInfo().version))"])).out,
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
