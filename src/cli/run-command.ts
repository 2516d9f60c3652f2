import { isFlipbookError } from '../errors.js';
import { flagStyle } from './flags.js';
import { exitCodeFor } from './exit-codes.js';
import { Reporter, type Streams } from './reporter.js';
import { guardedChild, tellGuard, terminal } from './terminal.js';

/** A signal repeated within this many milliseconds is the same one, reaching the process twice. */
const SAME_SIGNAL_MS = 500;

/** Options every command takes. */
export interface CommonOptions {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** The file the command writes, where it has one (named in an out-of-memory error by the stderr guard). */
  output?: string;
}

export interface CommandContext {
  reporter: Reporter;
  /** Aborted on SIGINT or SIGTERM; the library then cleans up and rejects with ABORTED. */
  signal: AbortSignal;
}

/**
 * Runs one command's work: turns SIGINT and SIGTERM into a clean abort, and any error into
 * one readable line and an exit code. Returns the exit code.
 */
export async function runCommand(options: CommonOptions, work: (ctx: CommandContext) => Promise<void>, streams: Streams = terminal): Promise<number> {
  const reporter = new Reporter(options, streams);
  if (guardedChild && streams === terminal) {
    tellGuard({ type: 'command', ...(options.output === undefined ? {} : { output: options.output }), json: options.json === true, quiet: options.quiet === true, verbose: options.verbose === true });
  }
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let receivedAt = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received) {
      // Under the stderr guard a Ctrl-C arrives twice, from the terminal and passed on by the
      // guard, milliseconds apart: that is one. A person's second Ctrl-C comes later.
      if (signal === received && performance.now() - receivedAt < SAME_SIGNAL_MS) return;
      // A second Ctrl-C: stop now. process.exit still runs the temporary-file cleanup.
      process.exit(exitCodeFor(undefined, signal));
    }
    received = signal;
    receivedAt = performance.now();
    controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await work({ reporter, signal: controller.signal });
    return 0;
  } catch (error) {
    const code = exitCodeFor(error, received);
    const stack = options.verbose && error instanceof Error && error.stack ? error.stack : undefined;
    if (received) {
      reporter.error(`interrupted by ${received}; no output was left behind`, { code: 'ABORTED', signal: received }, stack);
    } else if (isFlipbookError(error)) {
      reporter.error(error.render(flagStyle), { code: error.code, file: error.file ?? null, position: error.position ?? null, option: error.option ?? null }, stack);
    } else {
      reporter.error(error instanceof Error ? error.message : String(error), { code: 'INTERNAL' }, stack);
    }
    return code;
  } finally {
    reporter.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
