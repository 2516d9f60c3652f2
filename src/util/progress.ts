import type { Progress } from '../options/output-options.js';

/** Counts frames against wall time and estimates what is left. */
export class ProgressClock {
  /** undefined: unknown, the frames so far stand for the total. */
  private total: number | undefined;
  private frame = 0;
  private readonly started = performance.now();

  constructor(total: number | undefined) {
    this.total = total;
  }

  /** `n` frames will not come (a skipped image): the run does fewer. */
  shrink(n = 1): void {
    if (this.total !== undefined) this.total -= n;
  }

  /** The run does at least `n` frames (an estimate proved low). */
  atLeast(n: number): void {
    if (this.total !== undefined && n > this.total) this.total = n;
  }

  /** `n` more frames will come (another pass of a size search). */
  grow(n: number): void {
    if (this.total !== undefined) this.total += n;
  }

  tick(): Progress {
    this.frame++;
    const elapsed = (performance.now() - this.started) / 1000;
    const fps = elapsed > 0 ? this.frame / elapsed : 0;
    if (this.total === undefined) return { frame: this.frame, total: this.frame, fps, eta: undefined, elapsed };
    const total = Math.max(this.total, this.frame);
    const eta = fps > 0 && this.frame >= 2 ? (total - this.frame) / fps : undefined;
    return { frame: this.frame, total, fps, eta, elapsed };
  }
}
