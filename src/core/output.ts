import { type Picture, codecPixelFormat, codecProfileName } from '../engine/index.js';
import { FlipbookError, type Text, type WarningHandler, opt, renderText, text } from '../errors.js';
import { CUTS, type SlideshowWords, checkSlideshowImage } from '../options/slideshow-options.js';
import type { Progress, ResolvedOutput } from '../options/output-options.js';
import { type Fraction, formatFraction } from '../options/values.js';
import { ProgressClock } from '../util/progress.js';
import { framesHeld } from './animation-output.js';
import { AnimationSpool } from './animation-spool.js';
import { type AudioPlan, fitAudio, musicWarnings } from './audio-plan.js';
import type { FrameLayout } from './layout.js';
import { Slideshow } from './slideshow.js';
import { type SessionSpec, VideoOutput } from './video-output.js';

/** A file left out of the output, and why. */
export interface SkippedFile {
  file: string;
  position: number;
  reason: string;
}

/** What an animated output adds to the result. */
export interface AnimationResult {
  /** GIF: palette size used. */
  colors: number | undefined;
  /** Times the animation plays, 0 forever. */
  loop: number;
  /** GIF: the dither used. */
  dither: string | undefined;
  /** WebP: lossless or not. */
  lossless: boolean | undefined;
  /** GIF: how far (0-255) a pixel may move and still count as unchanged. */
  tolerance: number | undefined;
  /** GIF: lossy LZW's largest colour distance (0: exact). */
  lossy: number | undefined;
  /** With maxSize: the limit and every size tried (the last one is the file). */
  maxSize: { limit: number; attempts: { width: number; height: number; fps: number | undefined; colors: number | undefined; tolerance?: number | undefined; bytes: number }[] } | undefined;
}

/** What was written: the result of stitch, of the frame writer's close() and of animate. */
export interface OutputResult {
  output: string;
  frames: number;
  width: number;
  height: number;
  fps: Fraction;
  /** Seconds. */
  duration: number;
  codec: string;
  profile: string;
  pixelFormat: string;
  bytes: number;
  /** How many pictures were fitted to the frame size. */
  fitted: number;
  skipped: SkippedFile[];
  warnings: string[];
  /** GIF, WebP, APNG: the palette size, loop count and what a size search chose. */
  animation?: AnimationResult;
  /** Stitch with transitions: images decoded, each still once. */
  decoded?: number;
  /** With transitions or fades: frames they made, counted in `frames`. */
  transitionFrames?: number;
  /** The music written beside the video: its codec and seconds. */
  audio?: { file: string; codec: string; duration: number; sampleRate: number; channels: number };
  /**
   * Video written at a variable frame rate (`vfr`): pictures held by timestamp, `fps` is the time
   * base. Also a GIF, WebP or APNG whose frames are held (fewer frames than its length at `fps`,
   * a slideshow's): `fps` is then the rate their times are counted in.
   */
  vfr?: boolean;
}

/** Everything the core is told by the source of its pictures, once the first is known. */
export interface OutputSpec {
  options: ResolvedOutput;
  layout: FrameLayout;
  /** Whether a picture may have transparency (stitch: any header says so; the writer: its first frame). */
  transparency: boolean;
  /** Timestamps count ticks of 1/(fps × ticksPerFrame) seconds. */
  ticksPerFrame: number;
  /** Files the output must never replace. */
  inputs: readonly string[];
  /** The music, probed (its end is settled at finish). */
  audio: AudioPlan | undefined;
  /** Pictures expected, for progress (undefined: unknown). */
  expected: number | undefined;
  /** How the source's pictures are named in errors: stitch's images, the writer's frames. */
  words: SlideshowWords;
  /** Warnings said before the output opened (stitch's plan): they begin the result's list. */
  warnings?: readonly string[];
}

export interface OutputHooks {
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: Progress) => void) | undefined;
  onWarning?: WarningHandler | undefined;
}

/** What the source adds to the result: what only it knows. */
export interface SourceReport {
  fitted: number;
  skipped: SkippedFile[];
  /** Images decoded (stitch); said in the result with transitions. */
  decoded?: number;
}

/**
 * The one output core. Every source of pictures (stitch's decoder, the frame writer, animate)
 * hands it pictures with their timestamps; it owns everything after: the slideshow
 * (transitions, fades, holding the last picture), normalising, encoding and muxing (or the
 * GIF/WebP/APNG encoders through a spool), the music, the safe output and the result.
 */
export class Output {
  readonly spec: OutputSpec;
  private readonly hooks: OutputHooks;
  private readonly sink: VideoOutput | AnimationSpool;
  private readonly slideshow: Slideshow | undefined;
  private readonly clock: ProgressClock;
  private readonly warnings: string[];
  private finished = false;

  private constructor(spec: OutputSpec, hooks: OutputHooks, sink: VideoOutput | AnimationSpool, warnings: string[]) {
    this.spec = spec;
    this.hooks = hooks;
    this.sink = sink;
    this.warnings = warnings;
    const { options } = spec;
    // A GIF, WebP or APNG counts its frames in each pass (spooled, then written): the
    // animation's frames, with the pass said as the stage.
    this.clock = new ProgressClock(spec.expected, sink instanceof AnimationSpool ? { count: 1 + sink.passes, stage: 'spooling' } : undefined);
    if (holdsPictures(options)) {
      const slides = options.slides ?? CUTS;
      this.slideshow = new Slideshow(sink, slides, {
        frameTicks: spec.ticksPerFrame,
        check: (image) => checkSlideshowImage(slides, options.slideshow, image, spec.words),
      });
    }
  }

  static async open(spec: OutputSpec, hooks: OutputHooks = {}): Promise<Output> {
    const warnings = [...(spec.warnings ?? [])];
    const warn = (message: Text): void => {
      const said = renderText(message);
      warnings.push(said);
      hooks.onWarning?.(said, message);
    };
    const { options, layout } = spec;
    let sink: VideoOutput | AnimationSpool;
    if (layout.animation) {
      sink = await AnimationSpool.open({
        output: options.output,
        overwrite: options.overwrite,
        inputs: spec.inputs,
        plan: layout.animation,
        fit: options.fit,
        background: options.background,
        fps: options.fps,
        ticksPerSecond: (options.fps.num * spec.ticksPerFrame) / options.fps.den,
        transparency: spec.transparency,
        flatten: !options.alphaPossible,
        smaller: spec.words.smaller,
      });
    } else {
      sink = await VideoOutput.open(videoSessionSpec(spec), hooks.signal);
      sink.notices.forEach(warn);
    }
    return new Output(spec, hooks, sink, warnings);
  }

  /** Where the output ends so far, in ticks (the picture held for a transition included). */
  get end(): number {
    return this.slideshow ? this.slideshow.end : this.sink.end;
  }

  get ticksPerSecond(): number {
    const { fps } = this.spec.options;
    return (fps.num * this.spec.ticksPerFrame) / fps.den;
  }

  /** Says a warning: to onWarning at once, and in the result. */
  warn(message: Text): void {
    const said = renderText(message);
    this.warnings.push(said);
    this.hooks.onWarning?.(said, message);
  }

  /** A planned picture will not come (skipped): progress expects one fewer. */
  skip(): void {
    this.clock.shrink();
  }

  /**
   * Takes ownership of `picture` (as decoded or drawn, with its EXIF `orientation`), shown from
   * `pts` for `ticks`; without `pts`, where the previous picture ends.
   */
  async add(picture: Picture, orientation: number, ticks: number, pts = this.end): Promise<void> {
    if (this.slideshow) await this.slideshow.add(picture, orientation, ticks, pts);
    else await this.sink.add(picture, orientation, ticks, pts);
    this.progress();
  }

  /**
   * Holds the last picture (holdLast; audioFit extend: until the music ends), ends the
   * slideshow, finishes the file, moves it into place and returns the result.
   */
  async finish(report: SourceReport): Promise<OutputResult> {
    this.finished = true;
    try {
      const { options, audio } = this.spec;
      const tps = this.ticksPerSecond;
      if (this.slideshow) {
        if (this.slideshow.count === 0) throw noPictures();
        this.slideshow.extendLast(Math.round(options.slideshow.holdLast * tps));
        if (audio?.fit === 'extend') {
          const extra = Math.ceil(fitAudio(audio, this.slideshow.end / tps).extendBy * tps - 1e-9);
          if (extra > 0) {
            this.slideshow.extendLast(extra);
            this.warn(text`Held the last ${this.spec.words.noun} ${(extra / tps).toFixed(2)} s longer, until the audio ends (${opt('audioFit', 'extend')})`);
          }
        }
        await this.slideshow.finish();
      }
      if (this.sink.frameCount === 0) throw noPictures();
      const transitions = options.slides ? { transitionFrames: this.slideshow?.transitionFrames ?? 0, ...(report.decoded === undefined ? {} : { decoded: report.decoded }) } : {};
      const common = { output: options.output, fitted: report.fitted, skipped: [...report.skipped].sort((a, b) => a.position - b.position), warnings: this.warnings };
      if (this.sink instanceof AnimationSpool) {
        const spool = this.sink;
        const animation = spool.plan;
        const written = await spool.finish({ signal: this.hooks.signal, onWarning: (message) => this.warn(message), onFrame: () => this.progress(), onPass: (stage, attempt, frames) => this.clock.stage(stage, frames, stage === 'palette' ? 1 : 0, attempt) });
        return {
          ...common,
          frames: written.frames,
          width: written.width,
          height: written.height,
          fps: written.fps,
          duration: written.duration,
          codec: animation.codec,
          profile: animation.codec === 'webp' ? (animation.lossless ? 'lossless' : 'lossy') : '',
          pixelFormat: written.pixelFormat,
          bytes: written.bytes,
          warnings: this.warnings,
          ...(framesHeld(written) ? { vfr: true } : {}),
          animation: {
            colors: written.colors,
            loop: written.loop,
            dither: animation.codec === 'gif' ? animation.dither : undefined,
            lossless: animation.codec === 'webp' ? animation.lossless : undefined,
            tolerance: animation.codec === 'gif' ? written.tolerance : undefined,
            lossy: animation.codec === 'gif' ? animation.lossy : undefined,
            maxSize: animation.maxSize === undefined ? undefined : { limit: animation.maxSize, attempts: written.attempts },
          },
          ...transitions,
        };
      }
      const video = this.sink;
      if (video.dropped > 0) this.warn(text`${video.dropped} ${video.dropped === 1 ? 'picture was' : 'pictures were'} shorter than a frame at ${formatFraction(options.fps)} fps and fell between two frames, so ${video.dropped === 1 ? 'it is' : 'they are'} not in the video; pass ${opt('vfr', true)} to keep every picture, or a higher ${opt('fps')}`);
      const written = await video.finish(audio ? fitAudio(audio, video.duration).end : undefined);
      if (audio) musicWarnings(audio, written.audio, written.duration).forEach((warning) => this.warn(warning));
      const alpha = video.spec.alpha === true;
      return {
        ...common,
        frames: written.frames,
        width: video.spec.width,
        height: video.spec.height,
        fps: options.fps,
        duration: written.duration,
        codec: options.codec,
        profile: codecProfileName(options.codec, { quality: options.encoder.quality, alpha, crf: options.encoder.crf }),
        pixelFormat: codecPixelFormat(options.codec, alpha),
        bytes: written.bytes,
        ...(options.vfr ? { vfr: true } : {}),
        ...transitions,
        ...(written.audio && audio ? { audio: { file: audio.file, ...written.audio } } : {}),
      };
    } catch (error) {
      await this.discard();
      throw error;
    }
  }

  /** Stops and removes everything written; nothing is left. Safe after finish or twice. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.discard();
  }

  private async discard(): Promise<void> {
    this.slideshow?.release();
    await this.sink.abort();
  }

  private progress(): void {
    const progress = this.clock.tick();
    this.hooks.onProgress?.(progress);
  }
}

/**
 * What the video end is opened with, for an output spec: one function, so that a segment of a
 * parallel run (src/segments/) is encoded with exactly the settings of a one-piece run.
 */
export function videoSessionSpec(spec: Pick<OutputSpec, 'options' | 'layout' | 'transparency' | 'ticksPerFrame' | 'inputs' | 'audio'>): SessionSpec {
  const { options, layout } = spec;
  return {
    output: options.output,
    overwrite: options.overwrite,
    inputs: spec.inputs,
    format: options.format,
    codec: options.codec,
    width: layout.width,
    height: layout.height,
    fitSize: layout.fitSize,
    fit: options.fit,
    background: options.background,
    fps: options.fps,
    ticksPerFrame: spec.ticksPerFrame,
    // At a constant rate every frame lasts as long. At a variable one, B-frames would delay
    // the decode times by whole held pictures (seconds of negative dts) and leave MP4's
    // track short of the last picture's end (see VideoEncoder): none.
    encoder: { ...options.encoder, bFrames: !options.vfr },
    alpha: options.alphaPossible && spec.transparency,
    audio: spec.audio,
    vfr: options.vfr,
  };
}

/**
 * Whether the core keeps each picture until the next comes: a transition takes its frames from
 * the end of the earlier one, and the last is faded out or held longer at finish (holdLast;
 * audioFit extend, until the music ends).
 */
export function holdsPictures(options: Pick<ResolvedOutput, 'slides' | 'slideshow' | 'audio'>): boolean {
  return options.slides !== undefined || options.slideshow.holdLast > 0 || options.audio?.fit === 'extend';
}

function noPictures(): FlipbookError {
  return new FlipbookError('NO_INPUT', 'No picture was written, so there is no video to write', { hint: 'Give at least one readable image or frame (see the warnings for each file)' });
}
