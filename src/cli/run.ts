import { main } from './main.js';
import { terminal } from './terminal.js';

/** Runs the command line in this process: the command itself, guarded or not (bin.ts decides). */
export async function run(): Promise<void> {
  // A closed pipe (`flipbook ... --json | head -1`) is not an error of the job: stop printing, carry on.
  for (const stream of new Set<NodeJS.WritableStream>([process.stdout, process.stderr, terminal.stderr])) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  process.exitCode = await main(process.argv.slice(2));
}
