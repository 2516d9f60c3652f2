import { type ErrorCode, isFlipbookError } from '../errors.js';

/** What a script can rely on. */
export const EXIT = {
  ok: 0,
  /** The job failed (bad input, FFmpeg error, output exists...). */
  failure: 1,
  /**
   * The command line was wrong: unknown option, bad value, missing argument, an output
   * flipbook cannot write (its extension, a codec that container does not take, music in a GIF).
   */
  usage: 2,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2. */
  sigint: 130,
  /** Terminated by SIGTERM: 128 + 15. */
  sigterm: 143,
} as const;

/** Library errors that mean the command line asked for something flipbook does not do. */
const USAGE_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INVALID_OPTION', 'UNSUPPORTED_OUTPUT']);

export function exitCodeFor(error: unknown, signal: NodeJS.Signals | undefined): number {
  if (signal === 'SIGINT') return EXIT.sigint;
  if (signal === 'SIGTERM') return EXIT.sigterm;
  if (isFlipbookError(error) && USAGE_ERRORS.has(error.code)) return EXIT.usage;
  return EXIT.failure;
}
