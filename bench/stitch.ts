/**
 * The stitch benchmark (issue 2): flipbook against the reference ffmpeg CLI on the identical
 * job, 300 PNG frames of 1920x1080 to H.264 (crf 23, preset medium, yuv420p), in interleaved
 * runs; then flipbook's peak memory on 300 and on 3000 frames, to show it does not grow.
 *
 * Each run is a child process measured by GNU time (wall, user + sys CPU, peak RSS), so both
 * sides are counted the same way, start-up included.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

import { type BenchOptions, FFMPEG, FFPROBE, GNU_TIME, MB, RESULTS, ROOT, type Sample, builtFlipbook, describe, mb, medianSample, requireTools, run, timed, testsrcFrames } from './support.js';

export { ROOT, RESULTS, type BenchOptions, type Sample };

const WIDTH = 1920;
const HEIGHT = 1080;
const FRAMES = 300;
const FPS = 25;
const REPEATS = 10;

export interface Side {
  command: string;
  samples: Sample[];
  median: Sample;
  fps: number;
  /** The output of the last run. */
  output: { bytes: number; frames: number; keyframes: number };
}

export interface StitchBenchResult {
  date: string;
  machine: { cpus: number; model: string; memory: number; platform: string };
  versions: { node: string; ffmpegCli: string; flipbookFfmpeg: string; nodeAv: string; x264: { flipbook: string; ffmpegCli: string } };
  job: { frames: number; width: number; height: number; fps: number; crf: number; preset: string };
  runs: number;
  flipbook: Side;
  ffmpeg: Side;
  ratio: { wall: number; cpu: number };
  memory: { preset: string; frames300: Sample; frames3000: Sample; growth: number };
  targets: { wallRatio: Target; peakMemory: Target; flatMemory: Target };
}

interface Target {
  goal: string;
  value: string;
  met: boolean;
}

export async function benchStitch({ runs, log }: BenchOptions): Promise<StitchBenchResult> {
  requireTools('stitch', [FFMPEG, FFPROBE, GNU_TIME]);
  const { bin } = await builtFlipbook(log);
  const frames = await frameCache(log);
  const out = join(RESULTS, 'out');
  await mkdir(out, { recursive: true });

  const flipbookArgs = [bin, 'stitch', `${relative(RESULTS, frames)}/f_*.png`, '-o', 'out/flipbook.mp4', '--crf', '23', '--preset', 'medium', '-y', '--quiet'];
  const ffmpegArgs = ['-y', '-loglevel', 'error', '-framerate', String(FPS), '-i', `${relative(RESULTS, frames)}/f_%05d.png`];
  // The identical job: flipbook's MP4 has its index in front (+faststart, a second pass over the
  // file at the end), so the CLI is asked for the same.
  ffmpegArgs.push('-c:v', 'libx264', '-preset', 'medium', '-crf', '23', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', 'out/ffmpeg.mp4');

  log(`\nstitch: ${FRAMES} PNG frames of ${WIDTH}x${HEIGHT} -> H.264 crf 23 preset medium yuv420p, ${runs} interleaved run(s) each`);
  const fb: Sample[] = [];
  const ff: Sample[] = [];
  // One warm-up run of each side, not counted (as hyperfine --warmup): the first run after a
  // build or a cold cache pays for loading node-av's 175 MB library and the frames from disk.
  const warmFlipbook = await measure(process.execPath, flipbookArgs, RESULTS);
  const warmFfmpeg = await measure(FFMPEG, ffmpegArgs, RESULTS);
  log(`  warm-up (not counted): flipbook ${describe(warmFlipbook)}; ffmpeg ${describe(warmFfmpeg)}`);
  for (let i = 1; i <= runs; i++) {
    const a = await measure(process.execPath, flipbookArgs, RESULTS);
    fb.push(a);
    log(`  run ${i}/${runs} flipbook ${describe(a)}`);
    const b = await measure(FFMPEG, ffmpegArgs, RESULTS);
    ff.push(b);
    log(`  run ${i}/${runs} ffmpeg   ${describe(b)}`);
  }
  const flipbook = await side(`node ${relative(ROOT, bin)} ${flipbookArgs.slice(1).map(quote).join(' ')}`, fb, join(out, 'flipbook.mp4'));
  const ffmpeg = await side(`ffmpeg ${ffmpegArgs.join(' ')}`, ff, join(out, 'ffmpeg.mp4'));

  // Memory: the same 300 files listed 10 times (an explicit list keeps order and repeats),
  // through the library in a child process, against the 300 alone, at the fastest preset.
  const preset = 'ultrafast';
  const list300 = await listFile('list-300.json', frames, 1);
  const list3000 = await listFile(`list-${FRAMES * REPEATS}.json`, frames, REPEATS);
  log(`\nmemory: flipbook library, preset ${preset}, ${FRAMES} vs ${FRAMES * REPEATS} frames`);
  const script = libraryScript();
  const m300 = await measure(process.execPath, ['--input-type=module', '-e', script, list300, 'out/memory-300.mp4', preset], RESULTS);
  log(`  ${FRAMES} frames  ${describe(m300)}`);
  const m3000 = await measure(process.execPath, ['--input-type=module', '-e', script, list3000, 'out/memory-3000.mp4', preset], RESULTS);
  log(`  ${FRAMES * REPEATS} frames ${describe(m3000)}`);
  const written = await probe(join(out, 'memory-3000.mp4'));
  if (written.frames !== FRAMES * REPEATS) throw new Error(`The 3000-frame run wrote ${written.frames} frames`);

  const ratio = { wall: flipbook.median.wall / ffmpeg.median.wall, cpu: flipbook.median.cpu / ffmpeg.median.cpu };
  const growth = m3000.rss - m300.rss;
  const memoryLimit = ffmpeg.median.rss + 100 * MB;
  return {
    date: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), model: os.cpus()[0]?.model ?? 'unknown', memory: os.totalmem(), platform: `${os.platform()} ${os.release()}` },
    versions: {
      node: process.version,
      ffmpegCli: (await output(FFMPEG, ['-version'])).split('\n')[0] ?? '',
      flipbookFfmpeg: await output(process.execPath, ['--input-type=module', '-e', "import('node-av/lib').then((m) => console.log(m.getFFmpegInfo().version))"]),
      nodeAv: JSON.parse(await readFile(join(ROOT, 'node_modules', 'node-av', 'package.json'), 'utf8')).version as string,
      x264: { flipbook: await x264Version(join(out, 'flipbook.mp4')), ffmpegCli: await x264Version(join(out, 'ffmpeg.mp4')) },
    },
    job: { frames: FRAMES, width: WIDTH, height: HEIGHT, fps: FPS, crf: 23, preset: 'medium' },
    runs,
    flipbook,
    ffmpeg,
    ratio,
    memory: { preset, frames300: m300, frames3000: m3000, growth },
    targets: {
      wallRatio: { goal: 'flipbook/ffmpeg wall time <= 1.00', value: ratio.wall.toFixed(2), met: ratio.wall <= 1 },
      peakMemory: { goal: `flipbook peak RSS <= ffmpeg's + 100 MB (${mb(memoryLimit)})`, value: mb(flipbook.median.rss), met: flipbook.median.rss <= memoryLimit },
      flatMemory: { goal: 'peak RSS at 3000 frames within 32 MB of 300 frames', value: `${growth >= 0 ? '+' : ''}${mb(growth)}`, met: growth <= 32 * MB },
    },
  };
}

/** The result as Markdown: the table, the memory check, the targets. */
export function stitchMarkdown(r: StitchBenchResult): string {
  const row = (name: string, s: Side): string =>
    `| ${name} | ${s.median.wall.toFixed(2)} s | ${spread(s.samples.map((x) => x.wall))} | ${s.median.cpu.toFixed(2)} s | ${s.fps.toFixed(1)} | ${mb(s.median.rss)} | ${(s.output.bytes / MB).toFixed(1)} MB | ${s.output.keyframes} |`;
  const yes = (t: Target): string => (t.met ? 'met' : '**missed**');
  return [
    `### Stitch: ${r.job.frames} PNG frames of ${r.job.width}x${r.job.height} to H.264 (crf ${r.job.crf}, preset ${r.job.preset}, yuv420p)`,
    '',
    `${r.date.slice(0, 10)}, ${r.machine.cpus} cores (${r.machine.model}), ${mb(r.machine.memory)} RAM, ${r.machine.platform}; Node ${r.versions.node}; ` +
      `flipbook on FFmpeg ${r.versions.flipbookFfmpeg} (node-av ${r.versions.nodeAv}, x264 ${r.versions.x264.flipbook}); ` +
      `reference: ${r.versions.ffmpegCli.replace(/ Copyright.*/, '')} (x264 ${r.versions.x264.ffmpegCli}). Medians of ${r.runs} interleaved runs, each a child process measured by GNU time.`,
    '',
    '| | wall | wall, all runs | CPU (user+sys) | frames/s | peak RSS | output | keyframes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    row('flipbook', r.flipbook),
    row('ffmpeg CLI', r.ffmpeg),
    `| **flipbook/ffmpeg** | **${r.ratio.wall.toFixed(2)}** | | **${r.ratio.cpu.toFixed(2)}** | | ${signedMb(r.flipbook.median.rss - r.ffmpeg.median.rss)} | | |`,
    '',
    'Wall time depends on whatever else the machine runs; CPU time hardly does. When the runs of one side spread widely, trust the CPU ratio.',
    '',
    'Same frames, encoder, preset, crf and pixel format. flipbook converts RGB with the BT.709 matrix and tags the stream ' +
      '(matrix, primaries, transfer, range); the ffmpeg line converts with BT.601 and tags nothing: otherwise the same amount of work.',
    '',
    `Memory, flipbook library in a child process, preset ${r.memory.preset}: ${r.job.frames} frames peak ${mb(r.memory.frames300.rss)} ` +
      `(${r.memory.frames300.wall.toFixed(1)} s); ${r.job.frames * REPEATS} frames (the ${r.job.frames} files listed ${REPEATS} times) peak ` +
      `${mb(r.memory.frames3000.rss)} (${r.memory.frames3000.wall.toFixed(1)} s): ${signedMb(r.memory.growth)}.`,
    '',
    '| target | goal | this run | |',
    '|---|---|---:|---|',
    `| speed | ${r.targets.wallRatio.goal} | ${r.targets.wallRatio.value} | ${yes(r.targets.wallRatio)} |`,
    `| peak memory | ${r.targets.peakMemory.goal} | ${r.targets.peakMemory.value} | ${yes(r.targets.peakMemory)} |`,
    `| flat memory | ${r.targets.flatMemory.goal} | ${r.targets.flatMemory.value} | ${yes(r.targets.flatMemory)} |`,
    '',
  ].join('\n');
}

// --- inputs ---------------------------------------------------------------------------------

/** bench/results/frames-1920x1080/f_00001.png ... f_00300.png, made once with ffmpeg's testsrc2. */
export function frameCache(log: (line: string) => void): Promise<string> {
  return testsrcFrames(join(RESULTS, `frames-${WIDTH}x${HEIGHT}`), { width: WIDTH, height: HEIGHT, fps: FPS, frames: FRAMES }, log);
}

async function listFile(name: string, frames: string, repeats: number): Promise<string> {
  const files = Array.from({ length: FRAMES }, (_, i) => join(frames, `f_${String(i + 1).padStart(5, '0')}.png`));
  await writeFile(join(RESULTS, name), JSON.stringify(Array.from({ length: repeats }, () => files).flat()));
  return name;
}

/** A child that stitches a JSON list of files through the built library. */
function libraryScript(): string {
  const entry = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
  return [
    "import { readFileSync } from 'node:fs';",
    `import { stitch } from ${JSON.stringify(entry)};`,
    'const [list, out, preset] = process.argv.slice(1);',
    "await stitch(JSON.parse(readFileSync(list, 'utf8')), out, { crf: 23, preset, overwrite: true });",
  ].join('\n');
}

// --- measuring -------------------------------------------------------------------------------

function measure(command: string, args: string[], cwd: string): Promise<Sample> {
  return timed(command, args, { cwd });
}

async function side(command: string, samples: Sample[], file: string): Promise<Side> {
  const median = medianSample(samples);
  return { command, samples, median, fps: FRAMES / median.wall, output: await probe(file) };
}

/** Size, frame count and keyframe count of an output, read by ffprobe. */
async function probe(file: string): Promise<Side['output']> {
  const flags = (await output(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=flags', '-of', 'csv=p=0', file])).split('\n').filter(Boolean);
  return { bytes: (await stat(file)).size, frames: flags.length, keyframes: flags.filter((f) => f.startsWith('K')).length };
}

/** x264's build as written in the stream's SEI ("core 165"). */
async function x264Version(file: string): Promise<string> {
  const head = (await readFile(file)).subarray(0, 4 * MB).toString('latin1');
  return /x264 - (core \d+(?: r\d+)?)/.exec(head)?.[1] ?? 'unknown';
}

async function output(command: string, args: string[]): Promise<string> {
  return (await run(command, args)).stdout;
}

function spread(values: number[]): string {
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)} s`;
}

function signedMb(bytes: number): string {
  return `${bytes >= 0 ? '+' : '-'}${mb(Math.abs(bytes))}`;
}

function quote(arg: string): string {
  return /[*?\s]/.test(arg) ? `'${arg}'` : arg;
}
