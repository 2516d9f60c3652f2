/**
 * The queue as a segment executor: runSegmented hands its tasks here instead of to the local
 * pool when `queue` is given. The segments are rendered by `flipbook worker`s into the work
 * directory, then moved to the files runSegmented joins, and the run's files are removed.
 */
import { copyFile, rename } from 'node:fs/promises';

import type { PoolRun } from '../segments/pool.js';
import type { SegmentDone, SegmentTask } from '../segments/task.js';
import { runOnQueue } from './coordinator.js';
import { REFUSED_OPTIONS } from './job.js';
import type { ResolvedQueue } from './url.js';


/** The task as a worker may take it: options as plain JSON without the coordinator's own (the music is muxed by the join, here) (runOnQueue makes the inputs relative to the work directory). */
export function queueTask(task: SegmentTask): SegmentTask {
  const options = Object.fromEntries(Object.entries(task.source.options).filter(([key, value]) => !REFUSED_OPTIONS.includes(key) && value !== undefined));
  return { ...task, source: { ...task.source, options } };
}

/** Renders a PoolRun's tasks on the queue and leaves each segment at its `files` path. */
export function queueExecutor(queue: ResolvedQueue): (run: PoolRun) => Promise<SegmentDone[]> {
  return async (run) => {
    let reported = 0;
    const result = await runOnQueue(
      run.tasks.map(queueTask),
      {
        queue: queue.address.url,
        workDir: queue.workDir,
        workerWait: queue.wait * 1000,
        ...(run.signal ? { signal: run.signal } : {}),
        // The queue says frames done over all segments (a retried segment starts again from 0):
        // the pool's contract is frames newly done, so only the growth is passed on.
        onProgress: (progress) => {
          if (progress.frame > reported) run.onFrames?.(progress.frame - reported);
          reported = Math.max(reported, progress.frame);
        },
        segmentExtension: '.nut',
      },
    );
    try {
      for (const [i, stored] of result.files.entries()) {
        const file = run.files[i] as string;
        // The work directory may be another file system (a network mount): then copy.
        await rename(stored, file).catch(async (error: NodeJS.ErrnoException) => {
          if (error.code !== 'EXDEV') throw error;
          await copyFile(stored, file);
        });
      }
      return result.segments;
    } finally {
      await result.remove();
    }
  };
}
