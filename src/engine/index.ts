/**
 * The media engine: the only folder that imports node-av. Everything it exports speaks
 * flipbook's own types; FFmpeg's objects stay inside.
 */
export { ImageDecoders, decodeImage } from './image-decoder.js';
export { buildFilterChain, type ChainTarget, type FitMode } from './filter-chain.js';
export { Normaliser } from './normaliser.js';
export { Picture, pictureFromPixels, type RawPixelFormat, type RawPixels } from './picture.js';
export { VideoEncoder, DEFAULT_CRF, X264_PRESETS, codecProfileName, type Container, type EncodeSpec, type VideoCodec } from './video-encoder.js';
export { VideoReader, type DecodedVideoFrame, type VideoStreamInfo } from './video-reader.js';
export { VideoSource, type SourceFrame, type DamageReport, type DecodeOptions } from './video-source.js';
export { FrameConverter, type ConvertTarget } from './frame-converter.js';
export { ImageEncoder, imageTarget, jpegQscale, type ImageFormat, type ImageSpec } from './image-encoder.js';
export { probeMedia, type ProbeOptions } from './media-probe.js';
export { noVideoError, type MediaInfo, type VideoTrackInfo, type AudioTrackInfo, type OtherTrackInfo, type TrackInfo, type FrameCountSource } from './media-input.js';
export { PixelCopier, copyPixels } from './pixels.js';
export { hasAlpha as pixelFormatHasAlpha } from './color-tags.js';
