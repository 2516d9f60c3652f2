import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';

import type { Job, Queue, QueueEvents } from 'bullmq';

import { FlipbookError, type ErrorCode, type Text, invalidOption, opt, text } from '../errors.js';
import type { Progress } from '../options/output-options.js';
import type { SegmentDone, SegmentTask } from '../segments/task.js';
import { throwIfAborted } from '../util/abort.js';
import { dynamicImport } from '../util/dynamic-import.js';
import { Connections } from './connection.js';
import { JOB_NAME, JOB_SHAPE, QUEUE_NAME, QUEUE_PREFIX, type SegmentJobData, relativeToWorkDir, runPrefix, segmentJobId, segmentName, settingsHash } from './job.js';
import { DirectoryStorage, type SegmentStorage } from './storage.js';
import { type LoggedError, WORKER_DEFAULTS, cancelKeyFor } from './worker.js';

/** Retries of a failing segment: `attempts` tries in all, waiting `backoff` ms, then twice that, ... between them. */
export const QUEUE_DEFAULTS = { attempts: 3, backoff: 1000, pollMs: 1000, workerWait: 300_000 } as const;

export interface QueueRunOptions {
  /** The Redis server: `redis://host:6379`. */
  queue: string;
  /** The work directory every worker mounts: the segments are written there. */
  workDir: string;
  /** Cancels the run: its queued segments are removed, running ones stopped, and every file of it deleted. */
  signal?: AbortSignal;
  /** Frames done over all segments (a retried segment counts from 0 again). */
  onProgress?: (progress: Progress) => void;
  /** Tries of a segment in all before the run fails. Default 3. */
  attempts?: number;
  /** Milliseconds before the first retry of a segment, doubled for each next. Default 1000. */
  backoff?: number;
  /**
   * Milliseconds to wait for a worker to take the first segment; past it the run fails (QUEUE) and
   * removes its segments. 0 waits for ever. Default 300,000 (5 minutes).
   */
  workerWait?: number;
  /** The segment files' extension. Default: the output's (`.mp4`). */
  segmentExtension?: string;
  /**
   * How long a cancelled or failed run waits for segments that workers are rendering to stop
   * (they check every half second) or for a dead worker's lock to expire, before it leaves. Default
   * the workers' lock duration plus a second.
   */
  cancelWait?: number;
  storage?: SegmentStorage;
}

/** The segments of a finished run, in order. */
export interface QueueRun {
  /** The run id (16 hex digits), part of every name. */
  run: string;
  /** The hash of the settings, part of every name. */
  settings: string;
  /** A local path of each segment, in order: join these. */
  files: string[];
  /** What each segment's worker reported. */
  segments: SegmentDone[];
  /** Deletes the segment files; call it once they are joined (or the join failed). */
  remove(): Promise<void>;
}

/** A segment failed on every try: the run fails with its error. */
export class SegmentFailedError extends FlipbookError {
  /** 0-based index of the segment. */
  readonly segment: number;
  readonly attempts: number;
  constructor(code: ErrorCode, fact: Text, segment: number, attempts: number, details: ConstructorParameters<typeof FlipbookError>[2]) {
    super(code, fact, details);
    this.segment = segment;
    this.attempts = attempts;
  }
}

function checkTasks(tasks: readonly SegmentTask[]): void {
  if (!Array.isArray(tasks) || tasks.length === 0) throw invalidOption('tasks', 'a list of segment tasks', tasks);
  const first = tasks[0] as SegmentTask;
  const settings = settingsHash(first);
  tasks.forEach((t, i) => {
    if (t.index !== i || t.segments !== tasks.length) throw invalidOption('tasks', `segment ${i} of ${tasks.length} at position ${i}`, t.index);
    if (settingsHash(t) !== settings) throw invalidOption('tasks', 'segments of one output with the same options', `segment ${i}`);
  });
}

/**
 * Renders `tasks` (the segments of one output, in order) on a queue: one BullMQ job per
 * segment, taken by `flipbook worker`s anywhere, each writing its segment into the work
 * directory. Follows their progress, waits for all, and returns the segment files in order.
 * A segment that fails `attempts` times fails the run (SegmentFailedError, with its index);
 * the signal cancels it. Either way the run's jobs and files are removed before it throws.
 */
export async function runOnQueue(tasks: SegmentTask[], options: QueueRunOptions): Promise<QueueRun> {
  checkTasks(tasks);
  throwIfAborted(options.signal);
  const attempts = options.attempts ?? QUEUE_DEFAULTS.attempts;
  if (!Number.isInteger(attempts) || attempts < 1) throw invalidOption('attempts', 'a whole number of tries, 1 or more', attempts);
  const backoff = options.backoff ?? QUEUE_DEFAULTS.backoff;
  if (!Number.isInteger(backoff) || backoff < 0) throw invalidOption('backoff', 'milliseconds, 0 or more', backoff);
  if (typeof options.workDir !== 'string' || options.workDir === '') throw invalidOption('workDir', 'a directory every worker mounts', options.workDir);
  const workDir = resolve(options.workDir);
  if (!(await stat(workDir).catch(() => undefined))?.isDirectory()) {
    throw new FlipbookError('INVALID_OPTION', `The work directory ${workDir} does not exist or is not a directory`, { option: 'workDir', file: workDir, hint: 'Create it on storage every worker mounts' });
  }
  const first = tasks[0] as SegmentTask;
  const ext = (options.segmentExtension ?? extname(first.output)).toLowerCase();
  if (!/^\.[a-z0-9]{1,8}$/.test(ext)) throw invalidOption('segmentExtension', 'an extension such as .mp4', ext);
  const storage = options.storage ?? new DirectoryStorage(workDir);
  const cancelWait = options.cancelWait ?? WORKER_DEFAULTS.lockDuration + 1000;
  const workerWait = options.workerWait ?? QUEUE_DEFAULTS.workerWait;
  if (!Number.isFinite(workerWait) || workerWait < 0) throw invalidOption('workerWait', 'milliseconds, 0 (for ever) or more', workerWait);

  const connections = await Connections.connect(options.queue, 'queue');
  const bullmq = (await dynamicImport('bullmq')) as typeof import('bullmq');
  const run = randomBytes(8).toString('hex');
  const settings = settingsHash(first);
  const ids = tasks.map((t) => segmentJobId(run, settings, t.index));
  const indexOf = new Map(ids.map((id, i) => [id, i]));
  const keys = connections.client();
  const queue: Queue = new bullmq.Queue(QUEUE_NAME, { connection: connections.client(), prefix: QUEUE_PREFIX });
  const events: QueueEvents = new bullmq.QueueEvents(QUEUE_NAME, { connection: connections.client(), prefix: QUEUE_PREFIX });
  queue.on('error', () => {});
  events.on('error', () => {});

  const total = tasks.reduce((sum, t) => sum + t.count, 0);
  const frames = tasks.map(() => 0);
  const done: (SegmentDone & { name: string })[] = [];
  const started = performance.now();
  const report = () => {
    if (!options.onProgress) return;
    const frame = frames.reduce((a, b) => a + b, 0);
    const elapsed = (performance.now() - started) / 1000;
    const fps = elapsed > 0 ? frame / elapsed : 0;
    options.onProgress({ frame, total, fps, eta: fps > 0 && frame >= 2 ? (total - frame) / fps : undefined, elapsed });
  };

  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  finished.catch(() => {});
  let remaining = tasks.length;
  const complete = (index: number, value: unknown) => {
    if (done[index]) return;
    const result = value as { frames?: unknown; bytes?: unknown; name?: unknown } | undefined;
    const name = segmentName(run, settings, index, ext);
    if (!result || typeof result.frames !== 'number' || typeof result.bytes !== 'number' || result.name !== name) {
      settle?.reject(new FlipbookError('QUEUE', `Segment ${index + 1} of ${tasks.length} came back from its worker without a result: ${JSON.stringify(value)?.slice(0, 200)}`));
      return;
    }
    done[index] = { frames: result.frames, bytes: result.bytes, name };
    frames[index] = (tasks[index] as SegmentTask).count;
    report();
    if (--remaining === 0) settle?.resolve();
  };
  const fail = async (index: number, job: Job | undefined, reason: string) => {
    settle?.reject(await segmentError(queue, index, tasks, job, reason, attempts));
  };
  /** The job's state, read when an event may have been missed (and as a check on each event). */
  const check = async (index: number): Promise<void> => {
    // The state first, then the job: a job read before its state could miss a result written between the two reads.
    const state = await queue.getJobState(ids[index] as string);
    const job = await queue.getJob(ids[index] as string);
    if (!job || state === 'unknown') return void settle?.reject(new FlipbookError('QUEUE', `Segment ${index + 1} of ${tasks.length} was removed from the queue by someone else`));
    if (state !== 'waiting' && state !== 'prioritized') takenNow();
    if (state === 'completed') complete(index, job.returnvalue);
    else if (state === 'failed') await fail(index, job, job.failedReason);
  };

  events.on('progress', ({ jobId, data }) => {
    const index = indexOf.get(jobId);
    const n = (data as { frames?: unknown } | undefined)?.frames;
    if (index === undefined || done[index] || typeof n !== 'number') return;
    frames[index] = Math.min(n, (tasks[index] as SegmentTask).count);
    report();
  });
  // Until a worker takes a segment, nothing says whether any worker watches this queue.
  let taken = false;
  let idle: NodeJS.Timeout | undefined;
  const takenNow = () => {
    taken = true;
    clearTimeout(idle);
  };
  events.on('active', ({ jobId }) => {
    const index = indexOf.get(jobId);
    if (index !== undefined) takenNow();
    // A new try of a segment starts from its first frame.
    if (index !== undefined && !done[index] && frames[index] !== 0) {
      frames[index] = 0;
      report();
    }
  });
  events.on('completed', ({ jobId }) => {
    const index = indexOf.get(jobId);
    if (index !== undefined) void check(index).catch((e: unknown) => settle?.reject(e));
  });
  events.on('failed', ({ jobId }) => {
    const index = indexOf.get(jobId);
    // A failed try that will be retried goes back to delayed/waiting; check() acts on the last one only.
    if (index !== undefined) void check(index).catch((e: unknown) => settle?.reject(e));
  });
  const onAbort = () => {
    try {
      throwIfAborted(options.signal);
    } catch (error) {
      settle?.reject(error);
    }
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // Events are a stream, but a reconnect can lose some: every pollMs the unfinished segments are read once.
  const poll = setInterval(() => {
    tasks.forEach((_, i) => {
      if (!done[i]) void check(i).catch(() => {});
    });
  }, QUEUE_DEFAULTS.pollMs);

  const cleanUp = async () => {
    await keys.set(cancelKeyFor(run), '1', 'EX', 24 * 3600).catch(() => {});
    await removeJobs(queue, ids, cancelWait);
    await removeFiles(storage, runPrefix(run));
  };
  try {
    await events.waitUntilReady();
    throwIfAborted(options.signal);
    await queue.addBulk(
      tasks.map((task) => {
        const data: SegmentJobData = { flipbook: JOB_SHAPE, run, settings, ext, task: relativeToWorkDir(task, workDir) };
        return {
          name: JOB_NAME,
          data,
          opts: { jobId: segmentJobId(run, settings, task.index), attempts, backoff: { type: 'exponential', delay: backoff }, removeOnComplete: false, removeOnFail: false },
        };
      }),
    );
    report();
    if (workerWait > 0 && !taken) {
      idle = setTimeout(() => {
        if (taken) return;
        const wait = workerWait % 1000 === 0 ? `${workerWait / 1000} s` : `${workerWait} ms`;
        settle?.reject(
          new FlipbookError('QUEUE', `No worker took a segment of this run within ${wait}: none is watching queue ${QUEUE_NAME} on ${options.queue.replace(/\/\/[^@/]*@/, '//')}`, {
            option: 'queueWait',
            hint: text`Start a flipbook worker with the same Redis server and work directory (${workDir}), or give ${opt('queueWait')} more time (0: wait for ever)`,
          }),
        );
      }, workerWait);
    }
    await finished;
    // A segment counts only once its file is there, whole (workers rename it into place).
    const files: string[] = [];
    for (const [index, segment] of done.entries()) {
      if (!(await storage.exists(segment.name))) throw new FlipbookError('QUEUE', `Segment ${index + 1} of ${tasks.length} is done but its file ${segment.name} is not in the work directory ${workDir}`, { hint: 'Every worker must write to the same shared directory as this machine reads' });
      files.push(await storage.readPath(segment.name));
    }
    // Jobs done; a dead worker's temporary file of this run may remain: removed with the jobs.
    await removeJobs(queue, ids, 0);
    const names = new Set(done.map((d) => d.name));
    await Promise.all((await storage.list(runPrefix(run))).filter((n) => !names.has(n)).map((n) => storage.remove(n)));
    return {
      run,
      settings,
      files,
      segments: done.map(({ frames, bytes }) => ({ frames, bytes })),
      remove: () => removeFiles(storage, runPrefix(run)),
    };
  } catch (error) {
    await cleanUp();
    throw error;
  } finally {
    clearInterval(poll);
    clearTimeout(idle);
    options.signal?.removeEventListener('abort', onAbort);
    await events.close().catch(() => {});
    await queue.close().catch(() => {});
    await connections.close();
  }
}

/** Removes the jobs; one a worker is rendering (locked) is tried again until `waitMs` has passed. */
async function removeJobs(queue: Queue, ids: readonly string[], waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  let left = [...ids];
  while (true) {
    const stuck: string[] = [];
    for (const id of left) {
      // remove() refuses a job whose lock a worker holds.
      const removed = await queue.remove(id).catch(() => 0);
      if (removed !== 1 && (await queue.getJob(id))) stuck.push(id);
    }
    left = stuck;
    if (left.length === 0 || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function removeFiles(storage: SegmentStorage, prefix: string): Promise<void> {
  await Promise.all((await storage.list(prefix)).map((name) => storage.remove(name)));
}

async function segmentError(queue: Queue, index: number, tasks: readonly SegmentTask[], job: Job | undefined, reason: string, attempts: number): Promise<SegmentFailedError> {
  const task = tasks[index] as SegmentTask;
  const tries = job?.attemptsMade ?? attempts;
  let logged: LoggedError['flipbookError'] | undefined;
  if (job?.id) {
    const { logs } = await queue.getJobLogs(job.id, -1, -1).catch(() => ({ logs: [] as string[] }));
    try {
      logged = (JSON.parse(logs.at(-1) ?? 'null') as LoggedError | null)?.flipbookError;
    } catch {
      logged = undefined;
    }
  }
  const where = `Segment ${index + 1} of ${tasks.length} (frames ${task.first}-${task.first + task.count - 1}) failed ${tries === 1 ? 'on its only try' : `on all ${tries} tries`} on the queue: `;
  const fact: Text = logged && (typeof logged.fact === 'string' || Array.isArray(logged.fact)) ? [where, ...(typeof logged.fact === 'string' ? [logged.fact] : (logged.fact as Exclude<Text, string>))] : `${where}${reason}`;
  const hint = logged && (typeof logged.hint === 'string' || Array.isArray(logged.hint)) ? (logged.hint as Text) : undefined;
  const code = (logged?.code ?? 'QUEUE') as ErrorCode;
  return new SegmentFailedError(code, fact, index, tries, {
    ...(hint ? { hint } : {}),
    ...(logged?.file ? { file: logged.file } : {}),
    ...(logged?.option ? { option: logged.option } : {}),
    cause: new Error(reason),
  });
}

