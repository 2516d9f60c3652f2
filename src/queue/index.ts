/**
 * Segments across machines: a coordinator that puts one BullMQ job per segment on a Redis
 * queue (runOnQueue) and workers that render them into a shared work directory (startWorker).
 * bullmq and ioredis are loaded at the first call, not when flipbook is imported.
 *
 * Wiring (once the segment renderer and the join are in):
 * - runStitch / animate, when `resolved.queue` is set: cut the plan into SegmentTask[] (options
 *   as JSON, without audio, queue, workDir and callbacks), then
 *   `const run = await runOnQueue(tasks, { queue: resolved.queue.address.url, workDir: resolved.queue.workDir, signal, onProgress, segmentExtension })`,
 *   join `run.files` (in order) into the output, mux the music, and `await run.remove()` in a finally.
 * - src/cli/commands/worker.ts, loadRenderer(): return the real renderSegment (a dynamic import).
 * - test/queue.test.ts, the test marked WIRING: expect a real segment from `flipbook worker`.
 */
export { runOnQueue, QUEUE_DEFAULTS, SegmentFailedError, type QueueRun, type QueueRunOptions } from './coordinator.js';
export { startWorker, WORKER_DEFAULTS, PROGRESS_EVERY_MS, type WorkerOptions, type WorkerEvent, type RunningWorker, type ProgressingRenderer } from './worker.js';
export { DirectoryStorage, type SegmentStorage } from './storage.js';
export { parseSegmentJob, resolveTaskPaths, settingsHash, segmentName, type SegmentJobData, type ReadPolicy } from './job.js';
export { parseQueueUrl, type QueueAddress } from './url.js';
export { Connections, CONNECT_TIMEOUT_MS } from './connection.js';
