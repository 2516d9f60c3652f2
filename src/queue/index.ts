/**
 * Segments across machines: a coordinator that puts one BullMQ job per segment on a Redis
 * queue (runOnQueue) and workers that render them into a shared work directory (startWorker).
 * bullmq and ioredis are loaded at the first call, not when flipbook is imported.
 */
export { runOnQueue, QUEUE_DEFAULTS, SegmentFailedError, type QueueRun, type QueueRunOptions } from './coordinator.js';
export { startWorker, WORKER_DEFAULTS, PROGRESS_EVERY_MS, type WorkerOptions, type WorkerEvent, type RunningWorker, type ProgressingRenderer } from './worker.js';
export { DirectoryStorage, type SegmentStorage } from './storage.js';
export { parseSegmentJob, resolveTaskPaths, settingsHash, segmentName, type SegmentJobData, type ReadPolicy } from './job.js';
export { parseQueueUrl, type QueueAddress } from './url.js';
export { Connections, CONNECT_TIMEOUT_MS } from './connection.js';
