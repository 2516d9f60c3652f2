import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { FlipbookError } from '../errors.js';
import { memoryLimit } from '../util/memory-limit.js';

import type { FrameCoderSpec, FrameJob } from './gif-frame-coder.js';

/** A job for a coder thread, with a buffer for the frame's bytes. */
export interface CoderRequest {
  job: FrameJob;
  out: Uint8Array;
}

/** A thread's answer: the job's buffers back, the frame's bytes in the first `length` bytes of `out`. */
export interface CoderReply {
  pixels: Uint8Array;
  mask: Uint8Array;
  out: Uint8Array;
  length: number;
  /** What trying the frame's own palette came to (FrameCoder.own). */
  own: number;
}

/** A coded frame: its bytes (lent until CoderPool.release), and the job's buffers, free again. */
export interface CodedFrame {
  bytes: Uint8Array;
  pixels: Uint8Array;
  mask: Uint8Array;
  /** What trying the frame's own palette came to (FrameCoder.own). */
  own: number;
}

/**
 * Threads a GIF's frames are coded on: one a core, two at most. Measured on the 2-core machine
 * (see the README, "GIF frames on two threads"): with the writer's own thread deciding what each
 * frame draws, two coder threads keep both cores busy.
 */
export const CODER_THREADS = Math.max(1, Math.min(2, availableParallelism()));

/**
 * The threads start once a GIF's frames have taken CODER_THREADS_AFTER_MS to code on the
 * writer's thread, CODER_THREADS_AFTER_FRAMES of them at least (the first ones cost more: the
 * code is not yet optimised), and only when those left would take CODER_THREADS_WORTH_MS more
 * there (CODER_THREADS_WORTH_MS_GLOBAL when none of the last four took a palette of its own), at
 * the cost of the cheapest of the last four (one frame may have been slowed by the machine); with
 * the number of frames unknown, once coding has cost that much. A thread starts cold: a new
 * isolate whose code V8 has still to optimise, the longer with palettes of its own (cuts,
 * k-means). Measured: a thread's first 640x360 frames took 166 and 78 ms, then 5-15 ms, on the
 * UI-like set (own palettes; 4-5 ms on the writer's warm thread), and 64 and 51 ms, then 16-19 ms,
 * on noise (the global palette). On the bench's 48-frame sets, interleaved against no threads:
 * the UI-like set (4.5 ms a frame) and the sprite set (8.5 ms; on a slower hour, with 540-600 ms
 * left, 1.50 s -> 1.86 s), both with palettes of their own, lost with them; the grainy set (the
 * global palette, 19 ms a frame, some 800 ms left) gained 6-12%. Longer GIFs (600 frames, 300
 * 1080p sources) gain 2-11%.
 */
export const CODER_THREADS_AFTER_MS = 100;
export const CODER_THREADS_WORTH_MS = 1000;
export const CODER_THREADS_WORTH_MS_GLOBAL = 600;
export const CODER_THREADS_AFTER_FRAMES = 6;

/**
 * The threads' entry: the built file beside this one or, from a bundle, in ../engine. From the
 * TypeScript source (under tsx) there is none: Node 20 does not run a worker's `--import tsx`,
 * so the writer codes on its own thread there.
 */
function workerEntry(): string | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return undefined;
  for (const candidate of ['./gif-coder-worker.js', '../engine/gif-coder-worker.js']) {
    const path = fileURLToPath(new URL(candidate, here));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** One thread, the answers it owes (oldest first), and the pool's listeners on it. */
interface Coder {
  worker: Worker;
  waiting: { resolve: (frame: CodedFrame) => void; reject: (error: Error) => void }[];
  listeners: { message: (reply: CoderReply) => void; error: (cause: Error) => void; exit: (code: number) => void };
}

/**
 * Coder threads kept between GIFs of one process (a notebook, a service): a thread's code is
 * optimised by then, where a new one is a cold isolate (its first frames cost 5 to 30 times a
 * warm one's). At most CODER_THREADS, unreferenced (they never keep the process alive), ended
 * IDLE_MS after the last GIF that used threads. The next GIF's spec is sent to them first.
 * Measured: the third 192-frame sprite GIF in one process 1.94-2.21 s -> 1.71-1.78 s (4 processes each, interleaved).
 */
const IDLE_MS = 30_000;
const parked: Worker[] = [];
/** What forgets each kept thread when it ends or fails while kept (taken off when it is taken again). */
const forgetting = new WeakMap<Worker, () => void>();
let idleTimer: NodeJS.Timeout | undefined;
/** Threads started (not taken from `parked`), for the tests. */
let started = 0;

/** Keeps a healthy thread with nothing out for the next GIF (or ends it when enough are kept). */
function park(worker: Worker): void {
  if (parked.length >= CODER_THREADS) {
    void worker.terminate();
    return;
  }
  worker.unref();
  // A kept thread that ends (or fails) is no longer kept.
  const forget = (): void => {
    const i = parked.indexOf(worker);
    if (i >= 0) parked.splice(i, 1);
  };
  worker.once('exit', forget);
  worker.once('error', forget);
  forgetting.set(worker, forget);
  parked.push(worker);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    for (const kept of parked.splice(0)) void kept.terminate();
  }, IDLE_MS);
  idleTimer.unref();
}

/** A kept thread, told the new GIF's spec, or undefined. */
function unpark(spec: FrameCoderSpec): Worker | undefined {
  const worker = parked.pop();
  if (!worker) return undefined;
  const forget = forgetting.get(worker);
  if (forget) {
    worker.off('exit', forget);
    worker.off('error', forget);
  }
  worker.postMessage({ spec } satisfies CoderSpecMessage);
  return worker;
}

/** A new GIF for a kept thread: its coder is made again from this spec. */
export interface CoderSpecMessage {
  spec: FrameCoderSpec;
}

/**
 * GIF frames coded on worker threads (gif-coder-worker.ts, a FrameCoder each), several at once.
 * A job goes to the thread with the fewest jobs out; each thread answers in order, and the
 * writer writes the answers in its own order. The job's buffers travel (moved, not copied) and
 * come back with the answer. `start()` gives undefined where no thread can run.
 */
export class CoderPool {
  private readonly coders: Coder[];
  private readonly spareOut: Uint8Array[] = [];
  private failed: Error | undefined;

  private constructor(workers: Worker[]) {
    this.coders = workers.map((worker) => {
      const waiting: Coder['waiting'] = [];
      const listeners: Coder['listeners'] = {
        message: ({ pixels, mask, out, length, own }: CoderReply) => {
          waiting.shift()?.resolve({ bytes: out.subarray(0, length), pixels, mask, own });
          if (waiting.length === 0 && !this.failed) worker.unref();
        },
        // A thread that fails mid-run (out of memory, say) fails the GIF with an engine error.
        error: (cause: Error) => this.fail(new FlipbookError('ENGINE', `A GIF coder thread failed: ${cause.message}`, { cause })),
        exit: (code: number) => this.fail(new FlipbookError('ENGINE', `A GIF coder thread ended (exit code ${code})`)),
      };
      // Idle, a thread keeps nothing alive; while a frame is out, it keeps the process alive for the answer.
      worker.unref();
      worker.on('message', listeners.message);
      worker.on('error', listeners.error);
      worker.on('exit', listeners.exit);
      return { worker, waiting, listeners };
    });
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const { waiting } of this.coders) for (const w of waiting.splice(0)) w.reject(error);
  }

  /** Starts `threads` coder threads for a GIF of `spec`, or none (undefined). */
  static start(spec: FrameCoderSpec, threads: number): CoderPool | undefined {
    // A worker is a new V8 isolate, which reserves address space as it starts; where that can be
    // refused (ulimit -v, strict overcommit), V8 ends the whole process instead of failing the
    // call (measured: a GIF under ulimit -v 1800000 died with SIGILL). Code on one thread there.
    if (memoryLimit() || threads < 1) return undefined;
    const entry = workerEntry();
    if (!entry) return undefined;
    const workers: Worker[] = [];
    try {
      // None of the process's own flags: an --input-type or --eval would stop a file worker.
      for (let i = 0; i < threads; i++) {
        const kept = unpark(spec);
        if (kept) workers.push(kept);
        else {
          workers.push(new Worker(entry, { execArgv: [], workerData: spec }));
          started++;
        }
      }
      return new CoderPool(workers);
    } catch {
      for (const worker of workers) void worker.terminate();
      return undefined;
    }
  }

  get threads(): number {
    return this.coders.length;
  }

  /** Coder threads this process has started so far (kept ones taken again are not counted). */
  static get started(): number {
    return started;
  }

  /** Codes a job on a thread. Its buffers travel there: the caller gets them back with the answer. */
  code(job: FrameJob): Promise<CodedFrame> {
    if (this.failed) return Promise.reject(this.failed);
    const coder = this.coders.reduce((a, b) => (b.waiting.length < a.waiting.length ? b : a));
    const out = this.spareOut.pop() ?? new Uint8Array(Math.max(1 << 16, job.pixels.length >> 1));
    return new Promise((resolve, reject) => {
      if (coder.waiting.length === 0) coder.worker.ref();
      coder.waiting.push({ resolve, reject });
      coder.worker.postMessage({ job, out } satisfies CoderRequest, [job.pixels.buffer as ArrayBuffer, job.mask.buffer as ArrayBuffer, out.buffer as ArrayBuffer]);
    });
  }

  /** Gives back the buffer of a coded frame's bytes, once they are written. */
  release(bytes: Uint8Array): void {
    this.spareOut.push(new Uint8Array(bytes.buffer));
  }

  /**
   * Ends the pool. Threads with nothing out and no failure are kept for the next GIF (see
   * `parked`); otherwise they are ended, and frames still out are rejected.
   */
  async close(): Promise<void> {
    if (!this.failed && this.coders.every(({ waiting }) => waiting.length === 0)) {
      this.failed = new FlipbookError('ENGINE', 'The GIF coder threads were closed');
      for (const { worker, listeners } of this.coders) {
        worker.off('message', listeners.message);
        worker.off('error', listeners.error);
        worker.off('exit', listeners.exit);
        park(worker);
      }
      return;
    }
    this.fail(new FlipbookError('ENGINE', 'The GIF coder threads were closed'));
    // Held until they have ended: an unreferenced worker would let the process end first.
    await Promise.all(
      this.coders.map(({ worker }) => {
        worker.ref();
        return worker.terminate();
      }),
    );
  }
}
