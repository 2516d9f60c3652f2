import { hasAlpha } from './color-tags.js';
import { GraphCache, SimpleGraph, graphKey, pictureInput } from './filter-graph.js';
import { Picture } from './picture.js';

/** What a converted picture looks like. */
export interface ConvertTarget {
  /** Filters applied first (rotation to upright). */
  filters: readonly string[];
  /** Output size; undefined keeps the size after `filters`. */
  width: number | undefined;
  height: number | undefined;
  /** FFmpeg's name of the output pixel format: rgb24, rgba, gray, rgb48be, yuvj420p, bgr24... */
  pixelFormat: string;
  /** For YUV outputs: the matrix and range to write (JPEG: bt601 full range). */
  yuv?: { matrix: 'bt601' | 'bt709'; range: 'pc' | 'tv' };
  /**
   * Interpolate chroma and round exactly for every source, 8-bit 4:2:0 included: slower, and
   * what a measurement against source pixels wants (the fast path repeats chroma samples).
   */
  exact?: boolean;
}

/** What turns decoded pictures into the output's: a new picture each time, the input stays the caller's. */
export interface PictureConverter {
  convert(input: Picture): Promise<Picture>;
}

/** How many differently shaped inputs keep a graph ready. */
const CACHED_GRAPHS = 2;

/**
 * Converts decoded frames to the output: upright, scaled, in the output pixel format, reading
 * the source's colour matrix and range from its tags (BT.601 when untagged, as FFmpeg does).
 * Works for any source format: 4:2:0, 4:2:2, 4:4:4, 8 to 16 bits, RGB, palette.
 */
export class FrameConverter implements PictureConverter {
  readonly target: ConvertTarget;
  private readonly graphs = new GraphCache<{ graph: SimpleGraph }>(CACHED_GRAPHS);
  private counter = 0n;

  constructor(target: ConvertTarget) {
    this.target = target;
  }

  /**
   * The filter graph description for one input; pure, for tests and --dry-run. An input with
   * alpha into an output without (JPEG, rgb24, gray) is laid onto black first, as stitch and
   * readImage lay it by default: dropping the alpha alone showed the colour hidden under
   * transparent pixels (a transparent red margin came out solid red).
   */
  describe(source: { alpha: boolean } = { alpha: false }): string {
    const t = this.target;
    const steps = [...t.filters];
    if (source.alpha && !hasAlpha(t.pixelFormat)) steps.push('format=gbrap', 'premultiply=inplace=1');
    const size = t.width !== undefined && t.height !== undefined ? `${t.width}:${t.height}:` : '';
    // full_chroma_int interpolates the chroma of 4:2:0 and 4:2:2 sources of more than 8 bits
    // (and when scaling); 8-bit 4:2:0 to RGB keeps swscale's fast path, which repeats chroma
    // samples: bit-identical to the ffmpeg command line, ten times faster than interpolating
    // (accurate_rnd+full_chroma_int measured 36 ms against 1-4 ms a 1080p frame).
    const input = `in_color_matrix=auto:in_range=auto:flags=bicubic+full_chroma_int${t.exact ? '+accurate_rnd' : ''}`;
    if (t.yuv) {
      // swscale does not change the matrix between two YUV formats: go through RGB (with the
      // alpha plane when the output keeps one: through gbrp, a WebP from a VP9 with alpha came
      // out opaque).
      const rgb = hasAlpha(t.pixelFormat) ? 'gbrap' : 'gbrp';
      steps.push(`scale=${size}${input}`, `format=${rgb}`, `scale=out_color_matrix=${t.yuv.matrix}:out_range=${t.yuv.range}`);
    } else {
      steps.push(`scale=${size}${input}`);
    }
    steps.push(`format=${t.pixelFormat}`);
    return `[in]${steps.join(',')}[out]`;
  }

  /** Returns a new picture; `input` stays the caller's. */
  async convert(input: Picture): Promise<Picture> {
    const { frame } = input;
    const { graph } = await this.graphs.get(graphKey(frame), async () => ({
      graph: await SimpleGraph.create(this.describe({ alpha: input.hasAlpha }), pictureInput(frame)),
    }));
    // The buffer source takes the frame's buffers and resets it (av_buffersrc_add_frame_flags
    // without KEEP_REF), so push a new reference and keep the caller's intact: a frame may be
    // converted more than once (fps resampling repeats frames).
    const ref = frame.clone();
    if (!ref) throw new Error('Cannot reference a decoded frame (out of memory)');
    try {
      // The graph counts pictures one a second; the real timestamps are kept by the caller.
      ref.pts = this.counter++;
      await graph.push(ref);
    } finally {
      ref.free();
    }
    const out = await graph.pull();
    if (!out) throw new Error('The conversion filter returned no picture');
    return new Picture(out);
  }

  close(): void {
    this.graphs.clear();
  }
}
