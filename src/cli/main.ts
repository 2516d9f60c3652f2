import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';

import { EXIT } from './exit-codes.js';
import { registerStitch } from './commands/stitch.js';
import { registerSplit } from './commands/split.js';
import { registerInfo } from './commands/info.js';
import { registerSheet } from './commands/sheet.js';
import { registerHtml } from './commands/html.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the command line; each command lives in ./commands and only parses and dispatches. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flipbook')
    .description('Images into videos, and videos back into images.')
    .version(packageVersion(), '-V, --version')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  registerStitch(program, setExitCode);
  registerSplit(program, setExitCode);
  registerInfo(program, setExitCode);
  registerSheet(program, setExitCode);
  registerHtml(program, setExitCode);
  for (const command of [program, ...program.commands]) {
    // A usage error is one line, like every other error: what is wrong and where to look.
    command.configureOutput({
      outputError: (text, write) => write(`flipbook: error: ${text.trim().replace(/^error: /, '')} (see ${command === program ? 'flipbook' : `flipbook ${command.name()}`} --help)\n`),
    });
  }
  // `flipbook --help` shows every command's options with their defaults, not only their names.
  program.addHelpText('after', () => program.commands.map((c) => `\n${c.helpInformation()}`).join(''));
  return program;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  program.commands.forEach((c) => c.exitOverride());
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}
