import { isFlipbookError } from '../errors.js';

/** What a script can rely on. */
export const EXIT = {
  ok: 0,
  /** The job failed (bad input, FFmpeg error, output exists...). */
  failure: 1,
  /** The command line was wrong: unknown option, bad value, missing argument. */
  usage: 2,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2. */
  sigint: 130,
  /** Terminated by SIGTERM: 128 + 15. */
  sigterm: 143,
} as const;

export function exitCodeFor(error: unknown, signal: NodeJS.Signals | undefined): number {
  if (signal === 'SIGINT') return EXIT.sigint;
  if (signal === 'SIGTERM') return EXIT.sigterm;
  if (isFlipbookError(error) && error.code === 'INVALID_OPTION') return EXIT.usage;
  return EXIT.failure;
}
