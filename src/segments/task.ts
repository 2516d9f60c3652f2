/**
 * One segment of an output, as a worker receives it: a worker thread or process on this machine
 * (`jobs`), or a worker on another machine through the queue (`queue`). Everything here is plain
 * JSON, because it crosses thread, process and machine boundaries.
 */
import type { ImageHeader } from '../inputs/headers.js';

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
  /** Encoder threads for this segment (the local pool: the worker's share of the cores); default the encoder's own choice. */
  threads?: number;
  /**
   * A GIF's segment (src/segments/gif.ts): its pictures counted and spooled, or mapped to the
   * palette of all segments. `first` and `count` then number pictures (stitch's images,
   * animate's frames), not frames of a video.
   */
  gif?: GifPhase;
}

/** Which of a GIF segment's two tasks: count its colours and spool its pictures, or map them. */
export type GifPhase =
  | { phase: 'count' }
  | {
      phase: 'map';
      /** The segment's spool (written by its `count` task). */
      spool: string;
      width: number;
      height: number;
      loop: number;
      /** The palette of all segments: RGB triplets. */
      palette: number[];
      /** Whether the palette keeps a slot for transparent pixels. */
      transparent: boolean;
      dither: string;
      tolerance: number;
      lossy: number;
      /** Per spooled picture, where it lands in hundredths of a second, or null when a frame-rate cap drops it. */
      frames: ({ pts: number; duration: number } | null)[];
      /** The last picture written before the segment: a spool and its index there. */
      prime?: { file: string; frame: number };
      /** With a tolerance: the colours each pixel was last drawn from when the segment starts (a file of 32-bit RGBA words), used instead of `prime`. */
      references?: string;
    };

/** Where the pictures of a segment come from. Options are the library's, as JSON (no signal, no callbacks); the worker resolves them again, as the coordinator did. */
export type SegmentSource =
  | {
      kind: 'stitch';
      inputs: string[];
      options: Record<string, unknown>;
      /** The headers the coordinator read (this machine's pool only): the worker's plan reads no file twice. A queue's worker reads its own. */
      headers?: ImageHeader[];
    }
  | { kind: 'animate'; module: string; options: Record<string, unknown> };

/** What a finished segment reports. */
export interface SegmentDone {
  frames: number;
  bytes: number;
  /** Stitch with `skipInvalid`: inputs of this segment that did not decode and were left out. */
  skipped?: { file: string; position: number; reason: string }[];
  /** A GIF segment's `count` task: each picture's start and end (seconds, in pairs), and whether any has transparency. */
  gif?: { times: number[]; transparent: boolean };
}

/**
 * Renders one segment into `file` (the caller's temporary name; the renderer writes it whole or
 * throws). A local pool and the queue's workers both call one of these.
 */
export type SegmentRenderer = (task: SegmentTask, file: string, signal?: AbortSignal) => Promise<SegmentDone>;
