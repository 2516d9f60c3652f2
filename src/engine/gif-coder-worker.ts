/**
 * A GIF coder thread's entry (see gif-coder-pool.ts): codes each frame job it is sent, in the
 * order they come, with a FrameCoder built from the GIF's spec (workerData, or the spec of the
 * next GIF when the thread is kept), into the output buffer that came with the job, and sends
 * the job's buffers back (moved, not copied).
 */
import { parentPort, workerData } from 'node:worker_threads';

import type { CoderReply, CoderRequest, CoderSpecMessage } from './gif-coder-pool.js';
import { FrameCoder, type FrameCoderSpec } from './gif-frame-coder.js';

const port = parentPort;
if (!port) throw new Error('gif-coder-worker.js runs as a worker thread');
let coder = new FrameCoder(workerData as FrameCoderSpec);
port.on('message', (message: CoderRequest | CoderSpecMessage) => {
  // A kept thread's next GIF (see gif-coder-pool.ts, `parked`).
  if ('spec' in message) {
    coder = new FrameCoder(message.spec);
    return;
  }
  const { job, out } = message;
  const bytes = coder.code(job);
  // Into the buffer that came with the job (a larger one when it is too small).
  const into = out.length >= bytes.length ? out : new Uint8Array(Math.max(bytes.length, out.length * 2));
  into.set(bytes);
  const { pixels, mask } = job;
  port.postMessage({ pixels, mask, out: into, length: bytes.length, own: coder.own } satisfies CoderReply, [pixels.buffer as ArrayBuffer, mask.buffer as ArrayBuffer, into.buffer as ArrayBuffer]);
});
