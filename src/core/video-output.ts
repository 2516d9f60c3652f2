import { stat } from 'node:fs/promises';

import { type AudioResult, type AudioSpec, type FitMode, Normaliser, type Picture, type Quality, VideoEncoder, type VideoCodec } from '../engine/index.js';
import { FlipbookError } from '../errors.js';
import { throwIfAborted } from '../util/abort.js';
import { SafeOutput } from '../output/safe-output.js';
import type { OutputFormat } from '../options/output-formats.js';
import type { Fraction, Size } from '../options/values.js';

/** What a video looks like: container, codec, size, fitting, timing. Plans and writers have one. */
export interface VideoSpec {
  format: OutputFormat;
  codec: VideoCodec;
  /** Output size (even for 4:2:0). */
  width: number;
  height: number;
  /** The size pictures are fitted to, before padding to even. */
  fitSize: Size;
  fit: FitMode;
  /** `0xrrggbb` */
  background: string;
  fps: Fraction;
  /** bFrames: false for pictures of unequal durations (see VideoEncoder); default on. */
  encoder: { crf: number | undefined; preset: string; bitrate: number | undefined; bFrames?: boolean; quality?: Quality | undefined; hwaccel?: string | undefined; threads?: number | undefined };
  /** Keep an alpha channel (the codec's alpha pixel format) instead of flattening onto the background. */
  alpha?: boolean;
}

/** Everything the encode side needs: the video, and where to write it. */
export interface SessionSpec extends VideoSpec {
  output: string;
  overwrite: boolean;
  /** Files the output must never replace. */
  inputs: readonly string[];
  /** Timestamps count ticks of 1/(fps × ticksPerFrame) seconds. */
  ticksPerFrame: number;
  /** Music muxed beside the pictures. */
  audio?: AudioSpec | undefined;
  /**
   * Variable frame rate: each picture is one sample held by its timestamp. Otherwise (the
   * default) every frame of the rate exists: a picture is shown until the next starts (the last
   * for its `ticks`) and encoded once for each frame it covers (normalised once; the repeats
   * cost the encoder little).
   */
  vfr?: boolean;
  /**
   * A segment of a parallel run (src/segments/): the video stream alone (no music), in a raw
   * NUT file that keeps the time base exactly, for the join to copy. Its first picture starts
   * where the segment does, so its timestamps are the output's; its first frame is a keyframe
   * (each segment has an encoder of its own, which starts with one).
   */
  segment?: boolean;
  /** How errors name the file, where `output` is not the user's (a segment's: `its file (segment 2 of movie.mp4)`). */
  name?: string | undefined;
}

export interface SessionResult {
  frames: number;
  /** Seconds. */
  duration: number;
  bytes: number;
  audio?: AudioResult;
}

/**
 * The output core's video end: a temporary output, the normalise stage and the encoder. Pictures go in with their timestamps; `finish` moves the file into
 * place, `abort` removes it.
 */
export class VideoOutput {
  readonly spec: SessionSpec;
  private readonly out: SafeOutput;
  private readonly encoder: VideoEncoder;
  private readonly normaliser: Normaliser;
  private frames = 0;
  private encoding: Promise<void> = Promise.resolve();
  private endTicks = 0;
  /** Constant rate: where the last encoded frame ends, in ticks. */
  private encodedEnd = 0;
  /** Constant rate: pictures that covered no frame. */
  private droppedCount = 0;
  /**
   * Constant rate: the last picture, waiting for the next to say where it ends (it is shown
   * until the next starts: a gap is filled by holding it, an overlap cuts it short).
   */
  private waiting: { picture: Picture; pts: number; ticks: number } | undefined;
  private done = false;
  /** Set by abort: a held picture's repeats stop at the next frame. */
  private stopped = false;
  private readonly signal: AbortSignal | undefined;

  private constructor(spec: SessionSpec, out: SafeOutput, encoder: VideoEncoder, normaliser: Normaliser, signal: AbortSignal | undefined) {
    this.spec = spec;
    this.out = out;
    this.encoder = encoder;
    this.normaliser = normaliser;
    this.signal = signal;
  }

  /**
   * `signal` stops the encoding of a held picture's repeats between two frames (a 30 s hold at
   * 30 fps is 900 encodes from one picture, with no new picture to check the signal at).
   */
  static async open(spec: SessionSpec, signal?: AbortSignal): Promise<VideoOutput> {
    const { format } = spec;
    // Animated images (GIF, WebP, APNG) go through writeAnimation, never here.
    if (format.kind !== 'video') throw new FlipbookError('ENGINE', `${format.extension} is not written by the video encoder`);
    const out = await SafeOutput.create(spec.output, { overwrite: spec.overwrite, inputs: spec.inputs });
    try {
      const encoder = await VideoEncoder.open({
        file: out.temporary,
        sizeFrom: spec.inputs[0],
        name: spec.name ?? spec.output,
        container: spec.segment ? 'nut' : format.container,
        codec: spec.codec,
        width: spec.width,
        height: spec.height,
        timeBase: { num: spec.fps.den, den: spec.fps.num * spec.ticksPerFrame },
        frameRate: spec.fps,
        crf: spec.encoder.crf,
        preset: spec.encoder.preset,
        bitrate: spec.encoder.bitrate,
        bFrames: spec.encoder.bFrames,
        quality: spec.encoder.quality,
        hwaccel: spec.encoder.hwaccel,
        threads: spec.encoder.threads,
        alpha: spec.alpha === true,
        faststart: spec.segment ? false : format.faststart,
        audio: spec.segment ? undefined : spec.audio,
      });
      const normaliser = new Normaliser({
        fitWidth: spec.fitSize.width,
        fitHeight: spec.fitSize.height,
        width: spec.width,
        height: spec.height,
        fit: spec.fit,
        background: spec.background,
        pixelFormat: encoder.pixelFormat,
        flattenAlpha: spec.alpha !== true,
      });
      return new VideoOutput(spec, out, encoder, normaliser, signal);
    } catch (error) {
      await out.discard();
      throw error;
    }
  }

  /** Notices from opening the encoder (a hardware encoder that did not open, and the fallback). */
  get notices(): readonly string[] {
    return this.encoder.notices;
  }

  /** The encoder in use (libx264, h264_nvenc, ...). */
  get encoderName(): string {
    return this.encoder.encoderName;
  }

  /** Seconds written so far (the end of the last picture). */
  get duration(): number {
    if (this.spec.vfr) return this.endTicks / this.ticksPerSecond;
    const last = this.waitingCover();
    return (last && last.end > last.first ? last.end * this.spec.ticksPerFrame : this.encodedEnd) / this.ticksPerSecond;
  }

  get frameCount(): number {
    const last = this.waitingCover();
    return this.frames + (last ? Math.max(0, last.end - last.first) : 0);
  }

  /** Constant rate: pictures shorter than a frame that fell between two frames, so are not in the video. */
  get dropped(): number {
    const last = this.waitingCover();
    return this.droppedCount + (last && last.end <= last.first ? 1 : 0);
  }

  /** Where the video ends so far, in ticks. */
  get end(): number {
    return this.endTicks;
  }

  get ticksPerSecond(): number {
    return (this.spec.fps.num * this.spec.ticksPerFrame) / this.spec.fps.den;
  }

  /**
   * Normalises and encodes `picture` (taking ownership), shown from `pts` for `ticks`.
   * Without `pts` it follows the previous picture.
   */
  async add(picture: Picture, orientation: number, ticks: number, pts = this.endTicks): Promise<void> {
    // Normalising this picture overlaps with encoding the previous one (two FFmpeg contexts,
    // two threads of the pool); at most one encode is ever in flight, so memory stays bounded.
    await this.addNormalised(await this.normalise(picture, orientation), ticks, pts);
  }

  /** The normalise stage alone (takes ownership of `picture`): for slideshows that blend pictures. */
  async normalise(picture: Picture, orientation: number): Promise<Picture> {
    try {
      return await this.normaliser.process(picture, orientation);
    } catch (error) {
      await this.settle();
      throw error;
    }
  }

  /** Encodes a picture from `normalise` (taking ownership), shown from `pts` for `ticks`. */
  async addNormalised(normalised: Picture, ticks: number, pts = this.endTicks): Promise<void> {
    try {
      await this.encoding;
    } catch (error) {
      normalised.release();
      throw error;
    }
    this.endTicks = pts + ticks;
    if (this.spec.vfr) {
      this.frames++;
      this.encoding = this.encoder.write(normalised, pts, ticks).finally(() => normalised.release());
      // A failure surfaces at the next add, finish or abort, not as an unhandled rejection.
      this.encoding.catch(() => undefined);
      return;
    }
    // Constant rate: the picture before this one is shown until this one starts.
    const previous = this.waiting;
    this.waiting = { picture: normalised, pts, ticks };
    if (previous) this.encodeHeld(previous, pts);
  }

  /**
   * Constant rate: the frames of the rate from `from.pts` to `end` (ticks). The frames that
   * start within [pts, end) show the picture (what a player shows at each frame's time); a
   * picture that covers none (shorter than a frame, between two) is dropped. Releases it.
   */
  private encodeHeld(held: { picture: Picture; pts: number }, endTicks: number): void {
    const tpf = this.spec.ticksPerFrame;
    const { first, end } = cover(held.pts, endTicks, tpf);
    if (end <= first) this.droppedCount++;
    else this.encodedEnd = end * tpf;
    this.frames += Math.max(0, end - first);
    const { picture } = held;
    this.encoding = (async () => {
      try {
        for (let n = first; n < end; n++) {
          if (this.stopped) throw new FlipbookError('ABORTED', 'Cancelled');
          throwIfAborted(this.signal);
          await this.encoder.write(picture, n * tpf, tpf);
        }
      } finally {
        picture.release();
      }
    })();
    // A failure surfaces at the next add, finish or abort, not as an unhandled rejection.
    this.encoding.catch(() => undefined);
  }

  /** Constant rate: the frames the waiting picture will cover if nothing follows it. */
  private waitingCover(): { first: number; end: number } | undefined {
    const last = this.waiting;
    return last ? cover(last.pts, last.pts + last.ticks, this.spec.ticksPerFrame) : undefined;
  }

  private releaseWaiting(): void {
    this.waiting?.picture.release();
    this.waiting = undefined;
  }

  /** Waits for the encode in flight, whatever its outcome. */
  private async settle(): Promise<void> {
    await this.encoding.catch(() => undefined);
  }

  /** Flushes, moves the file into place and returns what was written; `audioEnd` (seconds) ends music planned without an end (the writer's). */
  async finish(audioEnd?: number): Promise<SessionResult> {
    this.done = true;
    let audio: AudioResult | undefined;
    try {
      await this.encoding;
      const last = this.waiting;
      this.waiting = undefined;
      if (last) {
        this.encodeHeld(last, last.pts + last.ticks);
        await this.encoding;
      }
      ({ audio } = await this.encoder.finish(audioEnd));
      await this.out.commit();
    } catch (error) {
      this.releaseWaiting();
      await this.encoder.close();
      await this.out.discard();
      throw error;
    } finally {
      this.normaliser.close();
    }
    const { size } = await stat(this.spec.output);
    return { frames: this.frames, duration: this.duration, bytes: size, ...(audio ? { audio } : {}) };
  }

  /** Stops and removes the temporary file; nothing is left. Safe after finish or twice. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stopped = true;
    await this.settle();
    this.releaseWaiting();
    await this.encoder.close();
    this.normaliser.close();
    await this.out.discard();
  }
}

/** The frames of the rate (`tpf` ticks each) that start within [from, to) ticks: `first` to `end`, end excluded. */
function cover(from: number, to: number, tpf: number): { first: number; end: number } {
  return { first: Math.ceil(from / tpf - 1e-9), end: Math.ceil(to / tpf - 1e-9) };
}
