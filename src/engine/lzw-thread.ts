import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { FlipbookError } from '../errors.js';
import { memoryLimit } from '../util/memory-limit.js';

/** A frame for the thread: its indices (the first `length`), code size, lossy's swap lists, and a buffer for the codes. */
export interface LzwRequest {
  indices: Uint8Array;
  length: number;
  minCode: number;
  swaps: Uint8Array | undefined;
  out: Uint8Array;
}

/** The thread's answer: the two buffers back, the codes in the first `length` bytes of `out`. */
export interface LzwReply {
  indices: Uint8Array;
  out: Uint8Array;
  length: number;
}

/**
 * Frames (the rectangle a frame draws) of at least this many pixels have their LZW done on a
 * thread; smaller ones are coded inline, where they cost about what their message would.
 */
export const LZW_THREAD_PIXELS = 64 * 1024;

/**
 * The thread starts once a GIF's frames have taken this long to code inline (and, when the
 * number of frames is known, those left would take as long again). Measured against coding
 * inline throughout, interleaved runs: 600 frames of 640x360 (2 ms a frame) 7.45 s -> 6.93 s;
 * 48 frames with film grain and `lossy` 10 (8 ms a frame) 2.02 s -> 1.885 s. Started at the
 * second frame instead, 48 frames of a sprite over transparency (2.3 ms a frame, 112 ms in all)
 * took 5% longer: the thread's start and upkeep cost more there than it took off this thread.
 */
export const LZW_THREAD_AFTER_MS = 100;

/**
 * The thread's entry: the built file beside this one or, from a bundle, in ../engine. From the
 * TypeScript source (under tsx) there is none: Node 20 does not run a worker's `--import tsx`,
 * so the writer codes inline there.
 */
function workerEntry(): string | undefined {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return undefined;
  for (const candidate of ['./lzw-worker.js', '../engine/lzw-worker.js']) {
    const path = fileURLToPath(new URL(candidate, here));
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * GIF's LZW on a worker thread, so that a frame's coding runs on the other core while the
 * writer maps the next frame. Frames are coded in the order they are sent. The buffers travel
 * (moved, not copied) and come back with the answer, so that no frame costs new memory.
 * `start()` gives undefined where no thread can run (the writer then codes inline).
 */
export class LzwThread {
  private readonly worker: Worker;
  private readonly waiting: { resolve: (data: Uint8Array) => void; reject: (error: Error) => void }[] = [];
  /** Buffers back from the thread, for the next frames. */
  private readonly spareIndices: Uint8Array[] = [];
  private readonly spareOut: Uint8Array[] = [];
  private failed: Error | undefined;

  private constructor(worker: Worker) {
    this.worker = worker;
    // Idle, it keeps nothing alive; while a frame is out, it keeps the process alive for the answer.
    worker.unref();
    worker.on('message', ({ indices, out, length }: LzwReply) => {
      this.spareIndices.push(indices);
      this.spareOut.push(out);
      // A view of the codes: valid until the caller's next encode() (which may send that buffer again).
      this.waiting.shift()?.resolve(out.subarray(0, length));
      if (this.waiting.length === 0 && !this.failed) worker.unref();
    });
    const fail = (error: Error): void => {
      this.failed ??= error;
      for (const w of this.waiting.splice(0)) w.reject(error);
    };
    // A thread that fails mid-run (out of memory, say) fails the GIF with an engine error.
    worker.on('error', (cause) => fail(new FlipbookError('ENGINE', `The GIF writer's LZW thread failed: ${cause.message}`, { cause })));
    worker.on('exit', (code) => fail(new FlipbookError('ENGINE', `The GIF writer's LZW thread ended (exit code ${code})`)));
  }

  static start(): LzwThread | undefined {
    // A worker is a new V8 isolate, which reserves address space as it starts; where that can be
    // refused (ulimit -v, strict overcommit), V8 ends the whole process instead of failing the
    // call (measured: a GIF under ulimit -v 1800000 died with SIGILL). Code inline there.
    if (memoryLimit()) return undefined;
    const entry = workerEntry();
    if (!entry) return undefined;
    try {
      // None of the process's own flags: an --input-type or --eval would stop a file worker.
      return new LzwThread(new Worker(entry, { execArgv: [] }));
    } catch {
      return undefined;
    }
  }

  /**
   * The LZW code stream of `indices` (copied now: the caller may reuse them at once). The bytes
   * answered are valid until the next call after the answer has been used.
   */
  encode(indices: Uint8Array, minCode: number, swaps: Uint8Array | undefined): Promise<Uint8Array> {
    if (this.failed) return Promise.reject(this.failed);
    let copy = this.spareIndices.pop();
    if (!copy || copy.length < indices.length) copy = new Uint8Array(indices.length);
    copy.set(indices);
    const out = this.spareOut.pop() ?? new Uint8Array(indices.length + 1024);
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.worker.ref();
      this.waiting.push({ resolve, reject });
      this.worker.postMessage({ indices: copy, length: indices.length, minCode, swaps, out } satisfies LzwRequest, [copy.buffer as ArrayBuffer, out.buffer as ArrayBuffer]);
    });
  }

  /** Ends the thread; frames still out are rejected. */
  async close(): Promise<void> {
    this.failed ??= new FlipbookError('ENGINE', "The GIF writer's LZW thread was closed");
    // Held until it has ended: an unreferenced worker would let the process end first.
    this.worker.ref();
    await this.worker.terminate();
  }
}
