/**
 * A worker process of the local pool (`jobs`): renders the segments its parent sends, one at a
 * time, with an engine of its own, and says how far it is. Started by pool.ts; never by hand.
 */
import { isFlipbookError } from '../errors.js';
import { renderSegment } from './render.js';
import type { SegmentTask } from './task.js';
import type { FromWorker, ToWorker } from './pool.js';

const send = (message: FromWorker): void => {
  process.send?.(message);
};

let running: AbortController | undefined;

process.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    running?.abort();
    return;
  }
  void run(message.task, message.file);
});

// The parent went away (it failed, or was killed): nothing to render for.
process.on('disconnect', () => {
  running?.abort();
  process.exit(1);
});

async function run(task: SegmentTask, file: string): Promise<void> {
  const controller = new AbortController();
  running = controller;
  let frames = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    if (frames > 0) send({ type: 'frames', index: task.index, frames });
    frames = 0;
  };
  try {
    const done = await renderSegment(task, file, controller.signal, () => {
      frames++;
      timer ??= setTimeout(flush, 50);
    });
    if (timer) clearTimeout(timer);
    flush();
    send({ type: 'done', index: task.index, done });
  } catch (error) {
    if (timer) clearTimeout(timer);
    send({ type: 'error', index: task.index, error: serialiseError(error) });
  } finally {
    running = undefined;
  }
}

function serialiseError(error: unknown): FromWorkerError {
  if (isFlipbookError(error)) {
    return { flipbook: true, code: error.code, fact: error.factText, hint: error.hintText, option: error.option, file: error.file, position: error.position, message: error.message };
  }
  return { flipbook: false, message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined };
}

type FromWorkerError = Extract<FromWorker, { type: 'error' }>['error'];
