import { availableParallelism } from 'node:os';
import { basename, dirname, resolve } from 'node:path';

import {
  FrameConverter,
  ImageEncoder,
  type ImageFormat,
  type ImageSpec,
  type MediaInfo,
  type Picture,
  type VideoTrackInfo,
  VideoSource,
  imageTarget,
  noVideoError,
  pixelFormatHasAlpha,
  probeMedia,
} from '../engine/index.js';
import { FlipbookError, type Text, invalidOption, opt, renderText, text } from '../errors.js';
import { FrameFiles, recoverInterruptedSplits } from '../output/frame-files.js';
import { FramePattern } from '../output/frame-pattern.js';
import { type ManifestEntry, manifestFormatFor, manifestText } from '../output/manifest.js';
import { checkOutput } from '../output/safe-output.js';
import {
  type ResolvedSelection,
  type SelectionMode,
  type SplitOptions,
  outputSize,
  parseDepth,
  parseQuality,
  resolveSelection,
} from '../options/split-options.js';
import { type Fraction, checkOptionsObject, formatFraction, fractionToNumber, parseInteger } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { formatNumbers, numberRuns, plural } from '../util/format.js';
import { damageWarning, rateOf } from './damage.js';
import { sourceWarnings } from './source-warnings.js';
import { type StreamEnd, missingFramesWarning, streamFrames } from './frame-stream.js';
import { prefetch } from '../util/prefetch.js';
import { TaskPool } from '../util/concurrency.js';
import { ProgressClock } from '../util/progress.js';

/** What a split will do, before it does it: inspect it, print it (`--dry-run`), or run it. */
export interface SplitPlan {
  video: string;
  /** The video as probed (header only; frames not counted). */
  info: MediaInfo;
  /** The output pattern, e.g. `frames/img_%05d.png` (`dir/frame_%06d.png` for a directory). */
  output: string;
  directory: string;
  imageFormat: ImageFormat;
  /** passthrough: frames as stored (their own timestamps); fps: resampled to `fps`. */
  mode: SelectionMode;
  fps: Fraction | undefined;
  /** Size of the frames written (upright, scaled). */
  width: number;
  height: number;
  /** Degrees counterclockwise of the rotation metadata applied (0: none). */
  rotation: number;
  depth: 8 | 16;
  imageQuality: number | undefined;
  startNumber: number;
  /** The first file that will be written. */
  firstFile: string;
  /** Frames expected from the header (an estimate: damaged or variable-rate files differ). */
  estimatedFrames: number | undefined;
  manifest: string | undefined;
  selection: ResolvedSelection;
  warnings: string[];
  /** @internal */
  overwrite: boolean;
  /** @internal Planned with `dryRun`: the folder's recovery was only described, runSplit does it. */
  dryRun: boolean;
}

export interface SplitResult {
  video: string;
  output: string;
  directory: string;
  imageFormat: ImageFormat;
  mode: SelectionMode;
  fps: Fraction | undefined;
  /** Frames written. */
  frames: number;
  width: number;
  height: number;
  depth: 8 | 16;
  /** The files written, in order. */
  files: string[];
  /** Index, time and file of every frame (what the manifest holds). */
  entries: ManifestEntry[];
  manifest: string | undefined;
  /** Bytes written (frames and manifest). */
  bytes: number;
  warnings: string[];
}

/** Pictures converted ahead of the encoders. */
const CONVERT_AHEAD = 2;

/** Image encoders run side by side: one per core, at most 3 (node's thread pool has 4 threads, decoding needs one). */
function encoderCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 3));
}

const DEFAULT_QUALITY: Partial<Record<ImageFormat, number>> = { jpeg: 90, webp: 80 };

function estimateFrames(video: VideoTrackInfo, duration: number | undefined, sel: ResolvedSelection): number | undefined {
  const rate = video.avgFrameRate ?? video.frameRate;
  const total = video.frames ?? (duration !== undefined && rate ? Math.round(duration * fractionToNumber(rate)) : undefined);
  if (sel.frameNumbers) return total === undefined ? sel.frameNumbers.length : sel.frameNumbers.filter((n) => n < total).length;
  if (sel.keyframesOnly || duration === undefined) return undefined;
  const end = Math.min(sel.end ?? duration, duration);
  const span = Math.max(0, end - sel.start);
  let count: number | undefined;
  if (sel.fps) count = Math.max(span > 0 ? 1 : 0, Math.round(span * fractionToNumber(sel.fps)));
  else if (total !== undefined) count = duration > 0 ? Math.round((total * span) / duration) : total;
  if (count === undefined) return undefined;
  count = Math.ceil(count / sel.every);
  return sel.maxFrames === undefined ? count : Math.min(count, sel.maxFrames);
}

/**
 * Everything up to the first decoded frame: validates the options, reads the video's header
 * (missing, not a video, no video stream, no MP4 index: all fail here, before any output),
 * works out the frame size and the files, and refuses to write over existing frame files.
 */
export async function planSplit(video: string, output: string | undefined, options: SplitOptions = {}): Promise<SplitPlan> {
  checkOptionsObject(options);
  throwIfAborted(options.signal);
  const selection = resolveSelection(options);
  const startNumber = options.startNumber === undefined ? 1 : parseInteger(options.startNumber, 'startNumber', 0, 2 ** 31 - 1);
  let depth = options.depth === undefined ? 8 : parseDepth(options.depth);
  const manifest = options.manifest === undefined ? undefined : (manifestFormatFor(options.manifest), options.manifest);
  const pattern = FramePattern.parse(output ?? defaultOutput(video));
  if (options.imageQuality !== undefined && pattern.format !== 'jpeg' && pattern.format !== 'webp') {
    throw invalidOption('imageQuality', 'no quality for lossless formats (it applies to .jpg and .webp)', options.imageQuality);
  }
  const quality = options.imageQuality !== undefined ? parseQuality(options.imageQuality) : DEFAULT_QUALITY[pattern.format];
  if (depth === 16 && pattern.format !== 'png' && pattern.format !== 'tiff') {
    throw invalidOption('depth', `8 for ${pattern.format} files (16 bits need .png or .tiff)`, options.depth);
  }

  const info = await probeMedia(video, { countFrames: false, allowPlaylists: selection.allowPlaylists });
  const track = info.video;
  if (!track) throw noVideoError(video, info.streams);
  const warnings: Text[] = [...info.warnings];
  warnings.push(...sourceWarnings(video, info));
  if (depth === 16 && track.bitDepth <= 8) {
    warnings.push(text`${video} has ${track.bitDepth}-bit ${track.pixelFormat}: writing 8-bit files (${opt('depth', 16)} keeps the extra bits of 10-bit and deeper sources only)`);
    depth = 8;
  }
  const size = outputSize(selection, track.displayWidth, track.displayHeight);
  const duration = track.duration ?? info.duration;
  if (duration !== undefined && selection.start >= duration) {
    throw invalidOption('start', `a time before the end of the video (${duration.toFixed(3)} s)`, options.start);
  }
  const estimatedFrames = estimateFrames(track, duration, selection);

  await checkOutput(pattern.fileFor(startNumber), { overwrite: true, inputs: [video] });
  // A split killed into this folder: finish or undo its commit, remove what it left while
  // writing, before looking at what exists. A dry run only says what would be done.
  const dryRun = options.dryRun === true;
  for (const dir of recoveryDirectories(pattern.directory, manifest)) warnings.push(...recoverInterruptedSplits(dir, { dryRun }));
  if (!options.overwrite) {
    const existing = (await pattern.existingNumbers()).filter((n) => n >= startNumber && (estimatedFrames === undefined || n < startNumber + estimatedFrames));
    if (existing.length > 0) {
      const first = pattern.fileFor(existing[0] as number);
      const last = pattern.fileFor(existing.at(-1) as number);
      throw new FlipbookError('OUTPUT_EXISTS', `${existing.length} frame file${existing.length === 1 ? '' : 's'} would be overwritten (${existing.length === 1 ? first : `${first} to ${last}`})`, {
        file: first,
        option: 'overwrite',
        hint: text`Pass ${opt('overwrite', true)} to replace them, or choose another output or ${opt('startNumber')}`,
      });
    }
    if (manifest) await checkOutput(manifest, { overwrite: false, inputs: [video] });
  }
  // Said while planning, as planStitch does: a caller that only plans (--dry-run) hears them too.
  for (const warning of warnings) options.onWarning?.(renderText(warning), warning);
  return {
    video,
    info,
    output: pattern.pattern,
    directory: pattern.directory,
    imageFormat: pattern.format,
    mode: selection.mode,
    fps: selection.fps,
    width: size.width,
    height: size.height,
    rotation: track.rotation,
    depth,
    imageQuality: quality,
    startNumber,
    firstFile: pattern.fileFor(startNumber),
    estimatedFrames,
    manifest,
    selection,
    warnings: warnings.map((warning) => renderText(warning)),
    overwrite: options.overwrite === true,
    dryRun,
  };
}

/** The folders a split writes into: the frames', and the manifest's if it is elsewhere. */
function recoveryDirectories(frames: string, manifest: string | undefined): string[] {
  const dirs = [frames];
  if (manifest !== undefined && resolve(dirname(manifest)) !== resolve(frames)) dirs.push(dirname(manifest));
  return dirs;
}

/** Runs of file numbers a warning spells out, at most. */
const SAID_RUNS = 8;

/**
 * The warning for files of the pattern this split did not write: older frames left beside the
 * new ones (a longer video's, split before with overwrite, or numbered past this one's), which
 * a stitch of the folder would take for frames of this video. A split replaces only the files it
 * writes and removes none (files of other names are never its to touch): the warning says how
 * many there are and how to remove them. Undefined when there are none.
 */
async function leftoverWarning(plan: SplitPlan, pattern: FramePattern, written: ReadonlySet<number>): Promise<string | undefined> {
  const left = (await pattern.existingNumbers()).filter((n) => !written.has(n));
  if (left.length === 0) return undefined;
  const runs = numberRuns(left);
  const numbers = runs.length > SAID_RUNS ? `${formatNumbers(left.filter((n) => n <= (runs[SAID_RUNS - 1]?.[1] ?? 0)))}...` : formatNumbers(left);
  const words = runs.length > SAID_RUNS ? undefined : runs.map(([from, to]) => pattern.shellWords(from, to));
  const [are, them] = left.length === 1 ? ['is', 'it'] : ['are', 'them'];
  const remove = words?.every((w) => w !== undefined) ? `remove ${them} with rm -- ${words.flat().join(' ')}` : `remove the files of ${plan.output} numbered ${numbers}`;
  return `${plural(left.length, 'file')} of ${plan.output} ${are} left from before (numbered ${numbers}) beside the ${plural(written.size, 'frame')} of ${plan.video} written, and a stitch of ${plan.directory} would take ${them} for frames of this video: ${remove}, or split into an empty folder`;
}

/** Without -o: a directory named after the video, in the working directory. */
export function defaultOutput(video: string): string {
  const stem = basename(video).replace(/\.[^.]*$/, '') || 'video';
  return `${stem}_frames/`;
}

/**
 * Splits a video into image files: `split('movie.mp4', 'frames/img_%05d.png')`.
 * Plans first (reads the header, refuses bad input and existing files before writing), then
 * streams decode → select → convert → encode (one encoder per core) → write. Every file is
 * written under a temporary name and renamed into place; on an error or an abort every file
 * of the run is removed again.
 */
export async function split(video: string, output?: string, options: SplitOptions = {}): Promise<SplitResult> {
  const plan = await planSplit(video, output, options);
  return runSplit(plan, options);
}

/** Runs a plan made by planSplit. */
export async function runSplit(plan: SplitPlan, options: Pick<SplitOptions, 'signal' | 'onProgress' | 'onWarning'> = {}): Promise<SplitResult> {
  checkOptionsObject(options);
  const { signal } = options;
  throwIfAborted(signal);
  // The plan's own warnings reached onWarning while planning (as planStitch's do); they are kept in the result.
  const warnings = [...plan.warnings];
  if (plan.dryRun) {
    // A dry run's plan only described the recovery of the folder: it is done now, before writing.
    for (const dir of recoveryDirectories(plan.directory, plan.manifest)) {
      for (const warning of recoverInterruptedSplits(dir)) {
        warnings.push(warning);
        options.onWarning?.(warning, warning);
      }
    }
  }
  const pattern = FramePattern.parse(plan.output);
  const source = await VideoSource.open(plan.video, { allowPlaylists: plan.selection.allowPlaylists });
  const spec: ImageSpec = {
    format: plan.imageFormat,
    width: plan.width,
    height: plan.height,
    depth: plan.depth,
    alpha: pixelFormatHasAlpha(source.video.pixelFormat) && plan.imageFormat !== 'jpeg',
    quality: plan.imageQuality ?? 90,
  };
  const resized = plan.width !== source.video.displayWidth || plan.height !== source.video.displayHeight;
  const converter = new FrameConverter({
    filters: source.upright.filters,
    width: resized ? plan.width : undefined,
    height: resized ? plan.height : undefined,
    ...imageTarget(spec),
  });
  const files = new FrameFiles({ overwrite: plan.overwrite, inputs: [plan.video] });
  const idle: ImageEncoder[] = [];
  const all: ImageEncoder[] = [];
  const pool = new TaskPool(encoderCount());
  const entries: ManifestEntry[] = [];
  let bytes = 0;
  const clock = new ProgressClock(plan.estimatedFrames ?? 0);

  const encode = async (picture: Picture, file: string): Promise<void> => {
    let data: Buffer;
    let encoder = idle.pop();
    try {
      if (!encoder) {
        encoder = await ImageEncoder.open(spec);
        all.push(encoder);
      }
      data = await encoder.encode(picture);
    } finally {
      picture.release();
      if (encoder) idle.push(encoder);
    }
    await files.write(file, data);
    bytes += data.byteLength;
    clock.atLeast(entries.length);
    options.onProgress?.(clock.tick());
  };

  try {
    await files.directory(plan.directory);
    const end: StreamEnd = {};
    const frames = prefetch(streamFrames(source, plan.selection, converter, signal, end), CONVERT_AHEAD, (f) => f.picture.release());
    for await (const frame of frames) {
      if (pool.failed) {
        frame.picture.release();
        break;
      }
      const file = pattern.fileFor(plan.startNumber + frame.index);
      entries.push({ index: frame.index, time: frame.time, file, sourceIndex: frame.sourceIndex, pts: frame.pts, keyframe: frame.keyframe });
      await pool.add(() => encode(frame.picture, file));
    }
    await pool.drain();
    throwIfAborted(signal);
    const damage = damageWarning(plan.video, source.damage, rateOf(source.video));
    if (damage) {
      warnings.push(damage);
      options.onWarning?.(damage, damage);
    }
    if (entries.length === 0) {
      const has = plan.selection.frameNumbers && end.frames !== undefined ? ` (it has ${plural(end.frames, 'frame')})` : '';
      throw new FlipbookError('NO_INPUT', `No frame of ${plan.video} matched the selection${plan.selection.start > 0 ? ` (start ${plan.selection.start} s)` : ''}${has}, so nothing was written`, {
        file: plan.video,
        hint: text`Check ${opt('start')}, ${opt('end')}, ${opt('frameNumbers')} against the video's duration (flipbook info)`,
      });
    }
    const missing = missingFramesWarning(plan.video, plan.selection, end);
    if (missing) {
      warnings.push(missing);
      options.onWarning?.(missing, missing);
    }
    if (plan.manifest) {
      const text = manifestText(plan.manifest, entries, {
        video: plan.video,
        mode: plan.mode,
        fps: plan.fps ? formatFraction(plan.fps) : null,
        width: plan.width,
        height: plan.height,
      });
      await files.write(plan.manifest, Buffer.from(text));
      bytes += Buffer.byteLength(text);
    }
    files.commit();
    const leftover = await leftoverWarning(plan, pattern, new Set(entries.map((e) => plan.startNumber + e.index)));
    if (leftover) {
      warnings.push(leftover);
      options.onWarning?.(leftover, leftover);
    }
    return {
      video: plan.video,
      output: plan.output,
      directory: plan.directory,
      imageFormat: plan.imageFormat,
      mode: plan.mode,
      fps: plan.fps,
      frames: entries.length,
      width: plan.width,
      height: plan.height,
      depth: plan.depth,
      files: entries.map((e) => e.file),
      entries,
      manifest: plan.manifest,
      bytes,
      warnings,
    };
  } catch (error) {
    await pool.settle();
    await files.rollback();
    throw error;
  } finally {
    for (const encoder of all) encoder.close();
    converter.close();
    await source.close();
  }
}
