import { stat } from 'node:fs/promises';

import {
  FrameConverter,
  ImageEncoder,
  type ImageFormat,
  type SourceFrame,
  VideoSource,
  copyPixels,
  imageTarget,
  pictureFromPixels,
  probeMedia,
} from '../engine/index.js';
import { FlipbookError, eitherNotBoth, invalidOption } from '../errors.js';
import { imageFormatFor } from '../output/frame-pattern.js';
import { SafeOutput, checkOutput } from '../output/safe-output.js';
import { resolveAllowPlaylists } from '../options/input-options.js';
import { type ContactSheetOptions, parseQuality } from '../options/split-options.js';
import { type Fraction, checkOptionsObject, parseDuration, parseInteger } from '../options/values.js';
import { throwIfAborted } from '../util/abort.js';
import { drawLabel, formatTimestamp, labelDecimals, labelSize } from './sheet-font.js';
import { sourceWarnings } from './source-warnings.js';
import { ProgressClock } from '../util/progress.js';

export interface SheetThumbnail {
  /** The time asked for (seconds from the start of the video). */
  time: number;
  /** The time of the frame shown: the one on screen at `time`. */
  frameTime: number;
  /** Top-left corner in the sheet. */
  x: number;
  y: number;
  /** The label printed on it (absent with `labels: false`): `frameTime`, with as many decimals as the frame rate needs to tell neighbouring frames apart. */
  label?: string;
}

export interface ContactSheetResult {
  video: string;
  output: string;
  format: ImageFormat;
  /** Size of the sheet. */
  width: number;
  height: number;
  columns: number;
  rows: number;
  /** Size of each thumbnail. */
  thumbWidth: number;
  thumbHeight: number;
  /** Pixels between thumbnails and around them. */
  gap: number;
  thumbnails: SheetThumbnail[];
  bytes: number;
}

export const SHEET_DEFAULTS = { columns: 4, rows: 4, width: 1280 } as const;

/** More thumbnails than this is not a sheet anyone can read. */
const MAX_THUMBNAILS = 2500;

/** Read on rather than seek when the next thumbnail is at most this many seconds ahead. */
const SEEK_GAP = 3;

const BACKGROUND = 0x1a;

/**
 * Gives the frame on screen at each asked time (times ascending): reads on while the next
 * time is close, seeks (to the keyframe before it) when it is far.
 */
class FrameAt {
  private readonly source: VideoSource;
  private frames: AsyncGenerator<SourceFrame> | undefined;
  private last: SourceFrame | undefined;
  private peek: SourceFrame | undefined;
  /** The decoder ran out of frames (the end of the file, or of what can be read of it). */
  private ended = false;

  constructor(source: VideoSource) {
    this.source = source;
  }

  /** The frame shown at `t`; it stays owned here, valid until the next call. */
  async at(t: number): Promise<SourceFrame> {
    const position = this.peek?.time ?? this.last?.time;
    if (!this.frames || position === undefined || t < (this.last?.time ?? position) || t - position > SEEK_GAP) {
      await this.reset();
      this.frames = this.source.decode({ from: t });
      this.ended = false;
    }
    if (this.peek) {
      if (this.peek.time > t + 1e-9) return this.last ?? this.peek;
      this.last?.picture.release();
      this.last = this.peek;
      this.peek = undefined;
    }
    for (;;) {
      const step = await this.frames.next();
      if (step.done) {
        this.ended = true;
        break;
      }
      const frame = step.value;
      if (frame.time <= t + 1e-9) {
        this.last?.picture.release();
        this.last = frame;
      } else {
        this.peek = frame;
        break;
      }
    }
    const found = this.last ?? this.peek;
    if (!found) throw new FlipbookError('INVALID_INPUT', `${this.source.file} has no decodable frame near ${t.toFixed(3)} s`, { file: this.source.file });
    return found;
  }

  /**
   * Whether the frames run out well before `t` (more than two frames, or half a second when
   * the rate is unknown, after the last one): the file ends before the duration it declares.
   */
  async endsBefore(t: number): Promise<boolean> {
    let found: SourceFrame;
    try {
      found = await this.at(t);
    } catch (error) {
      if (error instanceof FlipbookError && this.ended) return true;
      throw error;
    }
    const rate = this.source.video.avgFrameRate ?? this.source.video.frameRate;
    return this.ended && t - found.time > (rate ? (2 * rate.den) / rate.num : 0.5);
  }

  async reset(): Promise<void> {
    await this.frames?.return(undefined);
    this.frames = undefined;
    this.last?.picture.release();
    this.peek?.picture.release();
    this.last = undefined;
    this.peek = undefined;
  }
}

/**
 * The duration thumbnails can be spread over: the declared one, unless the frames run out before
 * its end (a file cut short, whose header still says the whole length). Then the packets are
 * counted (no decoding) to find where the readable frames end, and a warning says so. One
 * extra seek near the end for a whole file.
 */
async function readableDuration(source: VideoSource, declared: number, onWarning: ((message: string) => void) | undefined): Promise<number> {
  const probe = new FrameAt(source);
  let early: boolean;
  try {
    early = await probe.endsBefore(Math.max(0, declared - 1e-3));
  } finally {
    await probe.reset();
  }
  if (!early) return declared;
  const readable = (await probeMedia(source.file, { allowPlaylists: source.allowPlaylists })).video?.duration;
  if (readable === undefined || readable <= 0 || readable >= declared) {
    throw new FlipbookError('INVALID_INPUT', `${source.file} ends before ${declared.toFixed(3)} s, the duration it declares, and where its readable frames end cannot be found`, { file: source.file });
  }
  onWarning?.(`${source.file} is cut short: its frames end at ${readable.toFixed(3)} s but its header says ${declared.toFixed(3)} s; the thumbnails are spread over the ${readable.toFixed(3)} s that can be decoded`);
  return readable;
}

/**
 * One image with a grid of thumbnails across the whole video, each with its time:
 * `contactSheet('movie.mp4', 'sheet.png', { columns: 5, rows: 4 })`. The thumbnails are spread
 * evenly (the middle of each of columns × rows equal parts), or one every `every` seconds.
 */
export async function contactSheet(video: string, output: string, options: ContactSheetOptions = {}): Promise<ContactSheetResult> {
  checkOptionsObject(options);
  throwIfAborted(options.signal);
  const columns = parseInteger(options.columns ?? SHEET_DEFAULTS.columns, 'columns', 1, 100);
  if (options.rows !== undefined && options.every !== undefined) throw invalidOption('every', eitherNotBoth(['rows'], ['every']), options.every);
  const givenRows = options.rows === undefined ? undefined : parseInteger(options.rows, 'rows', 1, 1000);
  const every = options.every === undefined ? undefined : parseDuration(options.every, 'every');
  const width = parseInteger(options.width ?? SHEET_DEFAULTS.width, 'width', 16, 16384);
  const format = imageFormatFor(output);
  const quality = options.imageQuality === undefined ? 90 : parseQuality(options.imageQuality);
  const allowPlaylists = resolveAllowPlaylists(options);
  const checks = { overwrite: options.overwrite === true, inputs: [video] };
  await checkOutput(output, checks);
  let out: SafeOutput | undefined;
  let source: VideoSource | undefined;
  const converters: FrameConverter[] = [];
  let frameAt: FrameAt | undefined;
  try {
    source = await VideoSource.open(video, { allowPlaylists });
    const track = source.video;
    for (const warning of sourceWarnings(video, source.info)) options.onWarning?.(warning);
    let duration = track.duration ?? source.info.duration;
    if (duration === undefined || duration <= 0) {
      // A still image opens as a one-picture "video" (FFmpeg's image demuxers: png_pipe, image2, ...).
      if (/(^image2$|_pipe$)/.test(source.info.container)) {
        throw new FlipbookError('INVALID_INPUT', `${video} is a still image (${track.codec}), not a video: a contact sheet shows a video's frames`, {
          file: video,
          hint: 'Give a video; to tile images, stitch them into one first',
        });
      }
      throw new FlipbookError('INVALID_INPUT', `${video} does not say how long it is, so thumbnails cannot be spread over it`, { file: video, hint: 'Remux it (ffmpeg -i in -c copy out.mkv) so its duration is known' });
    }
    duration = await readableDuration(source, duration, options.onWarning);
    let times: number[];
    if (every !== undefined) {
      times = [];
      for (let k = 0; k * every < duration - 1e-9; k++) {
        times.push(k * every);
        if (times.length > MAX_THUMBNAILS) break;
      }
    } else {
      const n = columns * (givenRows ?? SHEET_DEFAULTS.rows);
      times = Array.from({ length: n }, (_, k) => (duration * (k + 0.5)) / n);
    }
    if (times.length > MAX_THUMBNAILS) {
      throw invalidOption('every', `at most ${MAX_THUMBNAILS} thumbnails (this would be more than that)`, options.every);
    }
    const gap = Math.max(2, Math.round(width / 320));
    const thumbWidth = Math.floor((width - (columns + 1) * gap) / columns);
    if (thumbWidth < 8) throw invalidOption('width', `a sheet wide enough for ${columns} columns (at least ${columns * 8 + (columns + 1) * gap} pixels)`, options.width);
    const thumbHeight = Math.max(2, Math.round((thumbWidth * track.displayHeight) / track.displayWidth));
    const converter = new FrameConverter({ filters: source.upright.filters, width: thumbWidth, height: thumbHeight, pixelFormat: 'rgb24' });
    converters.push(converter);
    frameAt = new FrameAt(source);
    // Laid out for every time asked; each frame shown once (a video with fewer frames than
    // thumbnails asked, a short GIF or a slideshow, does not fill cells with the same frame), and
    // the sheet cut after the last row used.
    const asked = givenRows ?? Math.max(1, Math.ceil(times.length / columns));
    const stride = width * 3;
    const full = Buffer.alloc(stride * (asked * thumbHeight + (asked + 1) * gap), BACKGROUND);
    const scale = Math.max(1, Math.round(thumbHeight / 80));
    // Labels precise enough that two frames never share one: the shorter of the average and
    // the nominal frame step.
    const steps = [track.avgFrameRate, track.frameRate].filter((r) => r && r.num > 0 && r.den > 0).map((r) => (r as Fraction).den / (r as Fraction).num);
    const decimals = labelDecimals(steps.length ? Math.min(...steps) : undefined);
    const thumbnails: SheetThumbnail[] = [];
    const clock = new ProgressClock(times.length);
    for (const time of times) {
      throwIfAborted(options.signal);
      const frame = await frameAt.at(time);
      options.onProgress?.(clock.tick());
      if (thumbnails.at(-1)?.frameTime === frame.time) continue;
      const picture = await converter.convert(frame.picture);
      let pixels: Buffer;
      try {
        pixels = copyPixels(picture);
      } finally {
        picture.release();
      }
      const k = thumbnails.length;
      const x = gap + (k % columns) * (thumbWidth + gap);
      const y = gap + Math.floor(k / columns) * (thumbHeight + gap);
      for (let row = 0; row < thumbHeight; row++) {
        full.set(pixels.subarray(row * thumbWidth * 3, (row + 1) * thumbWidth * 3), (y + row) * stride + x * 3);
      }
      let label: string | undefined;
      if (options.labels !== false) {
        // The time of the frame shown, not the time asked for: the label names that frame.
        const text = formatTimestamp(frame.time, decimals);
        label = text;
        const box = labelSize(text, scale);
        drawLabel(full, stride, x + scale * 2, y + thumbHeight - box.height - scale * 2, text, scale, { x, y, width: thumbWidth, height: thumbHeight });
      }
      thumbnails.push({ time, frameTime: frame.time, x, y, ...(label === undefined ? {} : { label }) });
    }
    if (thumbnails.length < times.length) {
      options.onWarning?.(`${video} shows ${thumbnails.length} different frame${thumbnails.length === 1 ? '' : 's'} at the ${times.length} times asked: the sheet has each once`);
    }
    // Given rows are kept as asked; else as many as the frames shown fill.
    const rows = givenRows ?? Math.max(1, Math.ceil(thumbnails.length / columns));
    const height = rows * thumbHeight + (rows + 1) * gap;
    const sheet = full.subarray(0, stride * height);
    await frameAt.reset();
    const damage = source.damage;
    if (damage.readError || damage.frames + damage.packets > 0) {
      options.onWarning?.(`${video} is damaged (${damage.readError ?? `${damage.frames + damage.packets} frames could not be decoded`}); the sheet shows the frames that could be read`);
    }

    const spec = { format, width, height, depth: 8 as const, alpha: false, quality };
    const encoderConverter = new FrameConverter({ filters: [], width: undefined, height: undefined, ...imageTarget(spec) });
    converters.push(encoderConverter);
    const raw = pictureFromPixels({ data: sheet, width, height, layout: 'rgb' });
    const encoder = await ImageEncoder.open(spec);
    let bytes: Buffer;
    try {
      const ready = await encoderConverter.convert(raw);
      try {
        bytes = await encoder.encode(ready);
      } finally {
        ready.release();
      }
    } finally {
      raw.release();
      encoder.close();
    }
    out = await SafeOutput.create(output, checks);
    await out.write(bytes);
    throwIfAborted(options.signal);
    await out.commit();
    const written = await stat(output);
    return { video, output, format, width, height, columns, rows, thumbWidth, thumbHeight, gap, thumbnails, bytes: written.size };
  } catch (error) {
    await out?.discard();
    throw error;
  } finally {
    await frameAt?.reset();
    for (const c of converters) c.close();
    await source?.close();
  }
}
