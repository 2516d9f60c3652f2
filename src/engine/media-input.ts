import { open, stat } from 'node:fs/promises';

import { Codec, FormatContext, Packet, avGetCodecName, avChannelLayoutDefault, avChannelLayoutDescribe, avGetPixFmtName, avGetSampleFmtName } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import {
  AV_CHANNEL_ORDER_UNSPEC,
  AV_CODEC_ID_VP9,
  AV_DISPOSITION_ATTACHED_PIC,
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  AVERROR_INVALIDDATA,
  AVMEDIA_TYPE_ATTACHMENT,
  AVMEDIA_TYPE_AUDIO,
  AVMEDIA_TYPE_DATA,
  AVMEDIA_TYPE_SUBTITLE,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import { FF_DECODER_LIBVPX_VP9, type FFDecoderCodec } from 'node-av/constants';

import { FlipbookError, cannotOpen } from '../errors.js';
import type { Fraction } from '../options/values.js';
import { bitDepthOf, chromaOf, colorTags } from './color-tags.js';
import { type DisplayMatrix, displayRotation, parseDisplayMatrix, squarePixelSize, uprightFilters } from './display-matrix.js';
import { type GifTiming, applyGifTiming, isGifStream, scanGif } from './gif-timing.js';
import { checkDemuxer, localFileUrl, localInputOptions, refuseIndirectFormat } from './local-file.js';
import type { MediaInputOptions } from '../options/input-options.js';
import { ffmpegMessage } from './runtime.js';

/** How the frame count of a video stream was found. */
export type FrameCountSource = 'counted' | 'header' | 'estimated' | 'unknown';

export interface VideoTrackInfo {
  type: 'video';
  index: number;
  /** FFmpeg's codec name: h264, hevc, vp9, prores... */
  codec: string;
  codecLongName: string | undefined;
  profile: string | undefined;
  pixelFormat: string;
  /** Bits per component (8, 10, 12, 16). */
  bitDepth: number;
  /** 4:2:0, 4:2:2, 4:4:4, 4:0:0 (undefined when the format does not say). */
  chroma: string | undefined;
  /** Size of the stored (coded) picture, as ffprobe's width and height. */
  width: number;
  height: number;
  /** Size as shown: in square pixels (the sample aspect ratio applied to the width), then upright (the rotation metadata applied). */
  displayWidth: number;
  displayHeight: number;
  /** Degrees counterclockwise the display matrix rotates the picture, as ffprobe prints it (0 if none). */
  rotation: number;
  sampleAspectRatio: Fraction | undefined;
  /** Average frame rate (frames / duration), exact: 30000/1001, not 29.97. */
  avgFrameRate: Fraction | undefined;
  /** Nominal frame rate: the lowest rate all timestamps fit (FFmpeg's r_frame_rate). */
  frameRate: Fraction | undefined;
  timeBase: Fraction;
  /** Seconds. */
  startTime: number | undefined;
  /** Seconds, from the stream header (or Matroska's DURATION tag). */
  duration: number | undefined;
  /** The best frame count known (see frameCountSource). */
  frames: number | undefined;
  /** counted: every packet was read; header: the container says so; estimated: duration × rate. */
  frameCountSource: FrameCountSource;
  /** What the container header claims (undefined if it has no count). */
  headerFrames: number | undefined;
  /** Timestamps with uneven steps (known only when the frames were counted). */
  variableFrameRate: boolean | undefined;
  /** Bits per second (undefined if unknown). */
  bitRate: number | undefined;
  colorSpace: string;
  colorPrimaries: string;
  colorTransfer: string;
  colorRange: string;
  /** Cover art rather than a moving picture. */
  attachedPicture: boolean;
  /** The container's four-character code of the codec (`hvc1`, `avc1`, `ap4h`), when it stores one. */
  codecTag: string | undefined;
  /** VP9 with an alpha side channel (WebM's `alpha_mode` tag): decoded with libvpx to read it. */
  alphaChannel: boolean;
}

export interface AudioTrackInfo {
  type: 'audio';
  index: number;
  codec: string;
  codecLongName: string | undefined;
  profile: string | undefined;
  sampleRate: number;
  channels: number;
  /** stereo, 5.1, mono... */
  channelLayout: string | undefined;
  sampleFormat: string | undefined;
  bitRate: number | undefined;
  startTime: number | undefined;
  duration: number | undefined;
  language: string | undefined;
}

export interface OtherTrackInfo {
  type: 'subtitle' | 'data' | 'attachment' | 'unknown';
  index: number;
  codec: string;
}

export type TrackInfo = VideoTrackInfo | AudioTrackInfo | OtherTrackInfo;

export interface MediaInfo {
  file: string;
  /** FFmpeg's demuxer name, as ffprobe's format_name: "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm". */
  container: string;
  containerLongName: string | undefined;
  /** Seconds. */
  duration: number | undefined;
  /** Seconds. */
  startTime: number | undefined;
  /** Bits per second of the whole file. */
  bitRate: number | undefined;
  /** Bytes. */
  size: number;
  streams: TrackInfo[];
  /** The main video stream (the one split and readFrames use), if any. */
  video: VideoTrackInfo | undefined;
  audio: AudioTrackInfo[];
  /** What looked wrong while probing (damage, a header that disagrees with the count). */
  warnings: string[];
}

function fraction(r: { num: number; den: number }): Fraction | undefined {
  return r.num > 0 && r.den > 0 ? { num: r.num, den: r.den } : undefined;
}

function seconds(ts: bigint, tb: { num: number; den: number }): number | undefined {
  if (ts === AV_NOPTS_VALUE || tb.den === 0) return undefined;
  return (Number(ts) * tb.num) / tb.den;
}

function positive(n: bigint | number): number | undefined {
  const v = Number(n);
  return v > 0 ? v : undefined;
}

/** ISO BMFF (MP4, MOV, 3GP) files start with a box whose type is one of these. */
const MP4_BOXES = new Set(['ftyp', 'mdat', 'moov', 'free', 'skip', 'wide', 'pnot', 'uuid']);

async function looksLikeMp4(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return bytesRead === 8 && MP4_BOXES.has(head.toString('latin1', 4, 8));
  } finally {
    await handle.close();
  }
}

/** The size of a readable regular file, or an error that names it and says what is wrong. */
async function checkReadable(file: string): Promise<number> {
  if (typeof file !== 'string' || file === '') {
    throw new FlipbookError('INVALID_OPTION', 'No video file was given', { option: 'video', hint: 'Pass the path of a video such as movie.mp4' });
  }
  const info = await stat(file).catch((cause: unknown) => {
    throw cannotOpen(file, cause);
  });
  if (info.isDirectory()) throw new FlipbookError('INVALID_INPUT', `${file} is a directory, not a video`, { file, hint: 'Pass a video file such as movie.mp4' });
  // A device or a pipe (/dev/null, a FIFO) reports 0 bytes: it is not an empty file.
  if (!info.isFile()) throw new FlipbookError('INVALID_INPUT', `${file} is not a regular file (a device, a pipe or a socket)`, { file, hint: 'Pass a video file such as movie.mp4; save a stream to a file first' });
  if (info.size === 0) throw new FlipbookError('INVALID_INPUT', `${file} is empty (0 bytes)`, { file, hint: 'The file was not written completely; replace it' });
  return info.size;
}

/**
 * Opens a media file for reading: the container and its streams. Every failure is a
 * FlipbookError naming the file: missing, not media, an MP4 truncated before its index.
 * @internal engine use only.
 */
export async function openMedia(file: string, open: MediaInputOptions = {}): Promise<{ format: FormatContext; size: number; gif: GifTiming | undefined }> {
  const size = await checkReadable(file);
  await refuseIndirectFormat(file, open);
  const format = new FormatContext();
  const options = localInputOptions(open);
  const ret = await format.openInput(localFileUrl(file), null, options);
  options.free();
  if (ret < 0) {
    format.freeContext();
    if (ret === (AVERROR_INVALIDDATA as number) && (await looksLikeMp4(file))) {
      throw new FlipbookError('INVALID_INPUT', `${file} is an MP4/MOV file without its index (no moov box): it was truncated, or the recording was interrupted before it was finished`, {
        file,
        hint: 'Copy or download it again; tools such as untrunc can rebuild the index with the help of a healthy file from the same camera',
      });
    }
    if (ret === (AVERROR_INVALIDDATA as number)) {
      throw new FlipbookError('INVALID_INPUT', `${file} is not a video FFmpeg can read (its format is not recognised)`, {
        file,
        hint: 'Check that it is a video file (mp4, mov, mkv, webm, avi, ts...) and that it is not damaged',
      });
    }
    throw new FlipbookError('INVALID_INPUT', `Cannot open ${file}: ${ffmpegMessage(ret)}`, { file });
  }
  try {
    checkDemuxer(file, format.iformat?.name, open);
  } catch (error) {
    await format.closeInput();
    throw error;
  }
  // A stream whose parameters cannot be found (a broken audio track, say) must not stop the
  // video from being read: the result is only checked for the stream that is used.
  await format.findStreamInfo(null);
  // A GIF is timed as browsers show it (gif-timing.ts): its packets are read once for that.
  const stream = mainVideoStream(format);
  let gif: GifTiming | undefined;
  if (stream && isGifStream(format, stream)) {
    const packet = new Packet();
    packet.alloc();
    try {
      gif = await scanGif(format, stream, packet);
    } finally {
      packet.free();
    }
  }
  return { format, size, gif };
}

/** The video stream flipbook reads: the best one that is not cover art. @internal engine use only. */
export function mainVideoStream(format: FormatContext): Stream | undefined {
  const moving = format.streams.filter((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO && !s.hasDisposition(AV_DISPOSITION_ATTACHED_PIC));
  if (moving.length === 0) return undefined;
  const best = format.findBestStream(AVMEDIA_TYPE_VIDEO);
  return moving.find((s) => s.index === best) ?? moving[0];
}

/** The error for a file without a (usable) video stream, listing what it holds. */
export function noVideoError(file: string, tracks: readonly TrackInfo[]): FlipbookError {
  const counts = new Map<string, number>();
  for (const t of tracks) {
    const kind = t.type === 'video' ? 'cover picture' : t.type;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  const held = [...counts].map(([kind, n]) => `${n} ${kind} stream${n === 1 ? '' : 's'}`).join(', ');
  return new FlipbookError('INVALID_INPUT', `${file} has no video stream (it holds ${held || 'no streams at all'})`, {
    file,
    hint: `Frames are read from a file with moving pictures (split, readFrames, a contact sheet); flipbook info ${file} lists its streams`,
  });
}

/** @internal engine use only. */
export function displayMatrixOf(stream: Stream): DisplayMatrix | undefined {
  return parseDisplayMatrix(stream.codecpar.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX));
}

/** Matroska keeps each track's duration in a DURATION tag ("00:00:02.000000000"). @internal engine use only. */
export function durationTag(stream: Stream): number | undefined {
  const tag = stream.metadata?.get('DURATION');
  const m = tag ? /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(tag) : null;
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

/**
 * A track's duration from Matroska's DURATION tag, which FFmpeg's muxer writes as where the track
 * ends on the file's clock: a 4 s track written with `-output_ts_offset 10` says 14 s. Measured
 * from the track's start, as every other duration here (it was taken as 14 s, and the file called
 * cut short by 10 s).
 */
function durationFromStart(stream: Stream): number | undefined {
  const tag = durationTag(stream);
  const start = seconds(stream.startTime, stream.timeBase);
  return tag !== undefined && start !== undefined && start > 0 && start < tag ? tag - start : tag;
}

function describeVideo(stream: Stream): VideoTrackInfo {
  const par = stream.codecpar;
  const codec = Codec.findDecoder(par.codecId);
  // The codec's own name (av1, not the libdav1d that decodes it), and its profile names from
  // FFmpeg's native decoder, which lists them where a wrapped library's does not.
  const codecName = avGetCodecName(par.codecId) ?? codec?.name ?? 'unknown';
  const native = Codec.findDecoderByName(codecName as FFDecoderCodec) ?? codec;
  const tb = stream.timeBase;
  const alphaChannel = stream.metadata?.get('alpha_mode') === '1';
  const stored = avGetPixFmtName(par.format as never) ?? 'unknown';
  // A WebM's VP9 alpha travels beside the picture: it decodes (with libvpx) as yuva420p.
  const pixelFormat = alphaChannel && stored === 'yuv420p' ? 'yuva420p' : stored;
  const matrix = displayMatrixOf(stream);
  const swaps = uprightFilters(matrix).swapsSize;
  const sampleAspectRatio = fraction(par.sampleAspectRatio) ?? fraction(stream.sampleAspectRatio);
  const square = squarePixelSize(par.width, par.height, sampleAspectRatio);
  const avgFrameRate = fraction(stream.avgFrameRate);
  const duration = seconds(stream.duration, tb) ?? durationFromStart(stream);
  const headerFrames = positive(stream.nbFrames);
  const estimate = duration !== undefined && avgFrameRate ? Math.round((duration * avgFrameRate.num) / avgFrameRate.den) : undefined;
  return {
    type: 'video',
    index: stream.index,
    codec: codecName,
    codecLongName: codec?.longName ?? undefined,
    profile: native?.profiles?.find((p) => p.profile === (par.profile as number))?.name,
    pixelFormat,
    bitDepth: bitDepthOf(pixelFormat),
    chroma: chromaOf(pixelFormat),
    width: par.width,
    height: par.height,
    displayWidth: swaps ? square.height : square.width,
    displayHeight: swaps ? square.width : square.height,
    rotation: Math.round(displayRotation(matrix) * 100) / 100,
    sampleAspectRatio,
    avgFrameRate,
    frameRate: fraction(stream.rFrameRate),
    timeBase: { num: tb.num, den: tb.den },
    startTime: seconds(stream.startTime, tb),
    duration,
    frames: headerFrames ?? estimate,
    frameCountSource: headerFrames !== undefined ? 'header' : estimate !== undefined ? 'estimated' : 'unknown',
    headerFrames,
    variableFrameRate: undefined,
    bitRate: positive(par.bitRate),
    ...colorTags(par),
    attachedPicture: stream.hasDisposition(AV_DISPOSITION_ATTACHED_PIC),
    codecTag: codecTagOf(par.codecTag),
    alphaChannel,
  };
}

/** A four-character code as text, or undefined for none (0) or unprintable bytes. */
function codecTagOf(tag: number): string | undefined {
  if (!tag) return undefined;
  const text = String.fromCharCode(tag & 0xff, (tag >> 8) & 0xff, (tag >> 16) & 0xff, (tag >>> 24) & 0xff);
  return /^[\x20-\x7e]{4}$/.test(text) ? text : undefined;
}

/**
 * The decoder for a stream: FFmpeg's native VP9 decoder drops the alpha side channel of a
 * WebM (BlockAdditional), libvpx's reads it, as Chromium does. @internal engine use only.
 */
export function decoderFor(stream: Stream): Codec | null {
  if (stream.codecpar.codecId === AV_CODEC_ID_VP9 && stream.metadata?.get('alpha_mode') === '1') {
    const libvpx = Codec.findDecoderByName(FF_DECODER_LIBVPX_VP9);
    if (libvpx) return libvpx;
  }
  return Codec.findDecoder(stream.codecpar.codecId);
}

function describeAudio(stream: Stream): AudioTrackInfo {
  const par = stream.codecpar;
  const codec = Codec.findDecoder(par.codecId);
  const tb = stream.timeBase;
  // WAV and others leave the order unspecified: describe the usual layout for the count.
  const given = par.channelLayout;
  const layout = given && given.order === AV_CHANNEL_ORDER_UNSPEC && given.nbChannels > 0 ? avChannelLayoutDefault(given.nbChannels) : given;
  return {
    type: 'audio',
    index: stream.index,
    codec: codec?.name ?? 'unknown',
    codecLongName: codec?.longName ?? undefined,
    profile: codec?.profiles?.find((p) => p.profile === (par.profile as number))?.name,
    sampleRate: par.sampleRate,
    channels: layout?.nbChannels || par.channels,
    channelLayout: layout && layout.nbChannels > 0 ? (avChannelLayoutDescribe(layout) ?? undefined) : undefined,
    sampleFormat: avGetSampleFmtName(par.format as never) ?? undefined,
    bitRate: positive(par.bitRate),
    startTime: seconds(stream.startTime, tb),
    duration: seconds(stream.duration, tb) ?? durationFromStart(stream),
    language: stream.metadata?.get('language') ?? undefined,
  };
}

/** @internal engine use only. */
export function describeStream(stream: Stream): TrackInfo {
  const type = stream.codecpar.codecType;
  if (type === AVMEDIA_TYPE_VIDEO) return describeVideo(stream);
  if (type === AVMEDIA_TYPE_AUDIO) return describeAudio(stream);
  const kind = type === AVMEDIA_TYPE_SUBTITLE ? 'subtitle' : type === AVMEDIA_TYPE_DATA ? 'data' : type === AVMEDIA_TYPE_ATTACHMENT ? 'attachment' : 'unknown';
  return { type: kind, index: stream.index, codec: Codec.findDecoder(stream.codecpar.codecId)?.name ?? 'unknown' };
}

/** Everything the container and its headers say, before any frame is read. @internal engine use only. */
export function describeMedia(file: string, format: FormatContext, size: number, gif?: GifTiming): MediaInfo {
  const streams = format.streams.map(describeStream);
  const main = mainVideoStream(format);
  const video = streams.find((s): s is VideoTrackInfo => s.type === 'video' && s.index === main?.index);
  const micro = { num: 1, den: 1_000_000 };
  const container = format.iformat?.name ?? 'unknown';
  let duration = format.duration > 0n ? seconds(format.duration, micro) : undefined;
  // Matroska's segment duration, as its tracks' DURATION tags (durationFromStart), is where the
  // file ends on its own clock: less its start, as MP4's is.
  const start = seconds(format.startTime, micro);
  if (container.startsWith('matroska') && duration !== undefined && start !== undefined && start > 0 && start < duration) duration -= start;
  const info: MediaInfo = {
    file,
    container,
    containerLongName: format.iformat?.longName ?? undefined,
    duration,
    startTime: seconds(format.startTime, micro),
    bitRate: positive(format.bitRate),
    size,
    streams,
    video,
    audio: streams.filter((s): s is AudioTrackInfo => s.type === 'audio'),
    warnings: [],
  };
  if (gif) applyGifTiming(info, gif);
  return info;
}
