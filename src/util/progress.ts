import type { Progress, ProgressStage } from '../options/output-options.js';

/**
 * Counts frames against wall time and estimates what is left. A GIF, WebP or APNG goes over
 * its frames more than once (spooled, then written): each pass is a stage whose `frame` and
 * `total` count the animation's frames from 0 again, while the ETA counts every pass to come.
 */
export class ProgressClock {
  /** undefined: unknown, the frames so far stand for the total. */
  private total: number | undefined;
  private frame = 0;
  private readonly started = performance.now();
  private stageStarted = this.started;
  private stageName: ProgressStage | undefined;
  private attempt = 1;
  /** Passes after this one, each of `total` frames (for the ETA). */
  private passesLeft: number;
  /** Frames of every pass so far (for the pace the ETA uses). */
  private before = 0;

  /** `passes`: how many times the run goes over its `total` frames (with `stage`, the first pass's name). */
  constructor(total: number | undefined, passes: { count: number; stage: ProgressStage } | undefined = undefined) {
    this.total = total;
    this.passesLeft = passes ? passes.count - 1 : 0;
    this.stageName = passes?.stage;
  }

  /** `n` frames will not come (a skipped image): the run does fewer. */
  shrink(n = 1): void {
    if (this.total !== undefined) this.total -= n;
  }

  /** The run does at least `n` frames (an estimate proved low). */
  atLeast(n: number): void {
    if (this.total !== undefined && n > this.total) this.total = n;
  }

  /** The next pass begins, over `total` frames, with `passesLeft` more after it. */
  stage(name: ProgressStage, total: number, passesLeft: number, attempt = this.attempt): void {
    this.before += this.frame;
    this.frame = 0;
    this.total = total;
    this.passesLeft = passesLeft;
    this.stageName = name;
    this.attempt = attempt;
    this.stageStarted = performance.now();
  }

  tick(): Progress {
    this.frame++;
    const now = performance.now();
    const elapsed = (now - this.started) / 1000;
    const inStage = (now - this.stageStarted) / 1000;
    const fps = inStage > 0 ? this.frame / inStage : 0;
    const stage = this.stageName === undefined ? {} : { stage: this.stageName, attempt: this.attempt };
    if (this.total === undefined) return { frame: this.frame, total: this.frame, fps, eta: undefined, elapsed, ...stage };
    const total = Math.max(this.total, this.frame);
    // The pace of every pass so far: a stage's first frames alone say little.
    const done = this.before + this.frame;
    const pace = elapsed > 0 ? done / elapsed : 0;
    const left = total - this.frame + this.passesLeft * total;
    const eta = pace > 0 && done >= 2 ? left / pace : undefined;
    return { frame: this.frame, total, fps, eta, elapsed, ...stage };
  }
}
