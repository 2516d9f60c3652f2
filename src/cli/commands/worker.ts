import type { Command } from 'commander';

import { invalidOption } from '../../errors.js';
import { type ProgressingRenderer, WORKER_DEFAULTS, parseQueueUrl, startWorker } from '../../queue/index.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';

interface WorkerFlags extends CommonOptions {
  queue: string;
  workDir: string;
  allowRead: string[];
  modules: string[];
  concurrency: string;
  lockDuration: string;
  stalledInterval: string;
}

/**
 * The renderer the command's worker uses: the one the local pool's workers use
 * (src/segments/render.ts), loaded when a worker starts. It says each frame as it is encoded;
 * the queue takes the count of frames done.
 */
async function loadRenderer(): Promise<ProgressingRenderer> {
  const { renderSegment } = await import('../../segments/render.js');
  return (task, file, signal, onFrames) => {
    let done = 0;
    return renderSegment(task, file, signal, () => onFrames?.(++done));
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function whole(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw invalidOption(option, 'a whole number above 0', value);
  return n;
}

export function registerWorker(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('worker')
    .summary('render segments for stitch --queue and render --queue, on this machine')
    .description(
      'Take segments from a Redis queue and render them into the shared work directory, until stopped (Ctrl-C or SIGTERM: a segment in progress goes back to the queue at once, and the command exits 0). Start one or more on every machine; each reads its inputs from the work directory, or from the directories given with --allow-read, and never runs code it was sent: render jobs import a module only from a --modules directory.',
    )
    .requiredOption('--queue <url>', 'the Redis server: redis://host:6379')
    .requiredOption('--work-dir <dir>', 'the directory every worker and coordinator shares: segments are written here')
    .option('--allow-read <dir>', 'also read inputs named by absolute path under this directory (repeatable) (default: the work directory only)', collect, [])
    .option('--modules <dir>', 'import render modules from this directory (repeatable) (default: none, render jobs are refused)', collect, [])
    .option('--concurrency <n>', 'segments rendered at once', String(WORKER_DEFAULTS.concurrency))
    .option('--lock-duration <ms>', 'how long a segment is held without a sign of life before another worker may take it', String(WORKER_DEFAULTS.lockDuration))
    .option('--stalled-interval <ms>', 'how often held segments are checked for a dead worker', String(WORKER_DEFAULTS.stalledInterval));
  addCommonOptions(command);
  command.action(async (flags: WorkerFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter, signal }) => {
        const worker = await startWorker({
          queue: flags.queue,
          workDir: flags.workDir,
          allowRead: flags.allowRead,
          modules: flags.modules,
          concurrency: whole(flags.concurrency, 'concurrency'),
          lockDuration: whole(flags.lockDuration, 'lockDuration'),
          stalledInterval: whole(flags.stalledInterval, 'stalledInterval'),
          render: await loadRenderer(),
          signal,
          onEvent: (event) => {
            if (event.type === 'started') reporter.info(`segment ${event.index + 1} of ${event.segments} (frames ${event.first}-${event.first + event.count - 1}): started`);
            if (event.type === 'done') reporter.info(`segment ${event.index + 1}: ${event.frames} frames, ${event.bytes} bytes in ${event.seconds.toFixed(1)} s`);
            if (event.type === 'failed') reporter.info(`segment ${event.index === undefined ? '?' : event.index + 1}: ${event.refused ? 'refused' : 'failed'}: ${event.error.message}`);
            if (event.type === 'requeued') reporter.info(`segment ${event.index + 1}: put back in the queue`);
            if (event.type === 'error') reporter.info(`queue: ${event.error.message}`);
            const { error, ...rest } = event as { error?: Error };
            reporter.event(`worker-${event.type}`, error ? { ...rest, message: error.message } : rest);
          },
        });
        const queue = parseQueueUrl(flags.queue).shown;
        reporter.event('worker-ready', { queue, workDir: flags.workDir });
        reporter.info(`worker taking segments from ${queue} into ${flags.workDir} (Ctrl-C to stop)`);
        await worker.closed;
      }),
    );
  });
}
