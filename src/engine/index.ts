/**
 * The media engine: the only folder that imports node-av. Everything it exports speaks
 * flipbook's own types; FFmpeg's objects stay inside.
 */
export { decodeImage } from './image-decoder.js';
export { buildFilterChain, type ChainTarget, type FitMode } from './filter-chain.js';
export { Normaliser } from './normaliser.js';
export { Picture, pictureFromPixels, type RawPixelFormat, type RawPixels } from './picture.js';
export { VideoEncoder, DEFAULT_CRF, X264_PRESETS, codecProfileName, type Container, type EncodeSpec, type VideoCodec } from './video-encoder.js';
export { VideoReader, type DecodedVideoFrame, type VideoStreamInfo } from './video-reader.js';
