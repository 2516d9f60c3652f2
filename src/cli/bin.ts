#!/usr/bin/env node
import { guardReason, runGuarded } from './stderr-guard.js';
import { terminal } from './terminal.js';

// Where an allocation can fail (an address-space limit, strict overcommit), x264 prints its
// failure straight to fd 2: run the command as a child that cannot reach the terminal through
// fd 2 (stderr-guard.ts). Everywhere else, this process is the command.
const reason = guardReason();
if (reason) {
  runGuarded(reason);
} else {
  // A closed pipe (`flipbook ... --json | head -1`) is not an error of the job: stop printing, carry on.
  for (const stream of new Set<NodeJS.WritableStream>([process.stdout, process.stderr, terminal.stderr])) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  // Loaded here, not above: the guarding parent never loads the commands or the engine.
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2));
}
