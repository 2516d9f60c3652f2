import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { onExit } from 'signal-exit';

import { type AudioResult, OWN_PALETTE_WINDOW, joinSegments } from '../engine/index.js';
import { FlipbookError, type Text, opt, text } from '../errors.js';
import { type AudioPlan, fitAudio } from '../core/audio-plan.js';
import type { OutputHooks, SkippedFile } from '../core/output.js';
import type { ResolvedOutput } from '../options/output-options.js';
import { fractionToNumber } from '../options/values.js';
import { SafeOutput, ownerToken, temporaryName } from '../output/safe-output.js';
import { throwIfAborted } from '../util/abort.js';
import { ProgressClock } from '../util/progress.js';
import { MIN_SEGMENT_FRAMES, type SegmentSpan, planSegments } from './plan.js';
import { type PoolRun, runPool, startWorkers } from './pool.js';
import { queueExecutor } from '../queue/executor.js';
import type { SegmentDone, SegmentSource, SegmentTask } from './task.js';

export interface SegmentedRun {
  options: ResolvedOutput;
  /** Files the output must never replace. */
  inputs: readonly string[];
  /** Frames of the whole output. */
  frames: number;
  /** The music, probed; fitted to the video here and encoded once by the join. */
  audio: AudioPlan | undefined;
  source: SegmentSource;
  /**
   * Renders the tasks into their files: the local pool (runPool, the default), or another
   * executor with the same contract (the queue's), which must write each file whole or reject.
   */
  executor?: (run: PoolRun) => Promise<SegmentDone[]>;
}

export interface SegmentedResult {
  frames: number;
  /** Seconds. */
  duration: number;
  bytes: number;
  segments: number;
  audio?: AudioResult;
  skipped: SkippedFile[];
}

/**
 * Why a run cannot be cut into segments (it then runs in one piece), or undefined when it can:
 * the segments are joined by copying one video stream at a constant rate, so WebP and APNG,
 * a variable rate, transitions (which span two images) and kept alpha (side data the segment
 * files do not carry) run in one piece. A GIF is cut (gif-run.ts) unless it must fit maxSize
 * (tried again at other sizes) or skips invalid images (which moves the later frames); a GIF
 * on a queue is refused (its palette needs every segment's colours first).
 */
export function segmentsRefused(options: ResolvedOutput, facts: { alpha: boolean }): Text | undefined {
  // (A video too short for two segments also runs in one piece, silently, unless on a queue: see worthSegments.)
  const gif = options.animation?.codec === 'gif';
  if (gif && options.queue) {
    throw new FlipbookError('INVALID_OPTION', "A GIF is not rendered on a queue: its palette needs the colours of every segment before any frame is mapped, and the queue's workers do not share them", {
      option: 'queue',
      hint: text`Leave out ${opt('queue')}: ${opt('jobs', 2)} renders a GIF on this machine's cores`,
    });
  }
  const why = (() => {
    if (options.animation && !gif) return `${options.format.extension} is an animated image`;
    if (gif && options.animation?.maxSize !== undefined) return text`a GIF that must fit ${opt('maxSize')} is encoded again at other sizes`;
    if (gif && 'skipInvalid' in options && options.skipInvalid === true) return text`with ${opt('skipInvalid', true)}, an image left out of a GIF moves every later frame`;
    if (options.vfr) return text`${opt('vfr', true)} holds pictures by timestamp`;
    if (options.slides) return 'transitions and fades span two images';
    if (facts.alpha && !gif) return 'the video keeps an alpha channel';
    // The GIF writer holds each transparent frame until the next says what it must clear, and the
    // last clears all it shows: a cut would clear the canvas where one piece does not.
    if (facts.alpha && gif) return 'a GIF with transparency clears each frame by what the next one shows, across any cut';
    return undefined;
  })();
  if (why === undefined) return undefined;
  return options.queue ? text`Rendered here in one piece, not on ${opt('queue')}: ${why}` : text`Rendered in one piece, not in ${opt('jobs', options.jobs)} segments: ${why}`;
}

/**
 * The segments a run of `frames` output frames is cut into (a GIF: its pictures, stitch's images
 * or animate's frames). A video: planSegments. A GIF: one segment a worker, at least
 * MIN_SEGMENT_FRAMES pictures each (its pictures cost about the same each, and every segment
 * pays a colour-count file, a cold nearest-colour cache and a priming frame), cut where the
 * writer's own-palette windows start (OWN_PALETTE_WINDOW), so that each segment decides as one
 * piece does. Every caller asks here: whether to cut, how many workers to start, the run itself.
 */
export function segmentSpans(options: ResolvedOutput, frames: number): SegmentSpan[] {
  const fps = fractionToNumber(options.fps);
  if (options.animation?.codec !== 'gif') return planSegments(frames, fps, options.jobs);
  return planSegments(frames, fps, options.jobs, Math.max(MIN_SEGMENT_FRAMES, Math.ceil(frames / options.jobs)), OWN_PALETTE_WINDOW);
}

/**
 * Whether a run of `frames` frames (a GIF: pictures) is cut into two segments or more (else it
 * runs in one piece, without starting workers). On a queue it always goes to the queue, one
 * segment or more: asked for a queue, a run never renders here without a word (a 12 s video,
 * one segment, rendered here and reported success with no Redis server at the address).
 */
export function worthSegments(options: ResolvedOutput, frames: number): boolean {
  return segmentSpans(options, frames).length >= (options.queue ? 1 : 2);
}

/**
 * Starts the worker processes a run of about `pictures` pictures will render on (startWorkers),
 * when it will run in segments on this machine: their start then overlaps the rest of the plan.
 * Whether it does is settled later (worthSegments, segmentsRefused with what the images hold);
 * workers started for a run that then goes in one piece end unused.
 */
export function startWorkersFor(options: ResolvedOutput, pictures: number): void {
  if (options.jobs <= 1 || options.queue || !worthSegments(options, pictures) || segmentsRefused(options, { alpha: false })) return;
  startWorkers(Math.min(options.jobs, segmentSpans(options, pictures).length));
}

/**
 * A parallel run: cuts the output into segments (planSegments), renders them on `jobs` worker
 * processes (runPool) into a hidden directory beside the output, joins them by stream copy
 * with the music encoded once (joinSegments) into a temporary file, and renames it into place.
 * On any failure, a cancel or the process ending, the directory and the temporary file are
 * removed: nothing is left.
 */
export async function runSegmented(run: SegmentedRun, hooks: OutputHooks = {}): Promise<SegmentedResult> {
  const { options, signal } = { ...run, signal: hooks.signal };
  throwIfAborted(signal);
  const fps = fractionToNumber(options.fps);
  const spans = segmentSpans(options, run.frames);
  const out = await SafeOutput.create(options.output, { overwrite: options.overwrite, inputs: run.inputs });
  const { dir, removeDir } = segmentDirectory(options.output);
  const clock = new ProgressClock(run.frames);
  try {
    await mkdir(dir, { recursive: true });
    // On this machine's pool, each worker's encoder gets its share of the cores (see encoderThreads).
    const local = !run.executor && !options.queue;
    const threads = local ? encoderThreads(options.jobs) : undefined;
    const tasks: SegmentTask[] = spans.map((span) => ({ output: options.output, index: span.index, segments: spans.length, first: span.first, count: span.count, total: run.frames, source: run.source, ...(threads ? { threads } : {}) }));
    const files = tasks.map((task) => join(dir, `segment-${String(task.index).padStart(5, '0')}.nut`));
    const done = await (run.executor ?? (options.queue ? queueExecutor(options.queue) : runPool))({
      tasks,
      files,
      jobs: options.jobs,
      signal,
      onFrames: (frames) => {
        for (let i = 0; i < frames; i++) hooks.onProgress?.(clock.tick());
      },
    });
    throwIfAborted(signal);
    const { format } = options;
    if (format.kind !== 'video') throw new FlipbookError('UNSUPPORTED_OUTPUT', `${format.extension} is not joined from segments`);
    const duration = run.frames / fps;
    const joined = await joinSegments({
      file: out.temporary,
      name: options.output,
      container: format.container,
      codec: options.codec,
      faststart: format.faststart,
      frameRate: options.fps,
      segments: files,
      frames: run.frames,
      audio: run.audio ? { ...run.audio, end: fitAudio(run.audio, duration).end } : undefined,
    });
    throwIfAborted(signal);
    await out.commit();
    const { size } = await stat(options.output);
    return {
      frames: joined.frames,
      duration,
      bytes: size,
      segments: spans.length,
      ...(joined.audio ? { audio: joined.audio } : {}),
      skipped: done.flatMap((d) => d.skipped ?? []),
    };
  } catch (error) {
    await out.discard();
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removeDir();
  }
}

/**
 * Encoder threads for each of `jobs` workers on this machine: its share of the cores, at least
 * one (undefined: the encoder's own choice, as many as the machine has).
 * FLIPBOOK_SEGMENT_THREADS=auto leaves it to the encoder (for measuring).
 */
export function encoderThreads(jobs: number): number | undefined {
  if (jobs <= 1 || process.env.FLIPBOOK_SEGMENT_THREADS === 'auto') return undefined;
  return Math.max(1, Math.floor(availableParallelism() / jobs));
}

/**
 * A hidden folder beside the output for its segments, removed if the process exits first
 * (`removeDir()` drops that hook once the run has removed it itself).
 */
export function segmentDirectory(output: string): { dir: string; removeDir: () => void } {
  const dir = temporaryName(output, `${randomBytes(4).toString('hex')}-${ownerToken()}.segments`);
  const removeDir = onExit(() => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Nothing more can be done while exiting.
    }
  });
  return { dir, removeDir };
}
