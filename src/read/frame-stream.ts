import type { Picture, PictureConverter, SourceFrame, VideoSource } from '../engine/index.js';
import type { ResolvedSelection } from '../options/split-options.js';
import { fractionToNumber } from '../options/values.js';
import { prefetch } from '../util/prefetch.js';
import { type Candidate, Selector } from './selection.js';
import { throwIfAborted } from '../util/abort.js';
import { formatNumbers, plural } from '../util/format.js';

/** A picked frame, converted for output. The receiver owns `picture` and releases it. */
export interface StreamedFrame {
  picture: Picture;
  /** 0-based position among the frames picked. */
  index: number;
  /** 0-based position of the source frame in the video (undefined after a seek, or with keyframes only). */
  sourceIndex: number | undefined;
  /** Seconds from the start of the video: the frame's own (passthrough) or its fps slot. */
  time: number;
  /** The source frame's timestamp in ticks of the stream's time base. */
  pts: number;
  keyframe: boolean;
}

/** What a stream found out by its end. */
export interface StreamEnd {
  /**
   * The video's frames (those that decode), when the stream read them all: undefined after a
   * seek, with keyframes only, or when the selection stopped it early.
   */
  frames?: number;
}

/**
 * The warning for asked frame numbers past the video's last frame (undefined: none, or the
 * count unknown). The frames that exist were read; a list with none of them is an error of
 * its own (nothing to read).
 */
export function missingFramesWarning(video: string, selection: ResolvedSelection, end: StreamEnd): string | undefined {
  const { frames } = end;
  if (!selection.frameNumbers || frames === undefined) return undefined;
  const missing = selection.frameNumbers.filter((n) => n >= frames);
  if (missing.length === 0) return undefined;
  const read = selection.frameNumbers.length - missing.length;
  return `Frame number${missing.length === 1 ? '' : 's'} ${formatNumbers(missing)} ${missing.length === 1 ? 'does' : 'do'} not exist: ${video} has ${plural(frames, 'frame')}${frames > 0 ? ` (0 to ${frames - 1})` : ''}, so ${read} of the ${selection.frameNumbers.length} asked ${read === 1 ? 'was' : 'were'} read`;
}

/** Decoded frames waiting for the selection and conversion: a few, to overlap the two. */
const DECODE_AHEAD = 2;

/**
 * Decode → select → convert, lazily: frames are decoded a little ahead, only picked frames
 * are converted, and decoding stops as soon as the selection can pick nothing more. `end` is
 * filled in when the stream is done (StreamEnd).
 */
export async function* streamFrames(source: VideoSource, selection: ResolvedSelection, converter: PictureConverter, signal?: AbortSignal, end: StreamEnd = {}): AsyncGenerator<StreamedFrame> {
  const seeking = selection.start > 0;
  const decoded = prefetch(source.decode({ ...(seeking ? { from: selection.start } : {}), keyframesOnly: selection.keyframesOnly }), DECODE_AHEAD, (f: SourceFrame) =>
    f.picture.release(),
  );
  const selector = new Selector<SourceFrame>(selection, source.timeBase);
  const rate = source.video.avgFrameRate ?? source.video.frameRate;
  let fallbackDuration = rate ? 1 / fractionToNumber(rate) : undefined;
  const origin = source.ticksAt(0);
  let sourceIndex = 0;
  let previousTime: number | undefined;
  const emit = async function* (step: ReturnType<Selector<SourceFrame>['offer']>): AsyncGenerator<StreamedFrame> {
    try {
      for (const pick of step.picked) {
        const picture = await converter.convert(pick.payload.picture);
        yield { picture, index: pick.index, sourceIndex: pick.candidate.sourceIndex, time: pick.time, pts: pick.payload.pts, keyframe: pick.candidate.keyframe };
      }
    } finally {
      for (const frame of step.released) frame.picture.release();
    }
  };
  try {
    for await (const frame of decoded) {
      if (signal?.aborted) frame.picture.release();
      throwIfAborted(signal);
      const candidate: Candidate = {
        offset: frame.pts - Number(origin),
        time: frame.time,
        duration: frame.duration,
        keyframe: frame.keyframe,
        sourceIndex: seeking || selection.keyframesOnly ? undefined : sourceIndex++,
      };
      // Without durations in the stream, the last frame lasts as long as the one before it.
      if (previousTime !== undefined && frame.time > previousTime) fallbackDuration = frame.time - previousTime;
      previousTime = frame.time;
      yield* emit(selector.offer(candidate, frame));
      if (selector.done) break;
    }
    throwIfAborted(signal);
    if (!selector.done && !seeking && !selection.keyframesOnly) end.frames = sourceIndex;
    yield* emit(selector.finish(fallbackDuration));
  } finally {
    for (const frame of selector.drain()) frame.picture.release();
    await decoded.return(undefined);
  }
}
