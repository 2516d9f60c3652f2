/**
 * The GIF benchmark (issue 5): quality at equal file size. flipbook's default GIF (palette from
 * the frames, sierra2_4a dithering) against the two ffmpeg CLI recipes on the same frames, on
 * two kinds of frames (GIF_SETS: the project's sample, 48 PNGs of 320x180 at 25 fps made by
 * testsrc2, and 48 frames of mandelbrot made here, smooth gradients in many colours):
 *
 * - plain: `ffmpeg -framerate 25 -i frame_%d.png plain.gif` (a fixed 256-colour rgb8 palette);
 * - recipe: `ffmpeg -framerate 25 -i frame_%d.png -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" recipe.gif`.
 *
 * Quality is SSIM against the source frames (FFmpeg's ssim filter, the "All" mean over every
 * frame, both sides converted to gbrp). Equal size: GIF sizes differ, so one side's palette size
 * is searched (bisection on colors / max_colors, 4 to 256) for the largest that is at most the
 * other side's bytes, and the SSIMs are compared at those sizes:
 *   1. flipbook at the plain GIF's size (flipbook's --colors tuned down to fit it);
 *   2. the recipe at flipbook's default size (the recipe's max_colors tuned), and flipbook at the
 *      recipe's size (flipbook's colors tuned), so neither side is favoured by the match.
 * Targets: flipbook above plain, and no worse than the recipe (by at most 0.001), at equal size.
 * When flipbook's 256-colour GIF is already smaller than the recipe's, the last comparison is at
 * flipbook's largest palette, i.e. flipbook with fewer bytes.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { stitch } from '../src/index.js';
import { FFMPEG, RESULTS, ROOT, run } from './support.js';

const WORK = join(RESULTS, 'gif');
const FPS = 25;

/** A set of frames to compare on: PNGs named frame_1.png, frame_2.png, ... */
export interface FrameSet {
  name: string;
  /** What the frames show, for the tables. */
  about: string;
  dir: string;
  /** Makes the frames when they are not there (with Debian's ffmpeg). */
  make?: (dir: string) => Promise<unknown>;
}

/**
 * The sample (testsrc2: flat colour bars, a gradient band, text, noise squares) and frames of
 * another kind, made here with Debian's ffmpeg: mandelbrot, smooth gradients in many colours
 * that zoom, which a GIF palette cannot hold and dithering must fake.
 */
export const GIF_SETS: readonly FrameSet[] = [
  { name: 'sample', about: 'sample/frames (testsrc2), 48 x 320x180', dir: join(ROOT, 'sample', 'frames') },
  {
    name: 'mandelbrot',
    about: 'mandelbrot (ffmpeg lavfi), 48 x 320x180',
    dir: join(WORK, 'frames-mandelbrot'),
    make: (dir) => ffmpeg(['-f', 'lavfi', '-i', `mandelbrot=size=320x180:rate=${FPS}`, '-frames:v', '48', join(dir, 'frame_%d.png')]),
  },
];

interface Point {
  side: string;
  colors: number | undefined;
  bytes: number;
  ssim: number;
  seconds: number;
}

interface Comparison {
  label: string;
  flipbook: Point;
  other: Point;
  delta: number;
  met: boolean;
}

export interface GifSetResult {
  frames: string;
  points: Point[];
  comparisons: Comparison[];
}

export interface GifBench {
  sets: GifSetResult[];
  markdown: string;
}

/** ffmpeg's stderr (where its ssim filter reports). */
async function ffmpeg(args: readonly string[]): Promise<string> {
  return (await run(FFMPEG, ['-hide_banner', '-nostdin', '-y', ...args])).stderr;
}

const input = (dir: string): string[] => ['-framerate', String(FPS), '-start_number', '1', '-i', join(dir, 'frame_%d.png')];

/** SSIM of a GIF against the source frames: the mean over all frames and planes (gbrp). */
async function ssim(gif: string, dir: string): Promise<number> {
  const log = await ffmpeg(['-i', gif, ...input(dir), '-lavfi', '[0:v]format=gbrp[a];[1:v]format=gbrp[b];[a][b]ssim', '-f', 'null', '-']);
  const match = /SSIM .*All:([0-9.]+)/.exec(log);
  if (!match) throw new Error(`no SSIM in ffmpeg's output for ${gif}`);
  return Number(match[1]);
}

async function measure(side: string, colors: number | undefined, file: string, dir: string, make: () => Promise<unknown>): Promise<Point> {
  const started = performance.now();
  await make();
  const seconds = (performance.now() - started) / 1000;
  return { side, colors, bytes: (await stat(file)).size, ssim: await ssim(file, dir), seconds };
}

/** The largest palette (4 to 256: palettegen's range) whose GIF is at most `bytes`, by bisection; the 4-colour GIF if none is. */
async function atSize(make: (colors: number) => Promise<Point>, bytes: number): Promise<Point> {
  let lo = 4;
  let hi = 256;
  let best = await make(lo);
  const top = await make(hi);
  if (top.bytes <= bytes) return top;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const point = await make(mid);
    if (point.bytes <= bytes) {
      lo = mid;
      best = point;
    } else hi = mid;
  }
  return best;
}

const fixed = (n: number): string => n.toFixed(4);
const signed = (n: number): string => `${n >= 0 ? '+' : ''}${fixed(n)}`;

async function benchSet(set: FrameSet, log: (l: string) => void): Promise<GifSetResult> {
  const work = join(WORK, set.name);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  if (!existsSync(join(set.dir, 'frame_1.png'))) {
    if (!set.make) throw new Error(`${set.dir} has no frame_1.png`);
    await mkdir(set.dir, { recursive: true });
    await set.make(set.dir);
  }
  log(`\nGIF: SSIM against the source frames at equal size (${set.about}, ${FPS} fps)`);
  const flipbookGif = (colors: number): Promise<Point> => {
    const file = join(work, `flipbook-${colors}.gif`);
    return measure('flipbook', colors, file, set.dir, () => stitch(join(set.dir, '*.png'), file, { fps: FPS, colors, overwrite: true }));
  };
  const recipeGif = (colors: number): Promise<Point> => {
    const file = join(work, `recipe-${colors}.gif`);
    return measure('ffmpeg palettegen/paletteuse', colors, file, set.dir, () =>
      ffmpeg([...input(set.dir), '-vf', `split[a][b];[a]palettegen=max_colors=${colors}[p];[b][p]paletteuse`, file]),
    );
  };
  const plainFile = join(work, 'plain.gif');
  const plain = await measure('ffmpeg plain', undefined, plainFile, set.dir, () => ffmpeg([...input(set.dir), plainFile]));
  const fbDefault = await flipbookGif(256);
  const recipe = await recipeGif(256);
  for (const p of [plain, fbDefault, recipe]) log(`  ${p.side}${p.colors ? ` (${p.colors} colours)` : ''}: ${p.bytes} bytes, SSIM ${fixed(p.ssim)}, ${p.seconds.toFixed(2)} s`);

  const fbAtPlain = await atSize(flipbookGif, plain.bytes);
  const recipeAtFb = await atSize(recipeGif, fbDefault.bytes);
  const fbAtRecipe = await atSize(flipbookGif, recipe.bytes);
  const comparisons = [
    { label: "flipbook vs plain `ffmpeg -i frames_%03d.png out.gif`, at the plain GIF's size", flipbook: fbAtPlain, other: plain, higher: true },
    { label: "flipbook default vs the palettegen/paletteuse recipe, at flipbook's size", flipbook: fbDefault, other: recipeAtFb, higher: false },
    { label: "flipbook vs the palettegen/paletteuse recipe default, at the recipe's size", flipbook: fbAtRecipe, other: recipe, higher: false },
  ].map(({ label, flipbook, other, higher }): Comparison => {
    const delta = flipbook.ssim - other.ssim;
    return { label, flipbook, other, delta, met: higher ? delta > 0 : delta >= -0.001 };
  });
  for (const c of comparisons) {
    log(`  ${c.label}: flipbook ${fixed(c.flipbook.ssim)} (${c.flipbook.colors} colours, ${c.flipbook.bytes} B) vs ${fixed(c.other.ssim)} (${c.other.colors ?? 'rgb8'} colours, ${c.other.bytes} B): ${signed(c.delta)} ${c.met ? 'met' : 'NOT met'}`);
  }
  return { frames: set.about, points: [plain, fbDefault, recipe, fbAtPlain, recipeAtFb, fbAtRecipe], comparisons };
}

export async function benchGif(opts: { runs: number; log: (l: string) => void; sets?: readonly FrameSet[] }): Promise<GifBench> {
  if (!existsSync(FFMPEG)) throw new Error(`${FFMPEG} is missing: apt-get install -y ffmpeg`);
  await mkdir(WORK, { recursive: true });
  const sets: GifSetResult[] = [];
  for (const set of opts.sets ?? GIF_SETS) sets.push(await benchSet(set, opts.log));
  const row = (p: Point): string => `| ${p.side} | ${p.colors ?? 'rgb8 (fixed)'} | ${p.bytes} | ${fixed(p.ssim)} | ${p.seconds.toFixed(2)} |`;
  const markdown = [
    '## GIF quality at equal size',
    '',
    "SSIM (ffmpeg ssim filter, gbrp, mean of all frames) against the source frames, at 25 fps. Sizes are matched by bisecting one side's palette size (flipbook `colors`, the recipe's `palettegen=max_colors`) to the largest whose file is at most the other's. The ffmpeg CLI is Debian's /usr/bin/ffmpeg.",
    ...sets.flatMap((set) => [
      '',
      `### ${set.frames}`,
      '',
      '| GIF | colours | bytes | SSIM | seconds |',
      '| --- | --- | --- | --- | --- |',
      ...set.points.slice(0, 3).map(row),
      '',
      '| comparison at equal size | flipbook | other | difference | target |',
      '| --- | --- | --- | --- | --- |',
      ...set.comparisons.map(
        (c) => `| ${c.label} | ${fixed(c.flipbook.ssim)} (${c.flipbook.colors} colours, ${c.flipbook.bytes} B) | ${fixed(c.other.ssim)} (${c.other.colors ?? 'rgb8'}, ${c.other.bytes} B) | ${signed(c.delta)} | ${c.met ? 'met' : 'not met'} |`,
      ),
    ]),
    '',
  ].join('\n');
  return { sets, markdown };
}
