import { Dictionary, FormatContext, InputFormat, Packet, Rational } from 'node-av/lib';
import type { Stream } from 'node-av/lib';
import { AVMEDIA_TYPE_VIDEO } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import type { Fraction } from '../options/values.js';
import { AudioTrack, type AudioResult, type AudioSpec } from './audio-track.js';
import { type VideoCodec, RECIPES } from './codecs.js';
import { localFileUrl, localInputOptions } from './local-file.js';
import { EOF, check } from './runtime.js';
import type { Container } from './video-encoder.js';

export interface JoinSpec {
  /** Where the muxer writes (the temporary file). */
  file: string;
  /** The output as the user named it, for errors. */
  name: string;
  container: Container;
  codec: VideoCodec;
  /** MP4 and MOV: the index at the front. */
  faststart: boolean;
  frameRate: Fraction;
  /** The segments' files in order (raw NUT files written by VideoOutput with `segment`). */
  segments: readonly string[];
  /** Frames the output must have: the sum of the segments', checked. */
  frames: number;
  /** Music encoded once over the whole length and muxed beside the copied video. */
  audio?: AudioSpec | undefined;
}

export interface JoinResult {
  frames: number;
  audio?: AudioResult;
}

/**
 * Joins the segments of a parallel run by stream copy, in-process: one output stream whose
 * codec parameters are the first segment's (every segment must carry the same: same encoder,
 * same settings), every packet copied with its timestamps (the segments carry the output's
 * own), each frame's duration one frame, and the music encoded once over the whole length
 * and interleaved as the pictures are copied. No concat list, no second tool.
 * (Imported by src/segments/run.ts through the engine's index.)
 */
export async function joinSegments(spec: JoinSpec): Promise<JoinResult> {
  const out = new FormatContext();
  const packet = new Packet();
  packet.alloc();
  let audio: AudioTrack | undefined;
  let opened = false;
  let inputs: FormatContext[] = [];
  try {
    check(out.allocOutputContext2(null, spec.container, localFileUrl(spec.file)), `set up a ${spec.container} file`);
    const firstFile = spec.segments[0];
    if (firstFile === undefined) throw new FlipbookError('ENGINE', 'A parallel run has no segment to join');
    const firstInput = await openSegment(firstFile);
    inputs.push(firstInput.format);
    const source = firstInput.stream;
    const stream = out.newStream(null);
    check(source.codecpar.copy(stream.codecpar), 'copy the codec parameters of a segment');
    // MP4 and MOV: hvc1, as the one-piece encode writes it; else the container's own tag.
    const tag = RECIPES[spec.codec].tag;
    stream.codecpar.codecTag = tag && (spec.container === 'mp4' || spec.container === 'mov') ? tag : 0;
    // The one-piece encode's time base (1/fps) when it counts the segments' ticks exactly.
    const perFrame = (spec.frameRate.den * source.timeBase.den) / (spec.frameRate.num * source.timeBase.num);
    stream.timeBase = Number.isInteger(perFrame) ? new Rational(spec.frameRate.den, spec.frameRate.num) : source.timeBase;
    stream.avgFrameRate = new Rational(spec.frameRate.num, spec.frameRate.den);
    // Copies: the first segment's stream goes with its input, closed once it is copied.
    const reference = { extradata: extradataOf(source), codecId: source.codecpar.codecId, width: source.codecpar.width, height: source.codecpar.height };
    if (spec.audio) audio = await AudioTrack.open(spec.audio, out);
    check(await out.openOutput(), 'create the output file', { file: spec.name, code: 'IO' });
    opened = true;
    const muxerOptions = spec.faststart ? Dictionary.fromObject({ movflags: '+faststart' }) : null;
    check(await out.writeHeader(muxerOptions), 'write the file header', { file: spec.name, code: 'IO' });
    // One frame in the segments' time base (1/fps or finer).
    const tb = { num: source.timeBase.num, den: source.timeBase.den };
    if (!Number.isInteger(perFrame)) throw new FlipbookError('ENGINE', `The segments count time in ticks of ${tb.num}/${tb.den} s, which do not divide a frame of ${spec.frameRate.den}/${spec.frameRate.num} s`);
    const frameTicks = BigInt(perFrame);
    // First pass: every segment's timestamps. A segment's frames are the output's [first,
    // first + count), in decode order; a muxer may have shifted them (NUT moves a stream whose
    // decode times would start below 0), so they are put back on the output's frame grid, and
    // the decode times (NUT stores none) are made again from the presentation times: the i-th
    // decode time is the i-th presentation time in order, less the reorder delay of B-frames,
    // the same for every segment, so that they follow on across the joins.
    const scans: bigint[][] = [];
    let delay = 0n;
    let start = 0n;
    for (const [i, file] of spec.segments.entries()) {
      const input = i === 0 ? firstInput : await openSegment(file);
      if (i > 0) inputs.push(input.format);
      const sameTimeBase = input.stream.timeBase.num === tb.num && input.stream.timeBase.den === tb.den;
      if (!sameTimeBase || input.stream.codecpar.codecId !== reference.codecId || input.stream.codecpar.width !== reference.width || input.stream.codecpar.height !== reference.height || !sameBytes(extradataOf(input.stream), reference.extradata)) {
        throw new FlipbookError('ENGINE', `Segment ${i + 1} of ${spec.segments.length} was encoded with other codec settings than segment 1, so the two cannot be joined by stream copy`);
      }
      const pts: bigint[] = [];
      for (;;) {
        const ret = await input.format.readFrame(packet);
        if (ret === EOF) break;
        check(ret, 'read a segment', { file });
        if (packet.streamIndex === input.stream.index) pts.push(packet.pts);
        packet.unref();
      }
      await input.format.closeInput();
      inputs = inputs.filter((f) => f !== input.format);
      if (pts.length === 0) throw new FlipbookError('ENGINE', `Segment ${i + 1} of ${spec.segments.length} holds no frame`, { file });
      const lowest = pts.reduce((a, b) => (b < a ? b : a));
      const shift = lowest - start * frameTicks;
      const placed = pts.map((p) => p - shift);
      const sorted = [...placed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [k, p] of placed.entries()) {
        if ((p - start * frameTicks) % frameTicks !== 0n) throw new FlipbookError('ENGINE', `Segment ${i + 1} of ${spec.segments.length} has a frame off the frame grid`, { file });
        const need = (sorted[k]! - p + frameTicks - 1n) / frameTicks;
        if (need > delay) delay = need;
      }
      if (sorted[sorted.length - 1]! !== (start + BigInt(pts.length) - 1n) * frameTicks) throw new FlipbookError('ENGINE', `Segment ${i + 1} of ${spec.segments.length} misses frames`, { file });
      scans.push(placed);
      start += BigInt(pts.length);
    }
    let frames = 0;
    for (const [i, file] of spec.segments.entries()) {
      const placed = scans[i]!;
      const sorted = [...placed].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const input = await openSegment(file);
      inputs.push(input.format);
      let k = 0;
      for (;;) {
        const ret = await input.format.readFrame(packet);
        if (ret === EOF) break;
        check(ret, 'read a segment', { file });
        if (packet.streamIndex !== input.stream.index) {
          packet.unref();
          continue;
        }
        packet.streamIndex = stream.index;
        packet.pts = placed[k]!;
        packet.dts = sorted[k]! - delay * frameTicks;
        packet.duration = frameTicks;
        packet.pos = -1n;
        k++;
        const end = Number(packet.pts + frameTicks) * (tb.num / tb.den);
        packet.rescaleTs(tb, stream.timeBase);
        frames++;
        check(await out.interleavedWriteFrame(packet), 'write a frame', { file: spec.name, code: 'IO' });
        await audio?.pump(end);
      }
      await input.format.closeInput();
      inputs = inputs.filter((f) => f !== input.format);
    }
    if (frames !== spec.frames) throw new FlipbookError('ENGINE', `The segments hold ${frames} frames, not the ${spec.frames} planned`);
    const audioResult = await audio?.finish();
    check(await out.writeTrailer(), 'finish the file', { file: spec.name, code: 'IO' });
    return { frames, ...(audioResult ? { audio: audioResult } : {}) };
  } finally {
    for (const input of inputs) await input.closeInput();
    await audio?.close();
    if (opened) await out.closeOutput();
    out.freeContext();
    packet.free();
  }
}

async function openSegment(file: string): Promise<{ format: FormatContext; stream: Stream }> {
  const format = new FormatContext();
  const options = localInputOptions();
  const ret = await format.openInput(localFileUrl(file), InputFormat.findInputFormat('nut'), options);
  options.free();
  if (ret < 0) {
    format.freeContext();
    check(ret, 'open a segment', { file });
  }
  const stream = format.streams?.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
  if (!stream) {
    await format.closeInput();
    throw new FlipbookError('ENGINE', `The segment ${file} has no video stream`, { file });
  }
  return { format, stream };
}

/** A copy: FFmpeg's buffer goes with its input. */
function extradataOf(stream: Stream): Buffer | null {
  const bytes = stream.codecpar.extradata;
  return bytes ? Buffer.from(bytes) : null;
}

function sameBytes(a: Buffer | null, b: Buffer | null): boolean {
  if (!a || !b) return !a && !b;
  return a.equals(b);
}
