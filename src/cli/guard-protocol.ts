/**
 * What the guarding parent (stderr-guard.ts) and its child (terminal.ts) agree on: kept apart
 * from both so that the parent, bundled on its own, loads none of the command.
 */

/**
 * Set by the guarding parent in its child: the number of the descriptor that is the terminal's
 * standard error. The child's own fd 2 is then a pipe to the parent, where whatever the engine
 * writes there itself (x264's `malloc of size ... failed`) ends up.
 */
export const TERMINAL_FD_ENV = 'FLIPBOOK_TERMINAL_FD';

/** What the guarded child tells its parent through the pipe, one line each, after this mark. */
export const GUARD_MARK = '\u0000flipbook-guard ';

/** A message from the guarded child to its parent. */
export type GuardRecord =
  /** At the start of a command: how it reports, and the file it writes. */
  | { type: 'command'; output?: string; json: boolean; quiet: boolean; verbose: boolean }
  /** The command failed: its error line (with --verbose, the stack after it), for the parent to print. */
  | { type: 'error'; line: string };
