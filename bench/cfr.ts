/**
 * `npx tsx bench/cfr.ts [--runs N]`: what the constant frame rate default costs against `--vfr`
 * on a slideshow: 20 photo-like 1920x1080 JPEGs, 3 s each, to H.264 with the defaults (25 fps,
 * crf 23, preset medium). Each run is the built CLI in a child process under GNU time (wall,
 * user + sys CPU); the two modes are interleaved, after one uncounted warm-up of each; medians.
 * Needs Debian's ffmpeg (to make the images and count the frames) and GNU time.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { FFMPEG, FFPROBE, GNU_TIME, RESULTS, type Sample, builtFlipbook, describe, median, requireTools, run, timed } from './support.js';

const IMAGES = 20;
const HOLD = 3;

/** Photo-like stills (smooth gradients with grain), made once. */
async function stills(log: (line: string) => void): Promise<string> {
  const dir = join(RESULTS, 'slides-1920x1080');
  if (existsSync(join(dir, `s${IMAGES}.jpg`))) return dir;
  log(`Making ${IMAGES} JPEGs of 1920x1080 in ${dir} (once)...`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  for (let i = 1; i <= IMAGES; i++) {
    await run(FFMPEG, ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `gradients=s=1920x1080:n=5:seed=${i}`, '-vf', 'noise=alls=14:all_seed=' + i, '-frames:v', '1', '-q:v', '3', join(partial, `s${i}.jpg`)]);
  }
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  const log = (line: string): void => console.log(line);
  requireTools('cfr', [FFMPEG, FFPROBE, GNU_TIME]);
  await mkdir(RESULTS, { recursive: true });
  const { bin } = await builtFlipbook(log);
  const dir = await stills(log);
  const files = Array.from({ length: IMAGES }, (_, i) => join(dir, `s${i + 1}.jpg`));
  const args = (mode: 'cfr' | 'vfr'): string[] => [bin, 'stitch', ...files, '-o', join(RESULTS, `slides-${mode}.mp4`), '--duration', String(HOLD), '-y', '--quiet', ...(mode === 'vfr' ? ['--vfr'] : [])];
  const samples: Record<'cfr' | 'vfr', (Sample & { bytes: number })[]> = { cfr: [], vfr: [] };
  log(`${IMAGES} JPEGs of 1920x1080, ${HOLD} s each, H.264 defaults; ${runs} interleaved runs of each mode after a warm-up`);
  for (let i = 0; i <= runs; i++) {
    for (const mode of ['cfr', 'vfr'] as const) {
      const sample = await timed(process.execPath, args(mode));
      const bytes = (await stat(join(RESULTS, `slides-${mode}.mp4`))).size;
      log(`  ${i === 0 ? 'warm-up' : `run ${i}/${runs}`} ${mode}: ${describe(sample)}, ${(bytes / 1e6).toFixed(2)} MB`);
      if (i > 0) samples[mode].push({ ...sample, bytes });
    }
  }
  for (const mode of ['cfr', 'vfr'] as const) {
    const frames = (await run(FFPROBE, ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', join(RESULTS, `slides-${mode}.mp4`)])).stdout;
    const s = samples[mode];
    log(`${mode}: ${frames} frames; median wall ${median(s.map((x) => x.wall)).toFixed(2)} s, CPU ${median(s.map((x) => x.cpu)).toFixed(2)} s, ${(median(s.map((x) => x.bytes)) / 1e6).toFixed(2)} MB; wall ${s.map((x) => x.wall.toFixed(1)).join(' ')}; CPU ${s.map((x) => x.cpu.toFixed(1)).join(' ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
