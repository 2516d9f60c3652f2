/**
 * The media engine: the only folder that imports node-av. Everything it exports speaks
 * flipbook's own types; FFmpeg's objects stay inside.
 */
export { ImageDecoders, decodeImage } from './image-decoder.js';
export { buildFilterChain, fitFilters, fitFiltersFromAny, type ChainTarget, type FitMode } from './filter-chain.js';
export { Normaliser } from './normaliser.js';
export { Picture, pictureFromPixels, type RawPixels } from './picture.js';
export { VideoEncoder, type Container, type EncodeSpec } from './video-encoder.js';
export {
  ANIMATION_LIMITS,
  FFMPEG_LARGEST_SQUARE,
  ffmpegPictureFits,
  frameSizeProblem,
  PLAYABLE_LIMITS,
  type FrameLimits,
  HARDWARE_ENCODERS,
  QUALITIES,
  RECIPES,
  VIDEO_CODECS,
  X264_PRESETS,
  codecPixelFormat,
  codecProfileName,
  encoderCrf,
  keepsAlpha,
  type Quality,
  type VideoCodec,
} from './codecs.js';
export { VideoSource, type SourceFrame, type DamageReport, type DecodeOptions } from './video-source.js';
export { FrameConverter, type ConvertTarget, type PictureConverter } from './frame-converter.js';
export { PixelReader, type PackedOutput } from './pixel-reader.js';
export { ImageEncoder, imageTarget, jpegQscale, type ImageFormat, type ImageSpec } from './image-encoder.js';
export { probeMedia, type ProbeOptions } from './media-probe.js';
export { noVideoError, type MediaInfo, type VideoTrackInfo, type AudioTrackInfo, type OtherTrackInfo, type TrackInfo, type FrameCountSource } from './media-input.js';
export { PixelCopier, copyPixels } from './pixels.js';
export { RawSpool, readRawPictures } from './raw-spool.js';
export { hasAlpha as pixelFormatHasAlpha } from './color-tags.js';
export { type AudioCodec, type AudioFit, type AudioResult, type AudioSpec } from './audio-track.js';
export {
  AnimationEncoder,
  PaletteGenerator,
  Palette,
  SpoolWriter,
  pictureHasTransparency,
  gifHeaderBytes,
  GifReferences,
  ANIMATION_TICKS,
  animationPixelFormat,
  DITHERS,
  type AnimationCodec,
  type AnimationEncodeSpec,
  type Dither,
} from './animation-encoder.js';
export { OWN_PALETTE_WINDOW } from './gif-writer.js';
export { TRANSITIONS, transitionPictures, type Transition } from './transition.js';
export { joinSegments, type JoinSpec, type JoinResult } from './segment-join.js';
