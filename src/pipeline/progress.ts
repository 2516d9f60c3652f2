import type { Progress } from '../options/stitch-options.js';

/** Counts frames against wall time and estimates what is left. */
export class ProgressClock {
  private total: number;
  private frame = 0;
  private readonly started = performance.now();

  constructor(total: number) {
    this.total = total;
  }

  /** A frame was skipped: the run will write one fewer. */
  shrinkTotal(): void {
    this.total--;
  }

  tick(): Progress {
    this.frame++;
    const elapsed = (performance.now() - this.started) / 1000;
    const fps = elapsed > 0 ? this.frame / elapsed : 0;
    const eta = fps > 0 && this.frame >= 2 ? (this.total - this.frame) / fps : undefined;
    return { frame: this.frame, total: this.total, fps, eta, elapsed };
  }
}
