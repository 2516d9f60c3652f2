/** How a parallel run cuts the output's timeline: segments of whole closed GOPs. */

/** A segment is at least this many frames (a keyframe and the encoder's start cost are paid per segment). */
export const MIN_SEGMENT_FRAMES = 25;
/**
 * And at most this many seconds: short enough to balance the work between the workers, long
 * enough that an encoder's start and a keyframe a segment cost little. Measured on 600 frames of
 * 640x360 with 2 workers (3 interleaved runs): 4 s segments (six) against 12 s (two) took VP9
 * 8.37 s against 7.81 s and AV1 5.30 s against 4.51 s (SVT-AV1 starts in about 0.3 s), H.264
 * `render` 7.4 s against 6.9 s.
 */
export const SEGMENT_SECONDS = 10;

export interface SegmentSpan {
  index: number;
  /** Output frames [first, first + count). */
  first: number;
  count: number;
}

/**
 * Cuts `frames` output frames into segments for `jobs` workers: each a few seconds
 * (SEGMENT_SECONDS, fewer when the output is short, so that every worker gets one) and at
 * least MIN_SEGMENT_FRAMES, of equal length within a frame, and as many as a multiple of the
 * workers where the length allows. Each segment is encoded by an
 * encoder of its own, so it is a run of whole closed GOPs whose first frame is a keyframe.
 * One segment (a one-piece encode) when the output is too short to cut. With `align`, each
 * segment starts at a multiple of it (a GIF's own-palette windows, OWN_PALETTE_WINDOW).
 */
export function planSegments(frames: number, fps: number, jobs: number, minFrames = MIN_SEGMENT_FRAMES, align = 1): SegmentSpan[] {
  const target = Math.max(minFrames, Math.min(Math.round(SEGMENT_SECONDS * fps), Math.ceil(frames / Math.max(1, jobs))));
  let n = Math.max(1, Math.round(frames / target));
  // A multiple of the workers, so that none idles at the end while another renders a last one.
  if (n > jobs) n = Math.max(jobs, Math.round(n / jobs) * jobs);
  while (n > 1 && frames / n < minFrames) n--;
  // Where each segment starts: the nearest multiple of `align` (a cut that lands on the one
  // before, or on the end, is dropped).
  const starts = [0];
  for (let i = 1; i < n; i++) {
    const at = Math.round(Math.floor((frames * i) / n) / align) * align;
    if (at > (starts.at(-1) as number) && at < frames) starts.push(at);
  }
  return starts.map((first, index) => ({ index, first, count: (starts[index + 1] ?? frames) - first }));
}
