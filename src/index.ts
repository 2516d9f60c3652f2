/**
 * flipbook: images to video and back. Every public name is exported here.
 */
export { stitch, runStitch } from './stitch/stitch.js';
export type { OutputResult, AnimationResult, SkippedFile } from './core/output.js';
export { type AnimationOptions, ANIMATION_DEFAULTS, ANIMATION_WIDTH_CAP, GIF_MAX_FPS } from './options/animation-options.js';
export { planStitch, type PlanFor, type StitchPlan, type PlannedImage } from './stitch/plan.js';
export { type OutputOptions, type StitchOptions, type WriterOptions, type Progress, type ProgressStage, FIT_MODES, OUTPUT_DEFAULTS, DEFAULT_PIXEL_LIMIT } from './options/output-options.js';
export { OUTPUT_FORMATS, VIDEO_CODECS, type OutputFormat } from './options/output-formats.js';
export { SORT_ORDERS, type SortOrder } from './inputs/sort.js';
export { FlipbookError, isFlipbookError, type ErrorCode, type FlipbookErrorDetails, type OptionRef, type OptionStyle, type Text, type WarningHandler } from './errors.js';
// From the coordinator alone, which imports bullmq only when a queue run starts (runStitch reaches it already).
export { SegmentFailedError } from './queue/coordinator.js';
export { type Fraction, type Size, type PixelLayout, PIXEL_LAYOUTS } from './options/values.js';
export type { FitMode, VideoCodec } from './engine/index.js';
export { createWriter, FrameWriter, type WriteOptions, type StreamChunk } from './writer/frame-writer.js';
export type { FrameInput, PixelFrame, PixelData, CanvasLike, Context2DLike } from './writer/frame-input.js';
export { animate, type AnimateSpec, type AnimateModuleSpec, type AnimateFrame, type AnimateOptions } from './animate/animate.js';
export type { DrawingCanvas, DrawingContext2D, DrawingGradient, DrawingImageData, DrawingTextMetrics } from './animate/drawing-context.js';
export { toHTML, EMBED_MODES, DEFAULT_EMBED_LIMIT, type EmbedMode, type HtmlOptions } from './html/to-html.js';
export { display, JUPYTER_DISPLAY, type Displayed } from './html/display.js';
export { split, planSplit, runSplit, type SplitPlan, type SplitResult } from './read/split.js';
export { readFrames, READ_AHEAD, type VideoFrame } from './read/read-frames.js';
export { probe } from './read/probe.js';
export { contactSheet, SHEET_DEFAULTS, type ContactSheetResult, type SheetThumbnail } from './read/contact-sheet.js';
export { notebookProgress, type NotebookProgressOptions } from './html/notebook-progress.js';
export { readImage, READ_FIT_MODES, type ReadImageOptions, type ImagePixels } from './read/read-image.js';
export {
  type SelectionOptions,
  type ReadFramesOptions,
  type SplitOptions,
  type ContactSheetOptions,
  type SelectionMode,
} from './options/split-options.js';
export { IMAGE_OUTPUTS } from './output/frame-pattern.js';
export type { ManifestEntry } from './output/manifest.js';
export type { MediaInfo, VideoTrackInfo, AudioTrackInfo, OtherTrackInfo, TrackInfo, FrameCountSource, ProbeOptions, ImageFormat, DamageReport } from './engine/index.js';
