/**
 * The GIF benchmark (issue 5): quality at equal file size. flipbook's default GIF (palette from
 * the frames, sierra2_4a dithering) against the two ffmpeg CLI recipes on the same frames
 * (the project's sample, 48 PNGs of 320x180 at 25 fps):
 *
 * - plain: `ffmpeg -framerate 25 -i frame_%d.png plain.gif` (a fixed 256-colour rgb8 palette);
 * - recipe: `ffmpeg -framerate 25 -i frame_%d.png -vf "split[a][b];[a]palettegen[p];[b][p]paletteuse" recipe.gif`.
 *
 * Quality is SSIM against the source frames (FFmpeg's ssim filter, the "All" mean over every
 * frame, both sides converted to gbrp). Equal size: GIF sizes differ, so one side's palette size
 * is searched (bisection on colors / max_colors, 2 to 256) for the largest that is at most the
 * other side's bytes, and the SSIMs are compared at those sizes:
 *   1. flipbook at the plain GIF's size (flipbook's --colors tuned down to fit it);
 *   2. the recipe at flipbook's default size (the recipe's max_colors tuned), and flipbook at the
 *      recipe's size (flipbook's colors tuned), so neither side is favoured by the match.
 * Targets: flipbook above plain, and no worse than the recipe, at equal size.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { stitch } from '../src/index.js';
import { FFMPEG, RESULTS, ROOT, run } from './support.js';

const WORK = join(RESULTS, 'gif');
const FRAMES = join(ROOT, 'sample', 'frames');
const FPS = 25;

interface Point {
  side: string;
  colors: number | undefined;
  bytes: number;
  ssim: number;
  seconds: number;
}

export interface GifBench {
  frames: string;
  points: Point[];
  comparisons: { label: string; flipbook: Point; other: Point; delta: number; met: boolean }[];
  markdown: string;
}

/** ffmpeg's stderr (where its ssim filter reports). */
async function ffmpeg(args: readonly string[]): Promise<string> {
  return (await run(FFMPEG, ['-hide_banner', '-nostdin', '-y', ...args])).stderr;
}

const INPUT = ['-framerate', String(FPS), '-start_number', '1', '-i', join(FRAMES, 'frame_%d.png')];

/** SSIM of a GIF against the source frames: the mean over all frames and planes (gbrp). */
async function ssim(gif: string): Promise<number> {
  const log = await ffmpeg(['-i', gif, ...INPUT, '-lavfi', '[0:v]format=gbrp[a];[1:v]format=gbrp[b];[a][b]ssim', '-f', 'null', '-']);
  const match = /SSIM .*All:([0-9.]+)/.exec(log);
  if (!match) throw new Error(`no SSIM in ffmpeg's output for ${gif}`);
  return Number(match[1]);
}

async function measure(side: string, colors: number | undefined, file: string, make: () => Promise<unknown>): Promise<Point> {
  const started = performance.now();
  await make();
  const seconds = (performance.now() - started) / 1000;
  return { side, colors, bytes: (await stat(file)).size, ssim: await ssim(file), seconds };
}

function flipbookGif(colors: number): Promise<Point> {
  const file = join(WORK, `flipbook-${colors}.gif`);
  return measure('flipbook', colors, file, () => stitch(join(FRAMES, '*.png'), file, { fps: FPS, colors, overwrite: true }));
}

function recipeGif(colors: number): Promise<Point> {
  const file = join(WORK, `recipe-${colors}.gif`);
  return measure('ffmpeg palettegen/paletteuse', colors, file, () =>
    ffmpeg([...INPUT, '-vf', `split[a][b];[a]palettegen=max_colors=${colors}[p];[b][p]paletteuse`, file]),
  );
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

export async function benchGif(opts: { runs: number; log: (l: string) => void }): Promise<GifBench> {
  const { log } = opts;
  if (!existsSync(FFMPEG)) throw new Error(`${FFMPEG} is missing: apt-get install -y ffmpeg`);
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  log('\nGIF: SSIM against the source frames at equal size (sample/frames, 48 x 320x180, 25 fps)');

  const plainFile = join(WORK, 'plain.gif');
  const plain = await measure('ffmpeg plain', undefined, plainFile, () => ffmpeg([...INPUT, plainFile]));
  const fbDefault = await flipbookGif(256);
  const recipe = await recipeGif(256);
  for (const p of [plain, fbDefault, recipe]) log(`  ${p.side}${p.colors ? ` (${p.colors} colours)` : ''}: ${p.bytes} bytes, SSIM ${p.ssim.toFixed(4)}, ${p.seconds.toFixed(2)} s`);

  const fbAtPlain = await atSize(flipbookGif, plain.bytes);
  const recipeAtFb = await atSize(recipeGif, fbDefault.bytes);
  const fbAtRecipe = await atSize(flipbookGif, recipe.bytes);
  const comparisons = [
    { label: "flipbook vs plain `ffmpeg -i frames_%03d.png out.gif`, at the plain GIF's size", flipbook: fbAtPlain, other: plain, higher: true },
    { label: "flipbook default vs the palettegen/paletteuse recipe, at flipbook's size", flipbook: fbDefault, other: recipeAtFb, higher: false },
    { label: "flipbook vs the palettegen/paletteuse recipe default, at the recipe's size", flipbook: fbAtRecipe, other: recipe, higher: false },
  ].map(({ label, flipbook, other, higher }) => {
    const delta = flipbook.ssim - other.ssim;
    return { label, flipbook, other, delta, met: higher ? delta > 0 : delta >= -0.001 };
  });
  for (const c of comparisons) {
    log(`  ${c.label}: flipbook ${c.flipbook.ssim.toFixed(4)} (${c.flipbook.colors} colours, ${c.flipbook.bytes} B) vs ${c.other.ssim.toFixed(4)} (${c.other.colors ?? 'rgb8'} colours, ${c.other.bytes} B): ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)} ${c.met ? 'met' : 'NOT met'}`);
  }
  const points = [plain, fbDefault, recipe, fbAtPlain, recipeAtFb, fbAtRecipe];
  const row = (p: Point): string => `| ${p.side} | ${p.colors ?? 'rgb8 (fixed)'} | ${p.bytes} | ${p.ssim.toFixed(4)} | ${p.seconds.toFixed(2)} |`;
  const markdown = [
    '## GIF quality at equal size',
    '',
    'SSIM (ffmpeg ssim filter, gbrp, mean of all frames) against the 48 source frames of sample/frames (320x180, 25 fps). Sizes are matched by bisecting one side\'s palette size (flipbook `colors`, the recipe\'s `palettegen=max_colors`) to the largest whose file is at most the other\'s.',
    '',
    '| GIF | colours | bytes | SSIM | seconds |',
    '| --- | --- | --- | --- | --- |',
    ...[plain, fbDefault, recipe].map(row),
    '',
    '| comparison at equal size | flipbook | other | difference | target |',
    '| --- | --- | --- | --- | --- |',
    ...comparisons.map((c) => `| ${c.label} | ${c.flipbook.ssim.toFixed(4)} (${c.flipbook.colors} colours, ${c.flipbook.bytes} B) | ${c.other.ssim.toFixed(4)} (${c.other.colors ?? 'rgb8'}, ${c.other.bytes} B) | ${c.delta >= 0 ? '+' : ''}${c.delta.toFixed(4)} | ${c.met ? 'met' : 'not met'} |`),
    '',
  ].join('\n');
  return { frames: 'sample/frames', points, comparisons: comparisons.map(({ label, flipbook, other, delta, met }) => ({ label, flipbook, other, delta, met })), markdown };
}
