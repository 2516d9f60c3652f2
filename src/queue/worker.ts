import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import type { Job, Worker } from 'bullmq';

import { FlipbookError, invalidOption, isFlipbookError } from '../errors.js';
import type { SegmentDone, SegmentTask } from '../segments/task.js';
import { dynamicImport } from '../util/dynamic-import.js';
import { Connections } from './connection.js';
import { JOB_NAME, QUEUE_NAME, QUEUE_PREFIX, type SegmentJobData, parseSegmentJob, resolveTaskPaths, segmentJobId, segmentName } from './job.js';
import { DirectoryStorage, type SegmentStorage } from './storage.js';

/**
 * A SegmentRenderer that may also report frames done (`onFrames(n)`, n frames of the segment
 * so far); the worker forwards them, at most every PROGRESS_EVERY_MS, as the job's progress.
 * Every SegmentRenderer is one (it ignores the fourth argument).
 */
export type ProgressingRenderer = (task: SegmentTask, file: string, signal?: AbortSignal, onFrames?: (framesDone: number) => void) => Promise<SegmentDone>;

/**
 * The stalled-job tuning. A worker holds a lock on its segment for LOCK_DURATION_MS and renews
 * it every half of that; every STALLED_INTERVAL_MS one worker looks for segments whose lock has
 * expired (their worker died) and puts them back in the queue, at most MAX_STALLED_COUNT times
 * a segment (then it fails). So a killed worker's segment starts again elsewhere within about
 * LOCK_DURATION_MS + STALLED_INTERVAL_MS (20 s by default).
 */
export const WORKER_DEFAULTS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 2, concurrency: 1 } as const;
/** The least time between two progress reports of one segment. */
export const PROGRESS_EVERY_MS = 250;
/** How often a running segment checks whether its run was cancelled. */
const CANCEL_POLL_MS = 500;

export interface WorkerOptions {
  /** The Redis server: `redis://host:6379`. */
  queue: string;
  /** The work directory shared with the coordinators: segments are written here; relative inputs are read from here. */
  workDir: string;
  /** Renders one segment (the real renderer, or a test's). */
  render: ProgressingRenderer;
  /** Stops the worker: running segments are abandoned and put back in the queue at once. */
  signal?: AbortSignal;
  /** Further directories whose files a job may name by absolute path (the work directory is always allowed). Default none. */
  allowRead?: readonly string[];
  /** Directories an animate job's module may be in. Default none: animate jobs are refused. */
  modules?: readonly string[];
  /** Segments rendered at once. Default 1 (one encoder already keeps most cores busy). */
  concurrency?: number;
  /** See WORKER_DEFAULTS. */
  lockDuration?: number;
  stalledInterval?: number;
  maxStalledCount?: number;
  /** Where segments are stored; default a DirectoryStorage of workDir. */
  storage?: SegmentStorage;
  /** What the worker does, for a log. */
  onEvent?: (event: WorkerEvent) => void;
}

export type WorkerEvent =
  | { type: 'started'; job: string; index: number; segments: number; first: number; count: number }
  | { type: 'done'; job: string; index: number; frames: number; bytes: number; seconds: number }
  | { type: 'failed'; job: string; index: number | undefined; error: Error; refused: boolean }
  | { type: 'requeued'; job: string; index: number }
  | { type: 'error'; error: Error };

export interface RunningWorker {
  /** Stops taking segments; running ones are put back in the queue. */
  close(): Promise<void>;
  /** Resolves once the worker has stopped (close() or the signal). */
  readonly closed: Promise<void>;
}

/** The structured error a worker leaves in a failed job's log, for the coordinator. */
export interface LoggedError {
  flipbookError: { code: string; fact: unknown; hint: unknown; file: string | null; option: string | null };
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw invalidOption(option, 'a whole number above 0', value);
  return value;
}

/**
 * Starts a worker: takes segment jobs from the queue, renders each with `render` into a
 * temporary name in the work directory and renames it to the segment's name (so a segment is
 * whole or absent), while holding the job's lock. Resolves once it is connected and taking jobs.
 *
 * Security: a job must be flipbook's own shape (parseSegmentJob); its paths must lie under the
 * work directory, `allowRead` or (modules) `modules` (resolveTaskPaths); nothing in a job is
 * evaluated, and the file a segment is written to is named by the worker, not by the job.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  if (typeof options.render !== 'function') throw invalidOption('render', 'a segment renderer function', options.render);
  if (typeof options.workDir !== 'string' || options.workDir === '') throw invalidOption('workDir', 'a directory', options.workDir);
  const workDir = resolve(options.workDir);
  const info = await stat(workDir).catch(() => undefined);
  if (!info?.isDirectory()) throw new FlipbookError('INVALID_OPTION', `The work directory ${workDir} does not exist or is not a directory`, { option: 'workDir', file: workDir, hint: 'Create it (a directory every worker and coordinator mounts), then start the worker again' });
  const lockDuration = positive(options.lockDuration, WORKER_DEFAULTS.lockDuration, 'lockDuration');
  const stalledInterval = positive(options.stalledInterval, WORKER_DEFAULTS.stalledInterval, 'stalledInterval');
  const maxStalledCount = positive(options.maxStalledCount, WORKER_DEFAULTS.maxStalledCount, 'maxStalledCount');
  const concurrency = positive(options.concurrency, WORKER_DEFAULTS.concurrency, 'concurrency');
  const policy = { workDir, allowRead: options.allowRead ?? [], modules: options.modules ?? [] };
  const storage = options.storage ?? new DirectoryStorage(workDir);
  const emit = options.onEvent ?? (() => {});
  const render = options.render;

  const connections = await Connections.connect(options.queue, 'queue');
  const bullmq = (await dynamicImport('bullmq')) as typeof import('bullmq');
  const keys = connections.client();
  // Aborted when the worker stops: every running render ends, and its job goes back to the queue.
  const stopping = new AbortController();

  const processor = async (job: Job, token: string | undefined, lockSignal?: AbortSignal): Promise<SegmentDone & { name: string }> => {
    let data: SegmentJobData;
    let task: SegmentTask;
    try {
      data = parseSegmentJob(job.data);
      if (job.name !== JOB_NAME || job.id !== segmentJobId(data.run, data.settings, data.task.index)) throw new FlipbookError('QUEUE', 'Refused a queue job: its name or id is not the one flipbook gives it');
      task = await resolveTaskPaths(data.task, policy);
    } catch (error) {
      const index = typeof job.data?.task?.index === 'number' ? (job.data.task.index as number) : undefined;
      emit({ type: 'failed', job: String(job.id), index, error: error as Error, refused: true });
      await logError(job, error);
      // A refused job is refused by every worker: no retry.
      throw new bullmq.UnrecoverableError(error instanceof Error ? error.message : String(error));
    }
    const cancelKey = cancelKeyFor(data.run);
    if ((await keys.exists(cancelKey)) === 1) throw new bullmq.UnrecoverableError('The run was cancelled');

    const controller = new AbortController();
    const abort = (reason: unknown) => controller.abort(reason);
    const onStop = () => abort(new Error('The worker is stopping'));
    stopping.signal.addEventListener('abort', onStop);
    lockSignal?.addEventListener('abort', () => abort(new Error('The job lock was lost')));
    const poll = setInterval(() => {
      keys.exists(cancelKey).then((n) => n === 1 && abort(new Error('The run was cancelled')), () => {});
    }, CANCEL_POLL_MS);
    let lastReport = 0;
    let pending: NodeJS.Timeout | undefined;
    let framesDone = 0;
    const report = () => {
      pending = undefined;
      lastReport = Date.now();
      job.updateProgress({ frames: framesDone }).catch(() => {});
    };
    const onFrames = (n: number) => {
      framesDone = n;
      if (pending) return;
      const wait = PROGRESS_EVERY_MS - (Date.now() - lastReport);
      if (wait <= 0) report();
      else pending = setTimeout(report, wait);
    };

    const started = performance.now();
    emit({ type: 'started', job: String(job.id), index: task.index, segments: task.segments, first: task.first, count: task.count });
    const name = segmentName(data.run, data.settings, task.index, data.ext);
    const lockKey = `${worker.toKey(String(job.id))}:lock`;
    try {
      const { stored, value } = await storage.put(
        name,
        (file) => render(task, file, controller.signal, onFrames),
        // Renamed into place only while this worker still holds the segment and the run goes on.
        async () => !controller.signal.aborted && token !== undefined && (await keys.get(lockKey)) === token && (await keys.exists(cancelKey)) === 0,
      );
      if (!stored) throw controller.signal.reason ?? new Error('The job lock was lost before the segment was stored');
      if (pending) clearTimeout(pending);
      framesDone = value.frames;
      await job.updateProgress({ frames: value.frames });
      emit({ type: 'done', job: String(job.id), index: task.index, frames: value.frames, bytes: value.bytes, seconds: (performance.now() - started) / 1000 });
      return { frames: value.frames, bytes: value.bytes, name };
    } catch (error) {
      if (stopping.signal.aborted && token !== undefined) {
        // The worker stops: the segment goes back to the queue now, without counting an attempt.
        await job.moveToWait(token).catch(() => {});
        emit({ type: 'requeued', job: String(job.id), index: task.index });
        throw new bullmq.WaitingError();
      }
      emit({ type: 'failed', job: String(job.id), index: task.index, error: error as Error, refused: false });
      await logError(job, error);
      if (await keys.exists(cancelKey)) throw new bullmq.UnrecoverableError('The run was cancelled');
      throw error;
    } finally {
      clearInterval(poll);
      if (pending) clearTimeout(pending);
      stopping.signal.removeEventListener('abort', onStop);
    }
  };

  const worker: Worker = new bullmq.Worker(QUEUE_NAME, processor, {
    connection: connections.client(),
    prefix: QUEUE_PREFIX,
    concurrency,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  worker.on('error', (error) => emit({ type: 'error', error }));
  void worker.run().catch((error: Error) => emit({ type: 'error', error }));
  await worker.waitUntilReady();

  let markClosed: () => void = () => {};
  const closed = new Promise<void>((r) => (markClosed = r));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopping.abort();
      await worker.close();
      await connections.close();
      markClosed();
    })());
  if (options.signal?.aborted) await close();
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  return { close, closed };
}

/** The Redis key that marks a run cancelled (set by its coordinator on abort or failure). */
export function cancelKeyFor(run: string): string {
  return `${QUEUE_PREFIX}:runs:${run}:cancelled`;
}

async function logError(job: Job, error: unknown): Promise<void> {
  const logged: LoggedError = isFlipbookError(error)
    ? { flipbookError: { code: error.code, fact: error.factText, hint: error.hintText ?? null, file: error.file ?? null, option: error.option ?? null } }
    : { flipbookError: { code: 'ENGINE', fact: error instanceof Error ? error.message : String(error), hint: null, file: null, option: null } };
  await job.log(JSON.stringify(logged)).catch(() => {});
}
