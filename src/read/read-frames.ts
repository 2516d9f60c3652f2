import { type PackedOutput, PixelReader, VideoSource } from '../engine/index.js';
import { type ReadFramesOptions, type ResolvedSelection, resolveSelection } from '../options/split-options.js';
import { PIXEL_LAYOUTS, type PixelLayout, checkOptionsObject, parseChoice } from '../options/values.js';
import { READ_FITS, type ReadFit, frameShape } from './frame-size.js';
import { throwIfAborted } from '../util/abort.js';
import { damageWarning, rateOf } from './damage.js';
import { sourceWarnings } from './source-warnings.js';
import { type StreamEnd, missingFramesWarning, streamFrames } from './frame-stream.js';
import { prefetch } from '../util/prefetch.js';

/** One decoded frame as pixels. */
export interface VideoFrame {
  /** 0-based position among the frames read. */
  index: number;
  /** 0-based position of the frame in the video, in presentation order (undefined after a seek with `start`, and with `keyframesOnly`). */
  sourceIndex: number | undefined;
  /** Seconds from the start of the video: the frame's own time, or its slot with `fps`. */
  time: number;
  /** The frame's timestamp in ticks of the stream's time base (`time` is exact, this is raw). */
  pts: number;
  width: number;
  height: number;
  layout: PixelLayout;
  /** Tightly packed pixels, `width × height × (4 | 3 | 1)` bytes, top row first. Yours to keep, until `release()`. */
  data: Uint8Array;
  keyframe: boolean;
  /**
   * Optional: gives `data`'s memory back, for a later frame of the same loop to be read into.
   * A loop that looks at each frame and lets it go reads faster this way (no new memory a
   * frame, and none for the garbage collector to find). After it, neither `data` nor any other
   * view of its memory may be used: a later frame overwrites it. A second call does nothing;
   * a frame not released stays yours, as without it.
   */
  release(): void;
}

/** Frames converted and copied ahead of the consumer: a few, never more. */
export const READ_AHEAD = 4;

/** Released frames' memory kept for later frames, at most: what the read-ahead and the loop hold. */
const SPARE_BUFFERS = READ_AHEAD + 2;

const FFMPEG_FORMATS: Record<PixelLayout, PackedOutput> = { rgba: 'rgba', rgb: 'rgb24', gray: 'gray' };

/**
 * Reads a video's frames as pixels: `for await (const frame of readFrames('movie.mp4')) ...`.
 * Decodes a few frames ahead of the loop and no more; `break` stops decoding and releases
 * everything; the `signal` rejects the loop with code ABORTED. Options are validated here,
 * before the first frame; the file is opened on the first iteration.
 */
export function readFrames(video: string, options: ReadFramesOptions = {}): AsyncGenerator<VideoFrame> {
  checkOptionsObject(options);
  const selection = resolveSelection(options);
  const layout = parseChoice(options.layout ?? 'rgba', 'layout', PIXEL_LAYOUTS);
  const fit = parseChoice(options.fit ?? 'contain', 'fit', READ_FITS);
  return prefetch(decodeFrames(video, selection, layout, fit, options), READ_AHEAD);
}

async function* decodeFrames(video: string, selection: ResolvedSelection, layout: PixelLayout, fit: ReadFit, options: ReadFramesOptions): AsyncGenerator<VideoFrame> {
  throwIfAborted(options.signal);
  const source = await VideoSource.open(video, { allowPlaylists: selection.allowPlaylists });
  for (const warning of sourceWarnings(video, source.info)) options.onWarning?.(warning, warning);
  const shown = { width: source.video.displayWidth, height: source.video.displayHeight };
  const shape = frameShape(selection, fit, shown);
  const reader = new PixelReader({
    filters: [...source.upright.filters, ...shape.filters],
    width: shape.resize?.width,
    height: shape.resize?.height,
    pixelFormat: FFMPEG_FORMATS[layout],
  });
  let complete = false;
  const end: StreamEnd = {};
  // Memory of released frames (VideoFrame.release), read into again while the loop runs.
  let spares: Buffer[] | undefined = [];
  const releaser = (data: Buffer): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (spares && spares.length < SPARE_BUFFERS) spares.push(data);
    };
  };
  try {
    // Converting runs two frames ahead of the pixels, so the two overlap on the thread pool.
    // 8-bit YUV (most videos) is converted straight into JavaScript memory: there `convert`
    // only takes a reference and `pixels` does the conversion (see PixelReader). Read-ahead
    // 2, 4 and 6 measured the same on 1080p; 4 is kept for sources that take the graph.
    const converted = prefetch(streamFrames(source, selection, reader, options.signal, end), 2, (f) => f.picture.release());
    for await (const frame of converted) {
      const { width, height } = frame.picture;
      let data: Buffer;
      try {
        data = await reader.pixels(frame.picture, spares?.pop());
      } finally {
        frame.picture.release();
      }
      yield { index: frame.index, sourceIndex: frame.sourceIndex, time: frame.time, pts: frame.pts, width, height, layout, data, keyframe: frame.keyframe, release: releaser(data) };
    }
    complete = true;
  } finally {
    spares = undefined;
    reader.close();
    await source.close();
    const warnings = complete ? [damageWarning(video, source.damage, rateOf(source.video)), missingFramesWarning(video, selection, end)] : [];
    for (const warning of warnings) if (warning) options.onWarning?.(warning, warning);
  }
}
