import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type FitMode, FrameConverter, Normaliser, PaletteGenerator, type Picture, SpoolWriter, VideoSource, pictureHasTransparency } from '../engine/index.js';
import { FlipbookError } from '../errors.js';
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
}

/**
 * The output core's end for GIF, WebP and APNG. A GIF's palette needs every frame before the
 * first can be written, and frames must not pile up in memory: each picture is normalised to
 * the animation's size and spooled to a temporary lossless file (FFV1), which is read back
 * for the frames (and again for each try of a size search). A GIF's colours are counted as the
 * frames are spooled, so the palette needs no pass of its own at the spooled size.
 * Each source picture is decoded once, at whatever size it has. The spool is removed
 * afterwards, on abort, and when the process ends.
 */
export class AnimationSpool {
  readonly plan: AnimationPlan;
  private readonly job: AnimationSpoolSpec;
  private readonly spoolFile: SafeOutput;
  private readonly spool: SpoolWriter;
  private readonly normaliser: Normaliser;
  /** Start and end (seconds) of each spooled frame: 16 bytes a frame, not its pixels. */
  private readonly times: number[] = [];
  private endTicks = 0;
  private transparent = false;
  private done = false;
  /** A GIF's colour counts at the spooled size. */
  private readonly colors: PaletteGenerator | undefined;

  private constructor(job: AnimationSpoolSpec, spoolFile: SafeOutput, spool: SpoolWriter) {
    this.job = job;
    this.plan = job.plan;
    this.spoolFile = spoolFile;
    this.spool = spool;
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
      flattenAlpha: false,
    });
  }

  static async open(job: AnimationSpoolSpec): Promise<AnimationSpool> {
    const spoolFile = await SafeOutput.create(join(tmpdir(), `flipbook-spool-${randomBytes(4).toString('hex')}.mkv`), { overwrite: true, inputs: [] });
    try {
      const spool = await SpoolWriter.open(spoolFile.temporary, job.plan.size.width, job.plan.size.height, `${spoolFile.temporary} (the frames of ${job.output}, spooled in the temporary folder)`);
      return new AnimationSpool(job, spoolFile, spool);
    } catch (error) {
      await spoolFile.discard();
      throw error;
    }
  }

  /** Passes over the spool when writing: one (a GIF's colours are counted while spooling). */
  get passes(): number {
    return 1;
  }

  /** Passes over the spool for each try of a size search after the first (a GIF at another size: the palette, then the frames). */
  get passesPerTry(): number {
    return this.plan.codec === 'gif' ? 2 : 1;
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

  /** Spools a picture from `normalise` (or a blend of two; taking ownership), shown from `pts` for `ticks`. */
  async addNormalised(rgba: Picture, ticks: number, pts: number): Promise<void> {
    try {
      if (!this.transparent && pictureHasTransparency(rgba)) this.transparent = true;
      this.colors?.add(rgba);
      await this.spool.write(rgba);
    } finally {
      rgba.release();
    }
    const tps = this.job.ticksPerSecond;
    this.times.push(pts / tps, (pts + ticks) / tps);
    this.endTicks = pts + ticks;
  }

  /** Writes the animation from the spool (two passes for a GIF) and moves it into place. */
  async finish(hooks: AnimationHooks): Promise<AnimationWritten> {
    this.done = true;
    try {
      this.normaliser.close();
      await this.spool.finish();
      const { times, colors, transparent } = this;
      const spooled = this.plan.size;
      const spoolPath = this.spoolFile.temporary;
      const replay: FrameReplay = {
        count: this.frameCount,
        transparent,
        palette: (size, n) => (colors && this.frameCount > 0 && size.width === spooled.width && size.height === spooled.height ? colors.palette(n, transparent) : undefined),
        async *frames(size: Size): AsyncGenerator<ReplayFrame> {
          const source = await VideoSource.open(spoolPath);
          const converter = new FrameConverter({ filters: [], width: size.width, height: size.height, pixelFormat: 'rgba' });
          let index = 0;
          try {
            for await (const frame of source.decode()) {
              let out: Picture;
              try {
                out = await converter.convert(frame.picture);
              } finally {
                frame.picture.release();
              }
              const start = times[index * 2];
              const end = times[index * 2 + 1];
              index++;
              if (start === undefined || end === undefined) {
                out.release();
                throw new FlipbookError('ENGINE', 'The spool file holds more frames than were written');
              }
              yield { picture: out, start, end };
            }
          } finally {
            converter.close();
            await source.close();
          }
        },
      };
      return await writeAnimation(
        { output: this.job.output, overwrite: this.job.overwrite, inputs: this.job.inputs, settings: this.plan, size: this.plan.size, fps: this.job.fps },
        replay,
        hooks,
      );
    } finally {
      await this.spool.close();
      await this.spoolFile.discard();
    }
  }

  /** Removes the spool; nothing is left. Safe after finish or twice. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.normaliser.close();
    await this.spool.close();
    await this.spoolFile.discard();
  }
}
