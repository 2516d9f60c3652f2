/**
 * flipbook: images to video and back. Every public name is exported here.
 */
export { stitch, runStitch, type StitchResult } from './pipeline/stitch.js';
export { planStitch, type StitchPlan, type PlannedFrame, type SkippedFile } from './pipeline/plan.js';
export { type StitchOptions, type Progress, FIT_MODES, STITCH_DEFAULTS, DEFAULT_PIXEL_LIMIT } from './options/stitch-options.js';
export { OUTPUT_FORMATS, VIDEO_CODECS, type OutputFormat } from './options/output-formats.js';
export { SORT_ORDERS, type SortOrder } from './inputs/sort.js';
export { FlipbookError, isFlipbookError, type ErrorCode } from './errors.js';
export type { Fraction, Size } from './options/values.js';
export type { FitMode, VideoCodec } from './engine/index.js';
