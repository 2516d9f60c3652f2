import { FrameConverter } from '../../src/engine/frame-converter.js';
import type { PixelLayout } from '../../src/options/values.js';
import type { VideoTrackInfo } from '../../src/engine/media-input.js';
import { VideoSource } from '../../src/engine/video-source.js';

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
  /** The video stream as probe() describes it. */
  readonly video: VideoTrackInfo;
  private readonly source: VideoSource;

  private constructor(source: VideoSource) {
    this.source = source;
    this.file = source.file;
    this.container = source.info.container;
    this.duration = source.info.duration;
    this.video = source.video;
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
