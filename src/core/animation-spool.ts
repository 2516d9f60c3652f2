import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type FitMode, FrameConverter, Normaliser, PaletteGenerator, type Picture, RawSpool, SpoolWriter, VideoSource, pictureHasTransparency } from '../engine/index.js';
import { FlipbookError, type Text } from '../errors.js';
import { SafeOutput } from '../output/safe-output.js';
import type { AnimationPlan } from '../options/animation-options.js';
import type { Fraction, Size } from '../options/values.js';
import { type AnimationHooks, type AnimationWritten, type FrameReplay, type ReplayFrame, writeAnimation } from './animation-output.js';

export interface AnimationSpoolSpec {
  output: string;
  overwrite: boolean;
  inputs: readonly string[];
  /** The animation's settings and frame size. */
  plan: AnimationPlan;
  fit: FitMode;
  background: string;
  fps: Fraction;
  /** Timestamps count ticks of this many a second. */
  ticksPerSecond: number;
  /**
   * Whether a picture may have transparency (OutputSpec.transparency). Then letterboxing and
   * padding are transparent, as in a video that keeps alpha; else they are `background`, as in
   * any video. The pictures' own transparency is kept either way.
   */
  transparency: boolean;
  /** Flatten the pictures' transparency onto `background` (`alpha: 'flatten'`): an opaque animation. */
  flatten: boolean;
  /**
   * What else makes the animation smaller, in the source's options (SlideshowWords.smaller):
   * said when maxSize cannot be met. A segment's spool, never searched, has none.
   */
  smaller?: Text;
}

/** What a GIF segment's count task keeps of its spool (AnimationSpool.segment). */
export interface SpooledSegment {
  /** Start and end (seconds) of each picture, two numbers a picture. */
  times: number[];
  transparent: boolean;
  /** The colour counts (PaletteGenerator.counts), for the coordinator to merge. */
  counts: Float64Array;
}

/**
 * Bytes of raw frames the spool keeps before it turns to FFV1: 512 MiB, some 550 frames of
 * 640x360 (FFV1 beyond costs 4 ms to 12 ms more CPU a 640x360 frame, for a file several
 * times smaller).
 */
export const RAW_SPOOL_BYTES = 512 * 1024 * 1024;

/** A temporary spool file: where it is, what errors call it. */
function spoolName(kind: string, output: string): { path: string; name: (temporary: string) => string } {
  return {
    path: join(tmpdir(), `flipbook-spool-${randomBytes(4).toString('hex')}.${kind}`),
    name: (temporary) => `${temporary} (the frames of ${output}, spooled in the temporary folder)`,
  };
}

/**
 * The output core's end for GIF, WebP and APNG. A GIF's palette needs every frame before the
 * first can be written, and frames must not pile up in memory: each picture is normalised to
 * the animation's size and spooled to temporary files, raw RGBA up to RAW_SPOOL_BYTES and
 * lossless FFV1 beyond, which are read back for the frames (and again for each try of a size
 * search). A GIF's colours are counted as the frames are spooled, so the palette needs no pass
 * of its own at the spooled size. Each source picture is decoded once, at whatever size it
 * has. The spool files are removed afterwards, on abort, and when the process ends.
 */
export class AnimationSpool {
  readonly plan: AnimationPlan;
  private readonly job: AnimationSpoolSpec;
  /** The raw spool's temporary file; none for a segment's spool (AnimationSpool.segment: its file is the pool's). */
  private readonly rawFile: SafeOutput | undefined;
  private readonly raw: RawSpool;
  /** The first picture's place in the whole animation (a segment's first; 0 in one piece): where its colours are sampled. */
  private readonly first: number;
  /** FFV1 for the frames past the raw budget, opened at the first of them. */
  private ffv1: { file: SafeOutput; spool: SpoolWriter } | undefined;
  private readonly normaliser: Normaliser;
  /** Start and end (seconds) of each spooled frame: 16 bytes a frame, not its pixels. */
  private readonly times: number[] = [];
  private endTicks = 0;
  private transparent = false;
  private done = false;
  /** The raw write addNormalised left running. */
  private writing: Promise<void> | undefined;
  /** A GIF's colour counts at the spooled size. */
  private readonly colors: PaletteGenerator | undefined;

  private constructor(job: AnimationSpoolSpec, rawFile: SafeOutput | undefined, raw: RawSpool, first = 0) {
    this.job = job;
    this.plan = job.plan;
    this.rawFile = rawFile;
    this.raw = raw;
    this.first = first;
    const { size } = job.plan;
    this.colors = job.plan.codec === 'gif' ? new PaletteGenerator(job.plan.colors, false) : undefined;
    this.normaliser = new Normaliser({
      fitWidth: size.width,
      fitHeight: size.height,
      width: size.width,
      height: size.height,
      fit: job.fit,
      background: job.background,
      pixelFormat: 'rgba',
      flattenAlpha: job.flatten,
      padTransparent: job.transparency && !job.flatten,
    });
  }

  static async open(job: AnimationSpoolSpec): Promise<AnimationSpool> {
    const where = spoolName('rgba', job.output);
    const rawFile = await SafeOutput.create(where.path, { overwrite: true, inputs: [] });
    try {
      const raw = await RawSpool.open(rawFile.temporary, job.plan.size.width, job.plan.size.height, where.name(rawFile.temporary));
      return new AnimationSpool(job, rawFile, raw);
    } catch (error) {
      await rawFile.discard();
      throw error;
    }
  }

  /**
   * A GIF segment's spool (segments/gif.ts): the same normalising, colour counts and raw frames
   * as one piece, into `file` (raw only, whatever its size: the segment's map task reads it
   * back), the colours sampled as one piece samples the pictures from `first` on. End it with
   * `counted`, or `abort`.
   */
  static async segment(job: AnimationSpoolSpec, file: string, name: string, first: number): Promise<AnimationSpool> {
    if (job.plan.codec !== 'gif') throw new FlipbookError('ENGINE', `${name} is not a GIF's`);
    const raw = await RawSpool.open(file, job.plan.size.width, job.plan.size.height, name);
    return new AnimationSpool(job, undefined, raw, first);
  }

  /** Passes over the spool when writing: one (a GIF's colours are counted while spooling). */
  get passes(): number {
    return 1;
  }

  get frameCount(): number {
    return this.times.length / 2;
  }

  /** Frames spooled (for progress of the passes). */
  get count(): number {
    return this.frameCount;
  }

  /** Where the animation ends so far, in ticks. */
  get end(): number {
    return this.endTicks;
  }

  /** Spools `picture` (taking ownership), shown from `pts` for `ticks`. */
  async add(picture: Picture, orientation: number, ticks: number, pts: number): Promise<void> {
    await this.addNormalised(await this.normalise(picture, orientation), ticks, pts);
  }

  /** The normalise stage alone (takes ownership of `picture`): RGBA at the animation's size. */
  normalise(picture: Picture, orientation: number): Promise<Picture> {
    return this.normaliser.process(picture, orientation);
  }

  /**
   * Spools a picture from `normalise` (or a blend of two; taking ownership), shown from `pts` for
   * `ticks`. Its colours are counted at once; its raw write is left running (the picture is
   * released when it is done) while the caller brings the next picture, and awaited before the
   * next write or the end. That kept a 48-frame GIF's palette pass from waiting, one frame after
   * another, on a file-system round trip (about 1.3 ms a 640x360 frame).
   */
  async addNormalised(rgba: Picture, ticks: number, pts: number): Promise<void> {
    let owned = true;
    try {
      if (!this.transparent && pictureHasTransparency(rgba)) this.transparent = true;
      this.colors?.add(rgba, this.first + this.frameCount);
      await this.settleWrite();
      // A segment's spool (no temporary file of its own) is raw whatever its size.
      if (!this.ffv1 && (!this.rawFile || (this.raw.frames + 1) * this.raw.frameBytes <= RAW_SPOOL_BYTES)) {
        owned = false;
        this.writing = this.raw.write(rgba).finally(() => rgba.release());
        // Held until settleWrite: never an unhandled rejection in between.
        this.writing.catch(() => undefined);
      } else await (await this.ffv1Spool()).write(rgba);
    } finally {
      if (owned) rgba.release();
    }
    const tps = this.job.ticksPerSecond;
    // A picture is shown until the next starts, as in a video (video-output.ts): a gap holds the
    // previous one, an earlier start cuts it short.
    if (this.times.length > 0) this.times[this.times.length - 1] = pts / tps;
    this.times.push(pts / tps, (pts + ticks) / tps);
    this.endTicks = pts + ticks;
  }

  /** Waits for the raw write left running by addNormalised, if any, and throws its error. */
  private async settleWrite(): Promise<void> {
    const writing = this.writing;
    this.writing = undefined;
    await writing;
  }

  private async ffv1Spool(): Promise<SpoolWriter> {
    if (this.ffv1) return this.ffv1.spool;
    const where = spoolName('mkv', this.job.output);
    const file = await SafeOutput.create(where.path, { overwrite: true, inputs: [] });
    try {
      const spool = await SpoolWriter.open(file.temporary, this.plan.size.width, this.plan.size.height, where.name(file.temporary));
      this.ffv1 = { file, spool };
      return spool;
    } catch (error) {
      await file.discard();
      throw error;
    }
  }

  /** Writes the animation from the spool and moves it into place. */
  async finish(hooks: AnimationHooks): Promise<AnimationWritten> {
    this.done = true;
    try {
      this.normaliser.close();
      await this.settleWrite();
      await this.raw.finish();
      await this.ffv1?.spool.finish();
      const { times, colors, transparent, raw } = this;
      const spooled = this.plan.size;
      const ffv1Path = this.ffv1?.file.temporary;
      const replay: FrameReplay = {
        count: this.frameCount,
        transparent,
        palette: (size, n) => (colors && this.frameCount > 0 && size.width === spooled.width && size.height === spooled.height ? colors.palette(n, transparent) : undefined),
        async *frames(size: Size): AsyncGenerator<ReplayFrame> {
          const same = size.width === spooled.width && size.height === spooled.height;
          const converter = new FrameConverter({ filters: [], width: size.width, height: size.height, pixelFormat: 'rgba' });
          let index = 0;
          const timed = (picture: Picture): ReplayFrame => {
            const start = times[index * 2];
            const end = times[index * 2 + 1];
            index++;
            if (start === undefined || end === undefined) {
              picture.release();
              throw new FlipbookError('ENGINE', 'The spool file holds more frames than were written');
            }
            return { picture, start, end };
          };
          // FFV1 frames are BGRA: converted to RGBA (and scaled) always; raw ones only when scaled.
          const converted = async (picture: Picture): Promise<Picture> => {
            try {
              return await converter.convert(picture);
            } finally {
              picture.release();
            }
          };
          try {
            for await (const picture of raw.read()) yield timed(same ? picture : await converted(picture));
            if (ffv1Path) {
              const source = await VideoSource.open(ffv1Path);
              try {
                for await (const frame of source.decode()) yield timed(await converted(frame.picture));
              } finally {
                await source.close();
              }
            }
          } finally {
            converter.close();
          }
        },
      };
      return await writeAnimation(
        { output: this.job.output, overwrite: this.job.overwrite, inputs: this.job.inputs, settings: this.plan, size: this.plan.size, fps: this.job.fps, smaller: this.job.smaller },
        replay,
        hooks,
      );
    } finally {
      await this.discardSpool();
    }
  }

  private async discardSpool(): Promise<void> {
    try {
      // A write still running ends first (its error does not matter any more).
      await this.settleWrite().catch(() => undefined);
      await this.raw.finish();
      await this.ffv1?.spool.close();
    } finally {
      await this.rawFile?.discard();
      await this.ffv1?.file.discard();
    }
  }

  /** Ends a segment's spool (AnimationSpool.segment): its file stays, for the map task; what it holds is returned. */
  async counted(): Promise<SpooledSegment> {
    this.done = true;
    this.normaliser.close();
    await this.settleWrite();
    await this.raw.finish();
    if (!this.colors) throw new FlipbookError('ENGINE', 'Only a GIF spool counts colours');
    return { times: this.times, transparent: this.transparent, counts: this.colors.counts() };
  }

  /** Removes the spool; nothing is left. Safe after finish or twice. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.normaliser.close();
    await this.discardSpool();
  }
}
