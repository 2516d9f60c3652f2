import type { ResolvedSelection } from '../options/split-options.js';
import type { Fraction } from '../options/values.js';

/** A decoded frame as the selection sees it: only its timing. */
export interface Candidate {
  /** Ticks of the stream's time base, from the start of the stream. */
  offset: number;
  /** Seconds from the start of the stream. */
  time: number;
  /** Seconds it is shown (undefined when the stream does not say). */
  duration: number | undefined;
  keyframe: boolean;
  /** 0-based position in presentation order (undefined after a seek). */
  sourceIndex: number | undefined;
}

export interface Picked<T> {
  payload: T;
  candidate: Candidate;
  /** 0-based position among the frames picked. */
  index: number;
  /** Seconds: the frame's own time (passthrough) or its slot on the fps grid. */
  time: number;
}

export interface Step<T> {
  picked: Picked<T>[];
  /** Payloads the selection no longer holds: release them after the picks are used. */
  released: T[];
}

/** Tolerance for comparing float seconds (well under any time base in use). */
const EPS = 1e-9;

/** Rounds a / b to the nearest integer, halves away from zero (FFmpeg's AV_ROUND_NEAR_INF). */
function roundDiv(a: bigint, b: bigint): bigint {
  if (b < 0n) return roundDiv(-a, -b);
  return a >= 0n ? (2n * a + b) / (2n * b) : -((-2n * a + b) / (2n * b));
}

/**
 * Decides which decoded frames come out, frame by frame, in presentation order:
 * trim to [start, end), keyframes only, explicit frame numbers, fps resampling (ffmpeg's fps
 * filter: each slot n/fps shows the last frame whose time, rounded to the slot grid, is at or
 * before it), every Nth, and a maximum. Pure: it sees timestamps, never pixels.
 */
export class Selector<T> {
  private readonly sel: ResolvedSelection;
  private readonly timeBase: Fraction;
  /** The start, in microseconds (the grid's origin). */
  private readonly startUs: bigint;
  private readonly frameSet: Set<number> | undefined;
  private readonly lastFrame: number | undefined;
  private head: { payload: T; candidate: Candidate } | undefined;
  private next: bigint | undefined;
  private kept = 0;
  private count = 0;
  private finished = false;
  private lastSeen: Candidate | undefined;

  constructor(selection: ResolvedSelection, timeBase: Fraction) {
    this.sel = selection;
    this.timeBase = timeBase;
    this.startUs = BigInt(Math.round(selection.start * 1e6));
    this.frameSet = selection.frameNumbers ? new Set(selection.frameNumbers) : undefined;
    this.lastFrame = selection.frameNumbers?.at(-1);
  }

  /** No later frame can be picked: stop decoding. */
  get done(): boolean {
    return this.finished;
  }

  /** How many frames were picked so far. */
  get picked(): number {
    return this.count;
  }

  /** The fps slot of a time (stream ticks from the start of the stream), rounded to nearest. */
  slotOf(offset: number): bigint {
    const fps = this.sel.fps;
    if (!fps) return 0n;
    const { num, den } = this.timeBase;
    // (offset·num/den − start) · fps, exactly.
    const numerator = (BigInt(offset) * BigInt(num) * 1_000_000n - this.startUs * BigInt(den)) * BigInt(fps.num);
    const denominator = BigInt(den) * 1_000_000n * BigInt(fps.den);
    return roundDiv(numerator, denominator);
  }

  offer(candidate: Candidate, payload: T): Step<T> {
    const step: Step<T> = { picked: [], released: [] };
    const { sel } = this;
    if (this.finished) {
      step.released.push(payload);
      return step;
    }
    if (sel.end !== undefined && candidate.time >= sel.end - EPS) {
      step.released.push(payload);
      this.flush(step, sel.end);
      return step;
    }
    const wanted =
      candidate.time >= sel.start - EPS &&
      (!sel.keyframesOnly || candidate.keyframe) &&
      (!this.frameSet || (candidate.sourceIndex !== undefined && this.frameSet.has(candidate.sourceIndex)));
    if (this.lastFrame !== undefined && candidate.sourceIndex !== undefined && candidate.sourceIndex >= this.lastFrame) {
      // The last asked frame number: nothing after it can be picked.
      if (wanted) this.pick(step, payload, candidate, candidate.time);
      step.released.push(payload);
      this.finished = true;
      return step;
    }
    if (!wanted) {
      step.released.push(payload);
      return step;
    }
    this.lastSeen = candidate;
    if (!sel.fps) {
      this.pick(step, payload, candidate, candidate.time);
      step.released.push(payload);
      return step;
    }
    const slot = this.slotOf(candidate.offset);
    if (!this.head || this.next === undefined) {
      this.head = { payload, candidate };
      this.next = slot > 0n ? slot : 0n;
      return step;
    }
    // The head is shown in every slot before the new frame's.
    while (this.next < slot && !this.finished) this.emitHead(step);
    step.released.push(this.head.payload);
    this.head = { payload, candidate };
    if (this.finished) this.releaseHead(step);
    return step;
  }

  /**
   * The end of the input (or of the range): the last held frame fills the slots up to the
   * end. `fallbackDuration` (seconds) is used when the last frame does not say how long it lasts.
   */
  finish(fallbackDuration: number | undefined): Step<T> {
    const step: Step<T> = { picked: [], released: [] };
    if (this.finished) {
      this.releaseHead(step);
      return step;
    }
    const last = this.lastSeen;
    const streamEnd = last ? last.time + (last.duration ?? fallbackDuration ?? 0) : undefined;
    const end = this.sel.end !== undefined && streamEnd !== undefined ? Math.min(this.sel.end, streamEnd) : (this.sel.end ?? streamEnd);
    this.flush(step, end);
    return step;
  }

  /** Everything still held (after an early stop): release it. */
  drain(): T[] {
    const held = this.head ? [this.head.payload] : [];
    this.head = undefined;
    this.finished = true;
    return held;
  }

  private flush(step: Step<T>, end: number | undefined): void {
    if (this.head && this.next !== undefined && this.sel.fps) {
      const endSlot = end === undefined ? this.next + 1n : this.slotOfSeconds(end);
      const before = this.count;
      while (this.next < endSlot && !this.finished) this.emitHead(step);
      // A video shorter than one slot still gives its frame.
      if (this.count === before && before === 0 && !this.finished) this.emitHead(step);
    }
    this.releaseHead(step);
    this.finished = true;
  }

  private slotOfSeconds(seconds: number): bigint {
    const fps = this.sel.fps;
    if (!fps) return 0n;
    const us = BigInt(Math.round(seconds * 1e6)) - this.startUs;
    return roundDiv(us * BigInt(fps.num), 1_000_000n * BigInt(fps.den));
  }

  private releaseHead(step: Step<T>): void {
    if (this.head) step.released.push(this.head.payload);
    this.head = undefined;
  }

  private emitHead(step: Step<T>): void {
    const fps = this.sel.fps;
    if (!this.head || this.next === undefined || !fps) return;
    const slot = this.next;
    this.next++;
    this.pick(step, this.head.payload, this.head.candidate, this.sel.start + (Number(slot) * fps.den) / fps.num);
  }

  /** Applies every and maxFrames to a frame the other rules kept. */
  private pick(step: Step<T>, payload: T, candidate: Candidate, time: number): void {
    const keep = this.kept++ % this.sel.every === 0;
    if (!keep) return;
    step.picked.push({ payload, candidate, index: this.count++, time });
    if (this.sel.maxFrames !== undefined && this.count >= this.sel.maxFrames) this.finished = true;
  }
}
