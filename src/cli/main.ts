import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, type Option } from 'commander';

import { EXIT } from './exit-codes.js';
import { shellQuote, translateFfmpeg } from './ffmpeg-flags.js';
import { registerStitch } from './commands/stitch.js';
import { registerSplit } from './commands/split.js';
import { registerInfo } from './commands/info.js';
import { registerSheet } from './commands/sheet.js';
import { registerHtml } from './commands/html.js';
import { registerWorker } from './commands/worker.js';
import { registerRender } from './commands/render.js';
import { terminal } from './terminal.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const OVERVIEW_EXAMPLES = `
Examples:
  flipbook stitch 'frames/*.png' -o movie.mp4 --fps 30
  flipbook stitch a.jpg b.jpg c.jpg -o show.mp4 --hold 2s --crossfade 0.5s
  flipbook split movie.mp4 -o 'frames/%05d.png'
  flipbook info movie.mp4

Every option of a command: flipbook <command> --help (flipbook stitch --help).
More (the library, the choices flipbook makes for you): README.md, shipped in the package.`;

/**
 * An option's help with one default. Commander adds its own `(default: false)` to an option
 * declared with a default value; where the description already says the default in words
 * (`(default: refused)`, `(default: refuse, and say how many)`), commander's is left out.
 * Set on the program, so every command (made by program.command) inherits it.
 */
function optionDescription(this: Help, option: Option): string {
  const saysDefault = option.description.includes('(default: ');
  return Help.prototype.optionDescription.call(this, saysDefault ? (Object.create(option, { defaultValue: { value: undefined } }) as Option) : option);
}

/** Builds the command line; each command lives in ./commands and only parses and dispatches. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flipbook')
    .description('Images into videos, and videos back into images.')
    .version(packageVersion(), '-V, --version')
    .configureHelp({ showGlobalOptions: true, optionDescription })
    .exitOverride();
  registerStitch(program, setExitCode);
  registerSplit(program, setExitCode);
  registerInfo(program, setExitCode);
  registerSheet(program, setExitCode);
  registerHtml(program, setExitCode);
  registerWorker(program, setExitCode);
  registerRender(program, setExitCode);
  for (const command of [program, ...program.commands]) {
    // A usage error is one line, like every other error: what is wrong and where to look.
    command.configureOutput({
      // The terminal's standard error: in a guarded child (terminal.ts) that is not fd 2.
      writeErr: (text) => terminal.stderr.write(text),
      getErrHelpWidth: () => (terminal.stderr.isTTY && terminal.stderr.columns ? terminal.stderr.columns : 80),
      outputError: (text, write) => write(`flipbook: error: ${text.trim().replace(/^error: /, '')} (see ${command === program ? 'flipbook' : `flipbook ${command.name()}`} --help)\n`),
    });
  }
  // `flipbook --help` is an overview: the commands, a few examples, where to read more.
  // Each command's own --help lists all its options with their defaults.
  program.addHelpText('after', OVERVIEW_EXAMPLES);
  return program;
}

/** Runs the command line and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  program.commands.forEach((c) => c.exitOverride());
  // ffmpeg's flags, typed out of habit: say what each is in flipbook, and the whole line.
  const command = program.commands.find((c) => c.name() === argv[0]);
  const ffmpeg = command && !argv.includes('--help') && !argv.includes('-h') ? translateFfmpeg(command, argv.slice(1)) : undefined;
  if (ffmpeg) {
    terminal.stderr.write(`flipbook: error: ${ffmpeg.notes.join('; ')}. Try: flipbook ${ffmpeg.suggestion.map(shellQuote).join(' ')} (see flipbook ${argv[0]} --help)\n`);
    return EXIT.usage;
  }
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
