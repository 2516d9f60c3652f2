/**
 * The GIF benchmark (issue 13): quality at equal size against gifski and the FFmpeg 5.1
 * palettegen/paletteuse recipe, and speed against the recipe on a 1080p job and by length.
 *
 * Quality: three kinds of content made here with Debian's ffmpeg (GIF_SETS), each 48 PNG frames
 * at the GIF's size (640x360), so every encoder reads the same pixels:
 *   - photo: a slow pan and zoom over skin-tone gradients blended with fractal detail, with
 *     temporal film grain added at 1080p before the downscale;
 *   - flat: a UI-like recording: still SMPTE bars with a moving testsrc2 window (text, flat
 *     colours, a still area most of the frame);
 *   - alpha: a gradient disc moving over a transparent background, with a still opaque bar.
 * Each encoder is run at its default, then sizes are matched: the target is gifski's default
 * size (quality 90), and flipbook (its `lossy`, then `colors`) and the recipe
 * (`palettegen=max_colors`) are bisected to the largest file at most that size. Where an encoder
 * cannot reach the target from below (its largest file is smaller) it is compared with fewer bytes.
 * SSIM and PSNR (ffmpeg 5.1's ssim and psnr filters, gbrp, mean over every frame) are against the
 * source frames; the alpha set is composited onto grey (both sides) first.
 *
 * Time: each matched encode is rerun `runs` times, the encoders interleaved, each a child process
 * under GNU time (wall and user + system CPU); medians are quoted. The machine is shared.
 *
 * Speed: 300 PNGs of 1920x1080 (the stitch benchmark's testsrc2 frames) to a 640 px GIF, the
 * flipbook command against `ffmpeg -i f_%05d.png -vf "scale=640:-2,split[a][b];[a]palettegen[p];[b][p]paletteuse"`.
 * Length rows (benchLengths): the flat and alpha sets at 1, 48 and 192 frames, both at their
 * defaults, for the start-up and the cost a frame of each; at 48 and 192 frames also the library
 * called again in one process (warm: what a notebook or a service pays after the first call).
 *
 * gifski (npm `gifski`, AGPL) is a devDependency used only here, as a separate program.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { frameCache } from './stitch.js';
import { FFMPEG, RESULTS, ROOT, type Sample, builtFlipbook, mb, median, medianSample, requireTools, run, timed } from './support.js';

const WORK = join(RESULTS, 'gif');
const FPS = 25;
const FRAMES = 48;
export const GIFSKI = join(ROOT, 'node_modules', 'gifski', 'bin', process.platform === 'darwin' ? 'macos' : 'debian', 'gifski');

/** A set of frames to compare on: PNGs named frame_1.png, frame_2.png, ... */
export interface FrameSet {
  name: string;
  /** What the frames show, for the tables. */
  about: string;
  /** The filter graph (lavfi) that makes the frames. */
  graph: string;
  /** Frames with transparency: compared composited onto grey. */
  alpha?: boolean;
}

export const GIF_SETS: readonly FrameSet[] = [
  {
    name: 'photo',
    about: 'photo-like: pan and zoom over skin-tone gradients with fractal detail, film grain added at 1080p, scaled to 640x360',
    graph:
      `gradients=s=2400x1350:c0=0xffdbac:c1=0xe0ac69:c2=0xc68642:c3=0x8d5524:c4=0x3d2314:c5=0x7fa7c9:nb_colors=6:seed=11:speed=0.004:r=${FPS},format=gbrp[g];` +
      `mandelbrot=s=2400x1350:r=${FPS}:start_scale=2.5:end_scale=2.0,format=gbrp[m];` +
      "[g][m]blend=all_mode=softlight:all_opacity=0.35,crop=1920:1080:x='n*6':y='n*2',noise=alls=16:allf=t,scale=640:360:flags=bicubic,format=rgb24",
  },
  {
    name: 'flat',
    about: 'flat synthetic, UI-like: still SMPTE HD bars with a moving testsrc2 window, 640x360',
    graph: `smptehdbars=s=640x360:r=${FPS}[bg];testsrc2=s=240x135:r=${FPS}[fg];[bg][fg]overlay=x='40+mod(n*6,360)':y=200,format=rgb24`,
  },
  {
    name: 'alpha',
    about: 'transparency: a gradient disc moving over a transparent background and a still opaque bar, 640x360 (compared on grey)',
    graph:
      `gradients=s=640x360:c0=0xe0ac69:c1=0x2050c0:c2=0xf0f0f0:c3=0x8d5524:nb_colors=4:seed=5:speed=0.03:r=${FPS},format=rgba,` +
      "geq=r='r(X,Y)':g='g(X,Y)':b='b(X,Y)':a='255*(lt(hypot(X-320-160*sin(N/8),Y-180),110)+between(Y,20,60))'",
    alpha: true,
  },
];

export interface Point {
  encoder: string;
  /** The knob that made it: `colors 256`, `quality 90`, ... */
  setting: string;
  bytes: number;
  ssim: number;
  psnr: number;
  /** Median wall and CPU seconds (one run for the defaults). */
  wall: number;
  cpu: number;
}

export interface GifSetResult {
  name: string;
  about: string;
  target: number;
  defaults: Point[];
  matched: Point[];
}

export interface SpeedRow {
  encoder: string;
  samples: Sample[];
  median: Sample;
  bytes: number;
}

export interface GifBench {
  sets: GifSetResult[];
  speed: SpeedRow[];
  lengths: LengthRow[];
  /** The command's start without a GIF (\`info\` of one frame: Node, the bundle, node-av), median; none without length rows. */
  startup?: Sample | undefined;
  markdown: string;
}

/** ffmpeg's stderr (where its ssim and psnr filters report). */
async function ffmpeg(args: readonly string[]): Promise<string> {
  return (await run(FFMPEG, ['-hide_banner', '-nostdin', '-y', ...args])).stderr;
}

const frameInput = (dir: string): string[] => ['-framerate', String(FPS), '-start_number', '1', '-i', join(dir, 'frame_%d.png')];
const framePaths = (dir: string): string[] => Array.from({ length: FRAMES }, (_, i) => join(dir, `frame_${i + 1}.png`));

/** Makes a set's first `count` frames once (into a .partial folder renamed when complete), in `frames-<name>` or `<prefix>-<name>`. */
async function frames(set: FrameSet, log: (l: string) => void, count = FRAMES, prefix = 'frames'): Promise<string> {
  const dir = join(WORK, `${prefix}-${set.name}`);
  if (existsSync(join(dir, `frame_${count}.png`))) return dir;
  log(`Making ${count} frames of ${set.name} (once)...`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await ffmpeg(['-loglevel', 'error', '-f', 'lavfi', '-i', set.graph, '-frames:v', String(count), join(partial, 'frame_%d.png')]);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

/** SSIM (All) and PSNR (average) of a GIF against the source frames, both as gbrp; alpha sets composited onto grey. */
export async function quality(gif: string, dir: string, alpha: boolean, size = '640x360'): Promise<{ ssim: number; psnr: number }> {
  const flat = (input: string, out: string): string =>
    alpha ? `color=c=0x808080:s=${size}:r=${FPS}[bg${out}];[${input}]format=rgba[fg${out}];[bg${out}][fg${out}]overlay=shortest=1:format=rgb,format=gbrp,split[${out}1][${out}2]` : `[${input}]format=gbrp,split[${out}1][${out}2]`;
  const log = await ffmpeg(['-i', gif, ...frameInput(dir), '-lavfi', `${flat('0:v', 'a')};${flat('1:v', 'b')};[a1][b1]ssim;[a2][b2]psnr`, '-f', 'null', '-']);
  const ssim = /SSIM .*All:([0-9.]+)/.exec(log);
  const psnr = /PSNR .*average:([0-9.a-z]+)/.exec(log);
  if (!ssim || !psnr) throw new Error(`no SSIM or PSNR in ffmpeg's output for ${gif}`);
  return { ssim: Number(ssim[1]), psnr: psnr[1] === 'inf' ? Infinity : Number(psnr[1]) };
}

/** An encoder of a set: the command that writes `file` at a knob's value. */
interface Encoder {
  name: string;
  /** The knob's range for the size match, from the smallest file to the largest. */
  knob: { name: string; lo: number; hi: number; default: number } | undefined;
  command(value: number, file: string): [string, string[]];
}

function encoders(dir: string, bin: string): Encoder[] {
  const input = frameInput(dir);
  return [
    {
      name: 'flipbook',
      knob: { name: 'quality', lo: 0, hi: 100, default: 100 },
      command: (value, file) => [process.execPath, [bin, 'stitch', join(dir, '*.png'), '-o', file, '--fps', String(FPS), '-y', '--quiet', ...flipbookKnob(value)]],
    },
    {
      name: 'gifski 1.7.1',
      knob: { name: 'quality', lo: 1, hi: 100, default: 90 },
      command: (value, file) => [GIFSKI, ['-q', '--no-sort', '--fps', String(FPS), '--quality', String(value), '-o', file, ...framePaths(dir)]],
    },
    {
      name: 'ffmpeg 5.1 palettegen/paletteuse',
      knob: { name: 'max_colors', lo: 4, hi: 256, default: 256 },
      command: (value, file) => [FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...input, '-vf', `split[a][b];[a]palettegen=max_colors=${value}[p];[b][p]paletteuse`, file]],
    },
  ];
}

/**
 * flipbook's one size knob for the bench, 0-100 (100: the default GIF). With `--lossy` (lossy
 * LZW), 100-30 raise it from 0 to 28 and below 30 the colours halve in steps at lossy 28;
 * without it (before issue 13), the colours alone.
 */
let flipbookHasLossy = false;
function flipbookKnob(value: number): string[] {
  const colors = (v: number, span: number): string[] => ['--colors', String(Math.max(2, Math.round(2 ** (1 + (7 * v) / span))))];
  if (!flipbookHasLossy) return colors(value, 100);
  if (value >= 100) return [];
  if (value >= 30) return ['--lossy', String(Math.round((100 - value) * 0.4))];
  return ['--lossy', '28', ...colors(value, 30)];
}

function settingOf(encoder: Encoder, value: number): string {
  if (encoder.name === 'flipbook') return flipbookKnob(value).join(' ') || 'default';
  return `${encoder.knob?.name ?? ''} ${value}`;
}

async function encode(encoder: Encoder, value: number, file: string): Promise<Sample> {
  const [command, args] = encoder.command(value, file);
  return timed(command, args);
}

/** The largest knob value whose file is at most `bytes` (bisection on whole values); the smallest value when none is. */
async function atSize(encoder: Encoder, work: string, bytes: number): Promise<number> {
  const knob = encoder.knob;
  if (!knob) throw new Error(`${encoder.name} has no knob`);
  const size = async (value: number): Promise<number> => {
    const file = join(work, `probe-${encoder.name.split(' ')[0] ?? 'x'}-${value}.gif`);
    await encode(encoder, value, file);
    const n = (await stat(file)).size;
    await rm(file, { force: true });
    return n;
  };
  let lo = knob.lo;
  let hi = knob.hi;
  if ((await size(hi)) <= bytes) return hi;
  if ((await size(lo)) > bytes) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await size(mid)) <= bytes) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Runs each (encoder, value) `runs` times, interleaved; then measures the last file. */
async function measured(list: { encoder: Encoder; value: number; file: string }[], dir: string, alpha: boolean, runs: number): Promise<Point[]> {
  const samples: Sample[][] = list.map(() => []);
  for (let r = 0; r < runs; r++) for (const [i, item] of list.entries()) samples[i]?.push(await encode(item.encoder, item.value, item.file));
  const points: Point[] = [];
  for (const [i, item] of list.entries()) {
    const m = medianSample(samples[i] ?? []);
    points.push({ encoder: item.encoder.name, setting: settingOf(item.encoder, item.value), bytes: (await stat(item.file)).size, ...(await quality(item.file, dir, alpha)), wall: m.wall, cpu: m.cpu });
  }
  return points;
}

async function benchSet(set: FrameSet, bin: string, runs: number, log: (l: string) => void): Promise<GifSetResult> {
  const dir = await frames(set, log);
  const work = join(WORK, set.name);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const list = encoders(dir, bin);
  log(`\nGIF ${set.name}: ${set.about}, ${FRAMES} frames at ${FPS} fps`);
  const defaults = await measured(
    list.map((encoder) => ({ encoder, value: encoder.knob?.default ?? 0, file: join(work, `default-${encoder.name.split(' ')[0] ?? 'x'}.gif`) })),
    dir,
    !!set.alpha,
    1,
  );
  for (const p of defaults) log(`  default ${row(p)}`);
  const gifskiDefault = defaults[1];
  if (!gifskiDefault) throw new Error('no gifski point');
  const target = gifskiDefault.bytes;
  const matchedItems: { encoder: Encoder; value: number; file: string }[] = [];
  for (const encoder of list) {
    const value = encoder.name.startsWith('gifski') ? (encoder.knob?.default ?? 90) : await atSize(encoder, work, target);
    matchedItems.push({ encoder, value, file: join(work, `matched-${encoder.name.split(' ')[0] ?? 'x'}.gif`) });
  }
  const matched = await measured(matchedItems, dir, !!set.alpha, runs);
  for (const p of matched) log(`  matched ${row(p)}`);
  return { name: set.name, about: set.about, target, defaults, matched };
}

const fixed4 = (n: number): string => n.toFixed(4);
function row(p: Point): string {
  return `| ${p.encoder} | ${p.setting} | ${(p.bytes / 1e6).toFixed(3)} MB | ${fixed4(p.ssim)} | ${p.psnr.toFixed(2)} dB | ${p.wall.toFixed(2)} s | ${p.cpu.toFixed(2)} s |`;
}

/** The 1080p speed row: 300 PNGs of 1920x1080 to a 640 px GIF, flipbook against the recipe (and gifski once, with `gifskiSpeed`). */
async function benchSpeed(bin: string, runs: number, gifskiSpeed: boolean, log: (l: string) => void): Promise<SpeedRow[]> {
  const source = await frameCache(log);
  const out = join(WORK, 'speed');
  await mkdir(out, { recursive: true });
  const files = (await readdir(source)).filter((f) => f.endsWith('.png')).sort();
  const sides: { encoder: string; file: string; command: [string, string[]]; once?: boolean }[] = [
    { encoder: 'flipbook', file: join(out, 'flipbook.gif'), command: [process.execPath, [bin, 'stitch', `${relative(ROOT, source)}/f_*.png`, '-o', join(out, 'flipbook.gif'), '--width', '640', '-y', '--quiet']] },
    {
      encoder: 'ffmpeg 5.1 palettegen/paletteuse',
      file: join(out, 'recipe.gif'),
      command: [FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', '-framerate', String(FPS), '-i', join(source, 'f_%05d.png'), '-vf', 'scale=640:-2,split[a][b];[a]palettegen[p];[b][p]paletteuse', join(out, 'recipe.gif')]],
    },
  ];
  if (gifskiSpeed) sides.push({ encoder: 'gifski 1.7.1 (one run)', file: join(out, 'gifski.gif'), command: [GIFSKI, ['-q', '--no-sort', '--fps', String(FPS), '--width', '640', '-o', join(out, 'gifski.gif'), ...files.map((f) => join(source, f))]], once: true });
  log(`\nGIF speed: ${files.length} PNGs of 1920x1080 -> 640 px GIF, ${runs} interleaved run(s) after a warm-up`);
  for (const s of sides) if (!s.once) await timed(...s.command);
  const samples: Sample[][] = sides.map(() => []);
  for (let r = 0; r < runs; r++) {
    for (const [i, s] of sides.entries()) {
      if (s.once && r > 0) continue;
      const sample = await timed(...s.command);
      samples[i]?.push(sample);
      log(`  ${s.encoder}: ${sample.wall.toFixed(2)} s, CPU ${sample.cpu.toFixed(2)} s, ${mb(sample.rss)}`);
    }
  }
  const rows: SpeedRow[] = [];
  for (const [i, s] of sides.entries()) rows.push({ encoder: s.encoder, samples: samples[i] ?? [], median: medianSample(samples[i] ?? []), bytes: (await stat(s.file)).size });
  return rows;
}

/**
 * The length rows: how the time grows with the number of frames, flipbook against the recipe, both
 * at their defaults. A start-up costs flipbook more (Node, its bundle and node-av, and code V8 has
 * yet to optimise: the first frame is coded cold), so short GIFs show it and long ones show the
 * cost a frame. The flat and alpha sets again, LENGTHS[i] frames each in a folder of its own (the
 * flat set's window wraps round after 60 frames, so every frame moves).
 */
export const LENGTHS = [1, 48, 192] as const;
const LENGTH_SETS: readonly FrameSet[] = GIF_SETS.filter((set) => set.name !== 'photo');

export interface LengthRow {
  set: string;
  frames: number;
  flipbook: Sample;
  recipe: Sample;
  /** The library called WARM_CALLS times in one process: the last calls (code V8 has optimised), wall and CPU of one call. */
  warm?: Sample | undefined;
}

/** Lengths with a warm row: the library's third call in one process (calls 1 and 2 warm V8 up). */
const WARM_LENGTHS: readonly number[] = [48, 192];
const WARM_CALLS = 3;

/**
 * A child process that calls the built library's stitch `calls` times on one folder and prints
 * each call's wall and CPU seconds (process.cpuUsage: every thread of the process) as JSON.
 */
function warmChild(dir: string, gif: string, calls: number): [string, string[]] {
  const code = [
    `const { stitch } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)});`,
    'const out = [];',
    `for (let i = 0; i < ${calls}; i++) {`,
    '  const t = performance.now(); const c = process.cpuUsage();',
    `  await stitch(${JSON.stringify(`${dir}/`)}, ${JSON.stringify(gif)}, { fps: ${FPS}, overwrite: true });`,
    '  const u = process.cpuUsage(c); out.push({ wall: (performance.now() - t) / 1000, cpu: (u.user + u.system) / 1e6 });',
    '}',
    'console.log(JSON.stringify(out));',
  ].join('\n');
  return [process.execPath, ['--input-type=module', '-e', code]];
}

/**
 * The length rows, and the command's start-up measured beside them (\`info\` of one frame, a fresh
 * process each round): start-up plus a warm call is what the command would take if every frame
 * ran at the speed of optimised code, the floor a command's JIT warm-up sits on.
 */
async function benchLengths(bin: string, runs: number, log: (l: string) => void): Promise<{ rows: LengthRow[]; startup: Sample }> {
  const out = join(WORK, 'lengths');
  await mkdir(out, { recursive: true });
  let oneFrame: string | undefined;
  const jobs: { set: string; frames: number; flipbook: [string, string[]]; recipe: [string, string[]]; warm?: [string, string[]] }[] = [];
  for (const set of LENGTH_SETS) {
    for (const count of LENGTHS) {
      const dir = await frames(set, log, count, `length-${count}`);
      oneFrame ??= join(dir, 'frame_1.png');
      const gif = (who: string): string => join(out, `${set.name}-${count}-${who}.gif`);
      jobs.push({
        set: set.name,
        frames: count,
        flipbook: [process.execPath, [bin, 'stitch', `${relative(ROOT, dir)}/`, '--fps', String(FPS), '-o', gif('flipbook'), '-y', '--quiet']],
        recipe: [FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...frameInput(dir), '-vf', 'split[a][b];[a]palettegen[p];[b][p]paletteuse', gif('recipe')]],
        ...(WARM_LENGTHS.includes(count) ? { warm: warmChild(dir, gif('warm'), WARM_CALLS) } : {}),
      });
    }
  }
  log(`\nGIF time by length: ${LENGTHS.join(', ')} frames of ${LENGTH_SETS.map((s) => s.name).join(' and ')}, ${runs} interleaved run(s)`);
  const samples = jobs.map(() => ({ flipbook: [] as Sample[], recipe: [] as Sample[], warm: [] as Sample[] }));
  const startups: Sample[] = [];
  if (!oneFrame) throw new Error('No length set to measure');
  for (let r = 0; r < runs; r++) {
    const s = await timed(process.execPath, [bin, 'info', oneFrame]);
    startups.push(s);
    log(`  start-up (info of one frame): ${s.wall.toFixed(2)} s`);
    for (const [i, job] of jobs.entries()) {
      const f = await timed(...job.flipbook);
      const e = await timed(...job.recipe);
      samples[i]?.flipbook.push(f);
      samples[i]?.recipe.push(e);
      let warm = '';
      if (job.warm) {
        const calls = JSON.parse((await run(...job.warm)).stdout) as { wall: number; cpu: number }[];
        const last = calls[calls.length - 1];
        if (!last || calls.length !== WARM_CALLS) throw new Error(`The warm child reported ${calls.length} calls, not ${WARM_CALLS}`);
        samples[i]?.warm.push({ ...last, rss: 0 });
        warm = `, library calls ${calls.map((c) => c.wall.toFixed(2)).join(' / ')} s`;
      }
      log(`  ${job.set} ${job.frames}: flipbook ${f.wall.toFixed(2)} s, recipe ${e.wall.toFixed(2)} s${warm}`);
    }
  }
  const rows = jobs.map((job, i) => ({
    set: job.set,
    frames: job.frames,
    flipbook: medianSample(samples[i]?.flipbook ?? []),
    recipe: medianSample(samples[i]?.recipe ?? []),
    warm: samples[i]?.warm.length ? medianSample(samples[i]?.warm ?? []) : undefined,
  }));
  return { rows, startup: medianSample(startups) };
}

/** The length rows as a table, and per set the start and the cost a frame of each (from the shortest and the longest row). */
export function lengthMarkdown(rows: readonly LengthRow[], runs: number, startup?: Sample): string[] {
  const lines = [
    '',
    `### Time by length: flipbook against the recipe, both at their defaults (medians of ${runs} interleaved runs)`,
    '',
    `The command is a fresh process each time. "Library, warm": the built library's \`stitch\` called ${WARM_CALLS} times in one process (as a notebook or a service calls it), the last call's wall and CPU (every thread).` +
      (startup
        ? ` "Floor": the command's start-up (\`flipbook info\` of one frame, ${startup.wall.toFixed(3)} s: Node, the bundle, node-av) plus the warm call, what the command would take if its code were optimised from the first frame.`
        : ''),
    '',
    '| set | frames | flipbook command wall (CPU) | recipe wall (CPU) | command / recipe | library, warm: wall (CPU) | warm / recipe |' + (startup ? ' floor | floor / recipe |' : ''),
    '| --- | --- | --- | --- | --- | --- | --- |' + (startup ? ' --- | --- |' : ''),
    ...rows.map((r) => {
      const floor = startup && r.warm ? startup.wall + r.warm.wall : undefined;
      return (
        `| ${r.set} | ${r.frames} | ${r.flipbook.wall.toFixed(2)} s (${r.flipbook.cpu.toFixed(2)} s) | ${r.recipe.wall.toFixed(2)} s (${r.recipe.cpu.toFixed(2)} s) | ${(r.flipbook.wall / r.recipe.wall).toFixed(2)} | ` +
        (r.warm ? `${r.warm.wall.toFixed(2)} s (${r.warm.cpu.toFixed(2)} s) | ${(r.warm.wall / r.recipe.wall).toFixed(2)} |` : ' | |') +
        (startup ? (floor === undefined ? ' | |' : ` ${floor.toFixed(2)} s | ${(floor / r.recipe.wall).toFixed(2)} |`) : '')
      );
    }),
    '',
  ];
  for (const set of new Set(rows.map((r) => r.set))) {
    const mine = rows.filter((r) => r.set === set).sort((a, b) => a.frames - b.frames);
    const first = mine[0];
    const last = mine[mine.length - 1];
    if (!first || !last || last.frames === first.frames) continue;
    const span = last.frames - first.frames;
    const perF = (last.flipbook.wall - first.flipbook.wall) / span;
    const perR = (last.recipe.wall - first.recipe.wall) / span;
    const cross = perF < perR ? Math.ceil(first.frames + (first.flipbook.wall - first.recipe.wall) / (perR - perF)) : undefined;
    lines.push(
      `- ${set}: a ${first.frames}-frame GIF takes ${first.flipbook.wall.toFixed(2)} s against ${first.recipe.wall.toFixed(2)} s; each further frame ${(perF * 1000).toFixed(1)} ms against ${(perR * 1000).toFixed(1)} ms` +
        (cross === undefined ? ': flipbook stays above the recipe at every length.' : cross <= first.frames ? ': flipbook is at or below the recipe at every length.' : `: flipbook reaches the recipe at about ${cross} frames.`),
    );
  }
  return lines;
}

export async function benchGif(opts: { runs: number; log: (l: string) => void; sets?: readonly FrameSet[]; speed?: boolean; gifskiSpeed?: boolean; lengths?: boolean }): Promise<GifBench> {
  requireTools('GIF');
  if (!existsSync(GIFSKI)) throw new Error(`${GIFSKI} is missing: npm ci installs the gifski devDependency`);
  const { bin } = await builtFlipbook(opts.log);
  flipbookHasLossy = (await run(process.execPath, [bin, 'stitch', '--help'])).stdout.includes('--lossy');
  await mkdir(WORK, { recursive: true });
  const sets: GifSetResult[] = [];
  for (const set of opts.sets ?? GIF_SETS) sets.push(await benchSet(set, bin, opts.runs, opts.log));
  const speed = opts.speed === false ? [] : await benchSpeed(bin, opts.runs, opts.gifskiSpeed ?? false, opts.log);
  const measured = opts.lengths === false ? undefined : await benchLengths(bin, opts.runs, opts.log);
  const lengths = measured?.rows ?? [];
  const recipe = speed.find((s) => s.encoder.startsWith('ffmpeg'));
  const header = ['| encoder | setting | bytes | SSIM | PSNR | wall | CPU |', '| --- | --- | --- | --- | --- | --- | --- |'];
  const markdown = [
    '## GIF quality at equal size, and speed',
    '',
    `Each set: ${FRAMES} PNG frames at 640x360, ${FPS} fps, made by bench/gif.ts with Debian's ffmpeg. SSIM (All) and PSNR (average) by ffmpeg 5.1's ssim and psnr filters in gbrp against the source frames (the alpha set composited onto grey on both sides). Sizes matched to gifski's default (quality 90): flipbook's knob (\`lossy\`, then \`colors\`) and the recipe's max_colors bisected to the largest file at most that size. Times: medians of ${opts.runs} interleaved runs, child processes under GNU time, on a shared 2-core machine (noisy).`,
    ...sets.flatMap((set) => [
      '',
      `### ${set.name}: ${set.about}`,
      '',
      `At equal size (target ${(set.target / 1e6).toFixed(3)} MB):`,
      '',
      ...header,
      ...set.matched.map(row),
      '',
      'Defaults (one run):',
      '',
      ...header,
      ...set.defaults.map(row),
    ]),
    ...(speed.length
      ? [
          '',
          '### Speed: 300 PNGs of 1920x1080 (testsrc2) to a 640 px GIF',
          '',
          '| encoder | wall | CPU | peak RSS | bytes | wall vs recipe |',
          '| --- | --- | --- | --- | --- | --- |',
          ...speed.map((s) => `| ${s.encoder} | ${s.median.wall.toFixed(2)} s (${s.samples.map((x) => x.wall.toFixed(1)).join(', ')}) | ${s.median.cpu.toFixed(2)} s | ${mb(s.median.rss)} | ${(s.bytes / 1e6).toFixed(2)} MB | ${recipe ? (s.median.wall / recipe.median.wall).toFixed(2) : ''} |`),
        ]
      : []),
    ...(lengths.length ? lengthMarkdown(lengths, opts.runs, measured?.startup) : []),
    '',
  ].join('\n');
  return { sets, speed, lengths, startup: measured?.startup, markdown };
}

export { median };

// `npx tsx bench/gif.ts [--runs N] [--sets photo,flat] [--no-speed] [--no-lengths] [--gifski-speed]`: this benchmark alone.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, sets: { type: 'string' }, 'no-speed': { type: 'boolean', default: false }, 'no-lengths': { type: 'boolean', default: false }, 'gifski-speed': { type: 'boolean', default: false } } });
  const names = values.sets?.split(',');
  const log = (l: string): void => console.log(l);
  benchGif({ runs: Number(values.runs), log, sets: names ? GIF_SETS.filter((s) => names.includes(s.name)) : GIF_SETS, speed: !values['no-speed'], lengths: !values['no-lengths'], gifskiSpeed: values['gifski-speed'] })
    .then((r) => log(`\n${r.markdown}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
