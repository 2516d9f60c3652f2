/**
 * A GIF in segments, the coordinator's part (the workers' is gif.ts): the pictures are cut into
 * segments, counted and spooled on the workers, one palette is cut from the merged counts, the
 * segments are mapped to it on the workers, and their image blocks are joined under one header.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ANIMATION_TICKS, GifReferences, Palette, PaletteGenerator, gifHeaderBytes, readRawPictures } from '../engine/index.js';
import { FlipbookError, type Text, systemReason } from '../errors.js';
import { framesHeld, placeFrame } from '../core/animation-output.js';
import type { OutputHooks, OutputResult } from '../core/output.js';
import { type AnimationPlan, GIF_MAX_FPS } from '../options/animation-options.js';
import type { ResolvedOutput } from '../options/output-options.js';
import { fractionToNumber, type Fraction } from '../options/values.js';
import { SafeOutput } from '../output/safe-output.js';
import { throwIfAborted } from '../util/abort.js';
import { ProgressClock } from '../util/progress.js';
import { histogramFile } from './gif.js';
import { type PoolRun, WorkerPool } from './pool.js';
import { segmentDirectory, segmentSpans } from './run.js';
import type { GifPhase, SegmentDone, SegmentSource, SegmentTask } from './task.js';

export interface GifSegmentedRun {
  options: ResolvedOutput;
  /** The animation's settings and frame size, as the one-piece run settles them. */
  plan: AnimationPlan;
  /** Files the output must never replace. */
  inputs: readonly string[];
  /** Pictures of the whole animation (stitch's images, animate's frames). */
  pictures: number;
  source: SegmentSource;
  /** Renders tasks into their files (default: the local pool). */
  executor?: (run: PoolRun) => Promise<SegmentDone[]>;
}

export interface GifSegmentedResult {
  frames: number;
  /** Seconds. */
  duration: number;
  bytes: number;
  /** The frame rate shown at most (50 when the input's was higher). */
  fps: Fraction;
  colors: number;
  segments: number;
  warnings: Text[];
}

/**
 * Renders a GIF on `jobs` worker processes. Exactly the frames and delays of a one-piece run,
 * the same palette (the counts of all segments merged: sums, nothing lost), and with tolerance 0
 * the same bytes: each segment's writer is primed with the last frame written before it, and a
 * frame's difference from the previous one is all the writer looks at. With a tolerance, a
 * segment's first frame compares with the previous frame's colours where one piece compares
 * with the colours each pixel was last drawn from (at most the tolerance apart). The spools and
 * segments live in a hidden directory beside the output, removed at the end, on failure, on
 * cancel and when the process exits.
 */
export async function runSegmentedGif(run: GifSegmentedRun, hooks: OutputHooks = {}): Promise<GifSegmentedResult> {
  const { options, plan, signal } = { ...run, signal: hooks.signal };
  throwIfAborted(signal);
  const fps = fractionToNumber(options.fps);
  const spans = segmentSpans(options, run.pictures);
  // One set of workers for both rounds: each process starts once.
  const pool = run.executor ? undefined : new WorkerPool(options.jobs);
  const execute = run.executor ?? ((r: PoolRun) => pool!.run(r));
  const warnings: Text[] = [];
  const out = await SafeOutput.create(options.output, { overwrite: options.overwrite, inputs: run.inputs });
  const { dir, removeDir } = segmentDirectory(options.output);
  // Each picture twice, counted as the animation's frames in two stages (as one piece says
  // them): counted and spooled, then mapped and written.
  const clock = new ProgressClock(run.pictures, { count: 2, stage: 'spooling' });
  const onFrames = (frames: number): void => {
    for (let i = 0; i < frames; i++) hooks.onProgress?.(clock.tick());
  };
  try {
    await mkdir(dir, { recursive: true });
    const name = (index: number, ext: string): string => join(dir, `segment-${String(index).padStart(5, '0')}.${ext}`);
    const tasks = (gif: (index: number) => GifPhase): SegmentTask[] =>
      spans.map((span) => ({ output: options.output, index: span.index, segments: spans.length, first: span.first, count: span.count, total: run.pictures, source: run.source, gif: gif(span.index) }));

    // 1. Count and spool.
    const spools = spans.map((span) => name(span.index, 'rgba'));
    const counted = await execute({ tasks: tasks(() => ({ phase: 'count' })), files: spools, jobs: options.jobs, signal, onFrames });
    throwIfAborted(signal);
    const transparent = counted.some((done) => done.gif?.transparent === true);
    const generator = new PaletteGenerator(plan.colors, transparent);
    for (const [i, done] of counted.entries()) {
      const bytes = await readFile(histogramFile(spools[i] as string));
      // (A copy: a typed array of doubles needs an aligned start.)
      generator.merge(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)), done.frames);
    }
    const palette: Palette = generator.finish();

    // 2. Where each picture lands, over the whole animation (as writeAnimation does in one piece).
    let fpsCap: number | undefined;
    if (fps > GIF_MAX_FPS) {
      fpsCap = GIF_MAX_FPS;
      warnings.push(`GIF delays are whole hundredths of a second and players show at most ${GIF_MAX_FPS} fps: ${Math.round(fps * 1000) / 1000} fps is written at ${GIF_MAX_FPS} fps (frames in between are dropped)`);
    }
    const state = { last: -1 };
    const placements: ({ pts: number; duration: number } | null)[][] = [];
    /** Per segment, the last picture written before it: [segment, index in its spool]. */
    const primes: ([number, number] | undefined)[] = [];
    let lastWritten: [number, number] | undefined;
    let frames = 0;
    let end = 0;
    for (const [s, done] of counted.entries()) {
      primes.push(lastWritten);
      const times = done.gif?.times ?? [];
      const placed: ({ pts: number; duration: number } | null)[] = [];
      for (let i = 0; i < times.length / 2; i++) {
        const p = placeFrame({ start: times[i * 2] as number, end: times[i * 2 + 1] as number }, ANIMATION_TICKS.gif, fpsCap, state);
        placed.push(p ?? null);
        if (p) {
          lastWritten = [s, i];
          frames++;
          end = p.pts + p.duration;
        }
      }
      placements.push(placed);
    }
    if (frames === 0) throw new FlipbookError('NO_INPUT', 'No frame was left to write', { hint: 'See the warnings for each file' });

    // With a tolerance, a pixel's reference may be a colour older than the previous frame's: one
    // pass over the frames written before the last cut finds each segment's references (the
    // frame differences alone, no mapping: what write() would leave).
    const { size } = plan;
    const references: (string | undefined)[] = spans.map(() => undefined);
    if (plan.tolerance > 0 && !palette.transparent && spans.length > 1) {
      const tracker = new GifReferences({ width: size.width, height: size.height, palette, tolerance: plan.tolerance });
      for (let s = 0; s < spans.length - 1; s++) {
        const placed = placements[s] ?? [];
        let i = 0;
        for await (const picture of readRawPictures(spools[s] as string, size.width, size.height, 0, placed.length)) {
          try {
            throwIfAborted(signal);
            if (placed[i++]) tracker.add(picture);
          } finally {
            picture.release();
          }
        }
        const state = tracker.state();
        references[s + 1] = name(s + 1, 'ref');
        await writeFile(references[s + 1] as string, new Uint8Array(state.buffer, state.byteOffset, state.byteLength));
      }
    }

    // 3. Map each segment to the palette.
    const blocks = spans.map((span) => name(span.index, 'gif'));
    clock.stage('writing', run.pictures, 0);
    await execute({
      tasks: tasks((index) => {
        const prime = primes[index];
        return {
          phase: 'map',
          spool: spools[index] as string,
          width: size.width,
          height: size.height,
          loop: plan.loop,
          palette: Array.from(palette.colors),
          transparent: palette.transparent,
          dither: plan.dither,
          tolerance: plan.tolerance,
          lossy: plan.lossy,
          frames: placements[index] ?? [],
          ...(prime ? { prime: { file: spools[prime[0]] as string, frame: prime[1] } } : {}),
          ...(references[index] ? { references: references[index] } : {}),
        };
      }),
      files: blocks,
      jobs: options.jobs,
      signal,
      onFrames,
    });
    throwIfAborted(signal);

    // 4. One header, every segment's blocks, the trailer.
    await joinGif(out.temporary, options.output, gifHeaderBytes({ width: size.width, height: size.height, loop: plan.loop, palette }), blocks, signal);
    throwIfAborted(signal);
    await out.commit();
    const { size: bytes } = await stat(options.output);
    return { frames, duration: end / ANIMATION_TICKS.gif, bytes, fps: fpsCap ? { num: fpsCap, den: 1 } : options.fps, colors: plan.colors, segments: spans.length, warnings };
  } catch (error) {
    await out.discard();
    throw error;
  } finally {
    await pool?.close();
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removeDir();
  }
}

/** Writes `header`, then each file's bytes in turn, then `trailer` into `file`. */
async function joinGif(file: string, name: string, parts: { header: Uint8Array; trailer: Uint8Array }, blocks: readonly string[], signal: AbortSignal | undefined): Promise<void> {
  const handle = await open(file, 'w');
  const write = async (bytes: Uint8Array): Promise<void> => {
    try {
      await handle.write(bytes);
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot write ${name}: ${systemReason(cause)}`, { file: name, cause });
    }
  };
  try {
    await write(parts.header);
    for (const block of blocks) {
      throwIfAborted(signal);
      for await (const chunk of createReadStream(block, { highWaterMark: 1 << 20 })) await write(chunk as Buffer);
    }
    await write(parts.trailer);
  } finally {
    await handle.close();
  }
}

/** The result of a GIF rendered in segments, as a one-piece run gives it. */
export function gifSegmentedResult(output: string, plan: AnimationPlan, written: GifSegmentedResult, report: Pick<OutputResult, 'fitted' | 'skipped' | 'warnings'>): OutputResult {
  return {
    output,
    frames: written.frames,
    width: plan.size.width,
    height: plan.size.height,
    fps: written.fps,
    duration: written.duration,
    codec: 'gif',
    profile: '',
    pixelFormat: plan.pixelFormat,
    bytes: written.bytes,
    ...report,
    ...(framesHeld(written) ? { vfr: true } : {}),
    animation: { colors: written.colors, loop: plan.loop, dither: plan.dither, lossless: undefined, tolerance: plan.tolerance, lossy: plan.lossy, maxSize: undefined },
  };
}
