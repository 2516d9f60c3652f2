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
  const { tasks, files, signal } = run;
  const entry = workerEntry();
  const results: SegmentDone[] = new Array(tasks.length);
  const children = new Set<ChildProcess>();
  let next = 0;
  let failed = false;
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  let remaining = tasks.length;

  const fail = (error: unknown): void => {
    if (failed) return;
    failed = true;
    for (const child of children) child.kill('SIGTERM');
    settle.reject(error);
  };
  const onAbort = (): void => fail(new FlipbookError('ABORTED', 'The run was cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });

  const start = (): void => {
    const child = fork(entry.path, [], { execArgv: entry.execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    children.add(child);
    let current: SegmentTask | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const give = (): void => {
      const task = tasks[next];
      if (task === undefined || failed) {
        current = undefined;
        child.disconnect();
        return;
      }
      current = task;
      child.send({ type: 'task', task, file: files[next]! } satisfies ToWorker);
      next++;
    };
    child.on('message', (message: FromWorker) => {
      if (message.type === 'frames') run.onFrames?.(message.frames);
      else if (message.type === 'done') {
        results[message.index] = message.done;
        if (--remaining === 0) settle.resolve();
        give();
      } else if (message.type === 'error') {
        const task = tasks[message.index]!;
        fail(segmentError(task, message.error));
      }
    });
    child.on('error', (error) => fail(new FlipbookError('ENGINE', `A segment worker could not start: ${error.message}`, { cause: error })));
    child.on('exit', (code, sig) => {
      children.delete(child);
      if (current && !failed) {
        const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
        const last = stderr.trim().split('\n').slice(-3).join(' | ');
        fail(new FlipbookError('ENGINE', `The worker rendering ${segmentName(current)} ${how}${last ? `: ${last}` : ''}`, { hint: text`Run with ${opt('jobs', 1)} to see the error in one process` }));
      }
    });
    give();
  };

  try {
    const workers = Math.max(1, Math.min(run.jobs, tasks.length));
    for (let i = 0; i < workers; i++) start();
    await finished;
    return results;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Wait for every worker to be gone, so that none still writes when the caller cleans up.
    await Promise.all(
      [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            if (failed) child.kill('SIGTERM');
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
