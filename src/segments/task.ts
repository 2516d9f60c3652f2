/**
 * One segment of an output, as a worker receives it: a worker thread or process on this machine
 * (`jobs`), or a worker on another machine through the queue (`queue`). Everything here is plain
 * JSON, because it crosses thread, process and machine boundaries.
 */
export interface SegmentTask {
  /** The final output this segment belongs to (the same for every segment of it). */
  output: string;
  /** 0-based position of the segment in the output. */
  index: number;
  /** How many segments the output has. */
  segments: number;
  /** Output frames [first, first + count) on the output's frame grid. */
  first: number;
  count: number;
  /** Frames of the whole output (the last picture is held until it ends; animate's `progress`). */
  total: number;
  /** How the pictures are made. */
  source: SegmentSource;
}

/** Where the pictures of a segment come from. Options are the library's, as JSON (no signal, no callbacks); the worker resolves them again, as the coordinator did. */
export type SegmentSource =
  | { kind: 'stitch'; inputs: string[]; options: Record<string, unknown> }
  | { kind: 'animate'; module: string; options: Record<string, unknown> };

/** What a finished segment reports. */
export interface SegmentDone {
  frames: number;
  bytes: number;
  /** Stitch with `skipInvalid`: inputs of this segment that did not decode and were left out. */
  skipped?: { file: string; position: number; reason: string }[];
}

/**
 * Renders one segment into `file` (the caller's temporary name; the renderer writes it whole or
 * throws). A local pool and the queue's workers both call one of these.
 */
export type SegmentRenderer = (task: SegmentTask, file: string, signal?: AbortSignal) => Promise<SegmentDone>;
