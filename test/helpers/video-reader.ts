import type { Fraction } from '../../src/options/values.js';
import { FrameConverter } from '../../src/engine/frame-converter.js';
import type { PixelLayout } from '../../src/options/values.js';
import { VideoSource } from '../../src/engine/video-source.js';

export interface VideoStreamInfo {
  index: number;
  codec: string;
  profile: string | undefined;
  pixelFormat: string;
  width: number;
  height: number;
  timeBase: Fraction;
  avgFrameRate: Fraction | undefined;
  frameRate: Fraction | undefined;
  /** Seconds, from the stream header (undefined if it has none). */
  duration: number | undefined;
  /** Frame count from the container header (undefined if it has none). */
  frames: number | undefined;
  colorSpace: string;
  colorPrimaries: string;
  colorTransfer: string;
  colorRange: string;
  /** The container's four-character code (`hvc1`, `avc1`, `ap4h`), when it stores one. */
  codecTag: string | undefined;
}

export interface DecodedVideoFrame {
  index: number;
  /** Seconds from the start of the stream. */
  time: number;
  pts: number;
  width: number;
  height: number;
  format: PixelLayout;
  data: Uint8Array;
  keyframe: boolean;
}

const PIXEL_FORMATS: Record<PixelLayout, string> = { rgb: 'rgb24', rgba: 'rgba', gray: 'gray' };

/**
 * Every frame of a video as stored (no rotation, no resampling), converted exactly to RGB:
 * what the tests and the sample use to check what flipbook wrote. readFrames is the
 * user-facing reader with selection, rotation and decode-ahead; both sit on VideoSource.
 */
export class VideoReader {
  readonly file: string;
  readonly container: string;
  /** Seconds, from the container (undefined if unknown). */
  readonly duration: number | undefined;
  readonly video: VideoStreamInfo;
  private readonly source: VideoSource;

  private constructor(source: VideoSource) {
    this.source = source;
    this.file = source.file;
    this.container = source.info.container;
    this.duration = source.info.duration;
    const v = source.video;
    this.video = {
      index: v.index,
      codec: v.codec,
      profile: v.profile,
      pixelFormat: v.pixelFormat,
      width: v.width,
      height: v.height,
      timeBase: v.timeBase,
      avgFrameRate: v.avgFrameRate,
      frameRate: v.frameRate,
      duration: v.duration,
      frames: v.headerFrames,
      colorSpace: v.colorSpace,
      colorPrimaries: v.colorPrimaries,
      colorTransfer: v.colorTransfer,
      colorRange: v.colorRange,
      codecTag: v.codecTag,
    };
  }

  static async open(file: string): Promise<VideoReader> {
    return new VideoReader(await VideoSource.open(file));
  }

  /** Decodes every frame in order as tightly packed pixels, read with the stream's colour tags. */
  async *frames(pixelFormat: PixelLayout = 'rgb'): AsyncGenerator<DecodedVideoFrame> {
    const converter = new FrameConverter({ filters: [], width: undefined, height: undefined, pixelFormat: PIXEL_FORMATS[pixelFormat], exact: true });
    let index = 0;
    try {
      for await (const frame of this.source.decode()) {
        let out;
        try {
          out = await converter.convert(frame.picture);
        } finally {
          frame.picture.release();
        }
        try {
          yield { index: index++, time: frame.time, pts: frame.pts, width: out.width, height: out.height, format: pixelFormat, data: out.toBuffer(), keyframe: frame.keyframe };
        } finally {
          out.release();
        }
      }
    } finally {
      converter.close();
    }
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}
