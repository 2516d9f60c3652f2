/**
 * flipbook: images to video and back. Every public name is exported here.
 */
export { stitch, runStitch, type StitchResult } from './pipeline/stitch.js';
export { type AnimationResult } from './pipeline/animation-stitch.js';
export { type AnimationOptions, ANIMATION_DEFAULTS, ANIMATION_WIDTH_CAP, GIF_MAX_FPS } from './options/animation-options.js';
export { planStitch, type StitchPlan, type PlannedFrame, type SkippedFile } from './pipeline/plan.js';
export { type StitchOptions, type Progress, FIT_MODES, STITCH_DEFAULTS, DEFAULT_PIXEL_LIMIT } from './options/stitch-options.js';
export { OUTPUT_FORMATS, VIDEO_CODECS, type OutputFormat } from './options/output-formats.js';
export { SORT_ORDERS, type SortOrder } from './inputs/sort.js';
export { FlipbookError, isFlipbookError, type ErrorCode } from './errors.js';
export type { Fraction, Size } from './options/values.js';
export type { FitMode, VideoCodec } from './engine/index.js';
export { createWriter, FrameWriter, type WriteOptions, type StreamChunk } from './pipeline/frame-writer.js';
export { type WriterOptions } from './options/writer-options.js';
export type { FrameInput, PixelFrame, PixelData, CanvasLike, Context2DLike } from './inputs/frame-input.js';
export type { RawPixelFormat } from './engine/index.js';
export { animate, type Animation, type AnimationFrame, type AnimateOptions } from './pipeline/animate.js';
export { toHTML, EMBED_MODES, DEFAULT_EMBED_LIMIT, type EmbedMode, type HtmlOptions } from './html/to-html.js';
export { display, JUPYTER_DISPLAY, type Displayed } from './html/display.js';
export { notebookProgress, type NotebookProgressOptions } from './html/notebook-progress.js';
export { split, planSplit, runSplit, type SplitPlan, type SplitResult } from './pipeline/split.js';
export { readFrames, READ_AHEAD, type VideoFrame } from './pipeline/read-frames.js';
export { readImage, READ_FIT_MODES, type ReadImageOptions, type ImagePixels } from './read/read-image.js';
export { probe } from './pipeline/probe.js';
export { contactSheet, SHEET_DEFAULTS, type ContactSheetResult, type SheetThumbnail } from './pipeline/contact-sheet.js';
export {
  PIXEL_LAYOUTS,
  type SelectionOptions,
  type ReadFramesOptions,
  type SplitOptions,
  type ContactSheetOptions,
  type SelectionMode,
  type PixelLayout,
} from './options/split-options.js';
export { IMAGE_OUTPUTS } from './output/frame-pattern.js';
export type { ManifestEntry } from './output/manifest.js';
export type { MediaInfo, VideoTrackInfo, AudioTrackInfo, OtherTrackInfo, TrackInfo, FrameCountSource, ProbeOptions, ImageFormat, DamageReport } from './engine/index.js';
