#!/usr/bin/env node
import { main } from './main.js';

// A closed pipe (`flipbook ... --json | head -1`) is not an error of the job: stop printing, carry on.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
