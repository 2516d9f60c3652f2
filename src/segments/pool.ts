import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { type ErrorCode, FlipbookError, type Text, opt, text } from '../errors.js';
import type { SegmentDone, SegmentTask } from './task.js';

/** What the parent tells a worker process. */
export type ToWorker = { type: 'task'; task: SegmentTask; file: string } | { type: 'abort' };

/** What a worker process tells its parent. */
export type FromWorker =
  | { type: 'frames'; index: number; frames: number }
  | { type: 'done'; index: number; done: SegmentDone }
  | {
      type: 'error';
      index: number;
      error:
        | { flipbook: true; code: ErrorCode; fact: Text; hint: Text | undefined; option: string | undefined; file: string | undefined; position: number | undefined; message: string }
        | { flipbook: false; message: string; stack: string | undefined };
    };

export interface PoolRun {
  tasks: readonly SegmentTask[];
  /** Where each task's segment is written (index by index). */
  files: readonly string[];
  /** Worker processes at most. */
  jobs: number;
  signal?: AbortSignal | undefined;
  /** Frames encoded, as the workers report them. */
  onFrames?: (frames: number) => void;
}

/** The worker's entry: the TypeScript source under tsx, the built file beside this one (or, from the CLI's bundle, in dist/segments). */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = import.meta.url;
  const candidates = here.endsWith('.ts') ? ['./worker.ts'] : ['./worker.js', '../segments/worker.js'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, here));
    if (!existsSync(path)) continue;
    const execArgv = [...process.execArgv.filter((a) => !a.startsWith('--test'))];
    if (path.endsWith('.ts') && !execArgv.some((a) => a.includes('tsx'))) execArgv.push('--import', 'tsx');
    return { path, execArgv };
  }
  throw new FlipbookError('ENGINE', `The segment worker (${candidates.join(' or ')} beside ${fileURLToPath(here)}) is missing from this installation`);
}

/** Workers started ahead of their pool (startWorkers), waiting for the first pool to take them. */
const spares: ChildProcess[] = [];

/** How long a spare worker waits for a pool before it is ended (a plan that failed or chose one piece). */
const SPARE_SECONDS = 20;

/**
 * Starts `count` worker processes now, for a pool that this process creates soon: a worker's
 * start (Node, node-av, flipbook: about 0.25 s) then overlaps the plan's header pass instead of
 * following it. Until a pool takes them they keep nothing alive, and those no pool takes within
 * SPARE_SECONDS end.
 */
export function startWorkers(count: number): void {
  const entry = workerEntry();
  while (spares.length < count) {
    const child = forkWorker(entry);
    child.unref();
    child.channel?.unref();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    const drop = (): void => {
      const at = spares.indexOf(child);
      if (at >= 0) spares.splice(at, 1);
    };
    child.once('exit', drop);
    // A worker that could not start is dropped; the pool then starts its own (and reports it).
    child.on('error', drop);
    spares.push(child);
  }
  setTimeout(() => {
    for (const child of spares.splice(0)) if (child.connected) child.disconnect();
  }, SPARE_SECONDS * 1000).unref();
}

/** A spare worker (startWorkers), held by the caller from now on; undefined when none is left. */
function takeSpare(): ChildProcess | undefined {
  let child = spares.shift();
  while (child && (child.exitCode !== null || child.signalCode !== null || !child.connected)) child = spares.shift();
  if (!child) return undefined;
  child.ref();
  child.channel?.ref();
  (child.stderr as { ref?: () => void } | null)?.ref?.();
  return child;
}

function forkWorker(entry: { path: string; execArgv: string[] }): ChildProcess {
  return fork(entry.path, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
}

/** "segment 2 of 4 (frames 30 to 59)" */
export function segmentName(task: SegmentTask): string {
  return `segment ${task.index + 1} of ${task.segments} (frames ${task.first} to ${task.first + task.count - 1})`;
}

/**
 * Renders the segments on up to `jobs` worker processes, each with an engine of its own and
 * one segment at a time, handing out the next segment as one finishes. The first failure
 * (a segment's error, a worker that dies) stops every worker and rejects with an error that
 * names the segment; the caller removes the files.
 */
export async function runPool(run: PoolRun): Promise<SegmentDone[]> {
  const pool = new WorkerPool(run.jobs);
  try {
    return await pool.run(run);
  } finally {
    await pool.close();
  }
}

/**
 * Worker processes kept between runs (a GIF's two rounds: count, then map), so that each
 * starts once (Node, node-av and flipbook: some 0.4 s of CPU). A run as runPool's; after a
 * failed run the pool has no workers left and starts new ones. close() ends them.
 */
export class WorkerPool {
  private readonly jobs: number;
  private readonly entry = workerEntry();
  /** Workers waiting for the next run. */
  private readonly idle: ChildProcess[] = [];
  /** Every live worker, and the last lines of its standard error. */
  private readonly live = new Map<ChildProcess, { stderr: string }>();

  constructor(jobs: number) {
    this.jobs = jobs;
  }

  private fork(): ChildProcess {
    const child = takeSpare() ?? forkWorker(this.entry);
    const state = { stderr: '' };
    this.live.set(child, state);
    child.stderr?.on('data', (chunk: Buffer) => {
      state.stderr = (state.stderr + chunk.toString()).slice(-2000);
    });
    child.on('exit', () => {
      this.live.delete(child);
      const at = this.idle.indexOf(child);
      if (at >= 0) this.idle.splice(at, 1);
    });
    return child;
  }

  async run(run: PoolRun): Promise<SegmentDone[]> {
    const { tasks, files, signal } = run;
    const results: SegmentDone[] = new Array(tasks.length);
    const busy = new Set<ChildProcess>();
    const detach: (() => void)[] = [];
    let next = 0;
    let failed = false;
    let settle!: { resolve: () => void; reject: (error: unknown) => void };
    const finished = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    let remaining = tasks.length;
    if (remaining === 0) return results;

    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      for (const child of this.live.keys()) child.kill('SIGTERM');
      settle.reject(error);
    };
    const onAbort = (): void => fail(new FlipbookError('ABORTED', 'The run was cancelled'));
    signal?.addEventListener('abort', onAbort, { once: true });

    const use = (child: ChildProcess): void => {
      busy.add(child);
      let current: SegmentTask | undefined;
      const give = (): void => {
        const task = tasks[next];
        if (task === undefined || failed) {
          current = undefined;
          busy.delete(child);
          this.idle.push(child);
          return;
        }
        current = task;
        child.send({ type: 'task', task, file: files[next]! } satisfies ToWorker);
        next++;
      };
      const onMessage = (message: FromWorker): void => {
        if (message.type === 'frames') run.onFrames?.(message.frames);
        else if (message.type === 'done') {
          results[message.index] = message.done;
          if (--remaining === 0) settle.resolve();
          give();
        } else if (message.type === 'error') {
          fail(segmentError(tasks[message.index]!, message.error));
        }
      };
      const onError = (error: Error): void => fail(new FlipbookError('ENGINE', `A segment worker could not start: ${error.message}`, { cause: error }));
      const onExit = (code: number | null, sig: NodeJS.Signals | null): void => {
        busy.delete(child);
        if (current && !failed) {
          const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
          const last = (this.live.get(child)?.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
          fail(new FlipbookError('ENGINE', `The worker rendering ${segmentName(current)} ${how}${last ? `: ${last}` : ''}`, { hint: text`Run with ${opt('jobs', 1)} to see the error in one process` }));
        }
      };
      child.on('message', onMessage);
      child.on('error', onError);
      child.on('exit', onExit);
      detach.push(() => {
        child.off('message', onMessage);
        child.off('error', onError);
        child.off('exit', onExit);
      });
      give();
    };

    try {
      const workers = Math.max(1, Math.min(this.jobs, tasks.length));
      for (let i = 0; i < workers; i++) use(this.idle.shift() ?? this.fork());
      await finished;
      return results;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (failed) await this.close();
      detach.forEach((off) => off());
    }
  }

  /** Ends every worker (they exit once disconnected) and waits for them to be gone, so that none still writes when the caller cleans up. */
  async close(): Promise<void> {
    this.idle.length = 0;
    await Promise.all(
      [...this.live.keys()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            if (child.connected) child.disconnect();
            else child.kill('SIGTERM');
          }),
      ),
    );
  }
}

function segmentError(task: SegmentTask, error: Extract<FromWorker, { type: 'error' }>['error']): FlipbookError {
  const where = `${segmentName(task)[0]!.toUpperCase()}${segmentName(task).slice(1)}: `;
  if (!error.flipbook) return new FlipbookError('ENGINE', `${where}${error.message}`, { cause: error.stack });
  const fact: Text = typeof error.fact === 'string' ? `${where}${error.fact}` : [where, ...error.fact];
  return new FlipbookError(error.code, fact, {
    ...(error.file === undefined ? {} : { file: error.file }),
    ...(error.position === undefined ? {} : { position: error.position }),
    ...(error.option === undefined ? {} : { option: error.option }),
    ...(error.hint === undefined ? {} : { hint: error.hint }),
  });
}
