/**
 * The LZW thread's entry (see lzw-thread.ts): codes each frame's indices it is sent, in the
 * order they come, into the output buffer that came with them, and sends both buffers back
 * (moved, not copied) for the next frame. Imports nothing but lzw.ts.
 */
import { parentPort } from 'node:worker_threads';

import { LzwEncoder } from './lzw.js';
import type { LzwReply, LzwRequest } from './lzw-thread.js';

const port = parentPort;
if (!port) throw new Error('lzw-worker.js runs as a worker thread');
const encoder = new LzwEncoder();
port.on('message', ({ indices, length, minCode, swaps, out }: LzwRequest) => {
  const data = encoder.encode(indices.subarray(0, length), minCode, swaps);
  // Into the buffer that came with the frame (a larger one when it is too small).
  const into = out.length >= data.length ? out : new Uint8Array(Math.max(data.length, out.length * 2));
  into.set(data);
  port.postMessage({ indices, out: into, length: data.length } satisfies LzwReply, [indices.buffer as ArrayBuffer, into.buffer as ArrayBuffer]);
});
