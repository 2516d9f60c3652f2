import type { MediaInfo, VideoTrackInfo } from '../engine/index.js';

/**
 * What a reader of a video's frames should know about its source before the first frame, said
 * by split, sheet and readFrames alike: streams left out, HDR written as stored.
 */
export function sourceWarnings(file: string, info: MediaInfo): string[] {
  return [otherVideoStreamsWarning(file, info), hdrWarning(file, info.video)].filter((w): w is string => w !== undefined);
}

/**
 * The warning for a file with more than one video stream (undefined: one): frames are read from
 * one of them, the one FFmpeg ranks best, and the others were left out without a word (a
 * recording with a second camera angle, a screen capture beside a webcam).
 */
export function otherVideoStreamsWarning(file: string, info: MediaInfo): string | undefined {
  const read = info.video;
  if (!read) return undefined;
  const moving = info.streams.filter((s) => s.type === 'video' && !s.attachedPicture);
  const others = moving.filter((s) => s.index !== read.index);
  if (others.length === 0) return undefined;
  const describe = (s: (typeof moving)[number]): string => (s.type === 'video' ? `#${s.index} (${s.displayWidth}x${s.displayHeight}, ${s.codec})` : `#${s.index}`);
  return `${file} has ${moving.length} video streams: the frames are read from ${describe(read)}; ${others.map(describe).join(', ')} ${others.length === 1 ? 'is' : 'are'} left out (flipbook info ${file} lists them)`;
}

/** HDR transfers, by FFmpeg's name: what their code values mean. */
const HDR_TRANSFERS: Readonly<Record<string, string>> = {
  smpte2084: 'PQ (smpte2084)',
  'arib-std-b67': 'HLG (arib-std-b67)',
};

/**
 * The warning for HDR video (undefined: SDR): its code values are converted to RGB as stored,
 * as the ffmpeg command line does, with no tone mapping to SDR, so images and thumbnails look
 * dim and washed out (PQ) or flat and desaturated (HLG) in an ordinary viewer, which reads them
 * as sRGB. An HDR phone video (an iPhone's HLG) split without a word looked like a broken decode.
 */
export function hdrWarning(file: string, video: VideoTrackInfo | undefined): string | undefined {
  const transfer = video && HDR_TRANSFERS[video.colorTransfer];
  if (!video || !transfer) return undefined;
  return `${file} is HDR video (${transfer} transfer, ${video.colorPrimaries} primaries): its frames are converted as stored, not tone-mapped to SDR, so they look ${video.colorTransfer === 'smpte2084' ? 'dim and washed out' : 'flat and desaturated'} in an ordinary image viewer`;
}
