import type { Command } from 'commander';

/** The options every command shares. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('--json', 'print one JSON line per event and a final summary on stdout', false)
    .option('-q, --quiet', 'print nothing but errors', false)
    .option('--verbose', 'show stack traces on errors', false);
}
