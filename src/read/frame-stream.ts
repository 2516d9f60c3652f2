import type { Picture, PictureConverter, SourceFrame, VideoSource } from '../engine/index.js';
import type { ResolvedSelection } from '../options/split-options.js';
import { fractionToNumber } from '../options/values.js';
import { prefetch } from '../util/prefetch.js';
import { type Candidate, Selector } from './selection.js';
import { throwIfAborted } from '../util/abort.js';

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

/** Decoded frames waiting for the selection and conversion: a few, to overlap the two. */
const DECODE_AHEAD = 2;

/**
 * Decode → select → convert, lazily: frames are decoded a little ahead, only picked frames
 * are converted, and decoding stops as soon as the selection can pick nothing more.
 */
export async function* streamFrames(source: VideoSource, selection: ResolvedSelection, converter: PictureConverter, signal?: AbortSignal): AsyncGenerator<StreamedFrame> {
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
    yield* emit(selector.finish(fallbackDuration));
  } finally {
    for (const frame of selector.drain()) frame.picture.release();
    await decoded.return(undefined);
  }
}
