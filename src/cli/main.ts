import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, type Option } from 'commander';

import { EXIT } from './exit-codes.js';
import { ffmpegCommand, translateFfmpeg } from './ffmpeg-flags.js';
import { shellQuote } from '../util/format.js';
import { Reporter } from './reporter.js';
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
 * Commander quotes string defaults and choices as JSON (`(default: "25")`, `choices: "contain"`):
 * they are shown as typed, as the README's tables and the defaults said in words show them.
 * Set on the program, so every command (made by program.command) inherits it.
 */
function optionDescription(this: Help, option: Option): string {
  const saysDefault = option.description.includes('(default: ');
  const shown = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
  const described = option.defaultValue === undefined || saysDefault ? undefined : (option.defaultValueDescription ?? shown(option.defaultValue));
  const plain = Object.create(option, {
    defaultValue: { value: saysDefault ? undefined : option.defaultValue },
    defaultValueDescription: { value: described },
    argChoices: { value: undefined },
  }) as Option;
  const text = Help.prototype.optionDescription.call(this, plain);
  if (!option.argChoices) return text;
  // Commander puts the choices first in its parentheses: after the description, before the default.
  const choices = `choices: ${option.argChoices.join(', ')}`;
  const base = option.description;
  return text === base ? `${base} (${choices})` : `${base} (${choices}, ${text.slice(base.length + 2)}`;
}

/** A usage error as said on stderr (without `flipbook: error: `), and the option it is about, as the library names it. */
export type UsageErrorHandler = (message: string, option: string | undefined) => void;

/**
 * The option a message of the argument parser is about, as the library names it (`fit`,
 * `startNumber`): `option '--fit <mode>' argument 'x' is invalid` names a declared option by its
 * flags, `unknown option '--bogus'` an undeclared one by the word typed. Undefined for errors
 * about arguments or commands.
 */
function optionOf(command: Command, message: string): string | undefined {
  const quoted = /\b(?:unknown )?option '([^']+)'/.exec(message)?.[1];
  if (quoted === undefined) return undefined;
  const declared = command.options.find((o) => o.flags === quoted);
  if (declared) return declared.attributeName();
  const word = quoted.split('=')[0]?.replace(/^-+/, '') ?? '';
  return word === '' ? undefined : word.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Builds the command line; each command lives in ./commands and only parses and dispatches.
 * `onUsageError` hears every error of the argument parser (a --json run reports it as an event).
 */
export function buildProgram(setExitCode: (code: number) => void, onUsageError: UsageErrorHandler = () => {}): Command {
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
      outputError: (text, write) => {
        const message = `${text.trim().replace(/^error: /, '')} (see ${command === program ? 'flipbook' : `flipbook ${command.name()}`} --help)`;
        onUsageError(message, optionOf(command, text));
        write(`flipbook: error: ${message}\n`);
      },
    });
  }
  // `flipbook --help` is an overview: the commands, a few examples, where to read more.
  // Each command's own --help lists all its options with their defaults.
  program.addHelpText('after', OVERVIEW_EXAMPLES);
  return program;
}

/**
 * Whether the line asks for JSON: `--json` before any `--`. Read from the words themselves, as
 * a usage error can stop the argument parser before it reaches the flag (`--fit bogus --json`).
 */
function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/**
 * Runs the command line and returns the exit code. A usage error is the line on stderr, and
 * with --json also an `error` event on stdout, shaped as every other error's: scripts that read
 * the events see why the command exited 2.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const json = asksForJson(argv);
  const usageError: UsageErrorHandler = (message, option) => {
    if (json) new Reporter({ json }, terminal).event('error', { message, code: 'INVALID_OPTION', file: null, position: null, option: option ?? null });
  };
  const program = buildProgram((code) => {
    exitCode = code;
  }, usageError);
  program.commands.forEach((c) => c.exitOverride());
  // ffmpeg's flags, typed out of habit: say what each is in flipbook, and the whole line.
  // A whole ffmpeg line without a command (`flipbook -i 'f_%04d.png' out.mp4`) gets the command it means.
  const guessed = ffmpegCommand(argv);
  const command = program.commands.find((c) => c.name() === (guessed ?? argv[0]));
  const ffmpeg = command && !argv.includes('--help') && !argv.includes('-h') ? translateFfmpeg(command, guessed ? argv : argv.slice(1)) : undefined;
  if (ffmpeg && command) {
    if (guessed) ffmpeg.notes.unshift(`flipbook takes a command first (${command.name()}: ${command.summary() || command.description()})`);
    const message = `${ffmpeg.notes.join('; ')}. Try: flipbook ${ffmpeg.suggestion.map(shellQuote).join(' ')} (see flipbook ${command.name()} --help)`;
    usageError(message, undefined);
    terminal.stderr.write(`flipbook: error: ${message}\n`);
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
