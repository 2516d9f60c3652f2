/**
 * The real command, spawned as a child process (the bundle the package ships, test/helpers/cli.ts), so stdout
 * and stderr are pipes, not a terminal: help and version, exit codes, one-line errors, JSON
 * lines, quiet, dry run, and SIGINT/SIGTERM in the middle of an encode.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, stitch } from '../src/index.js';
import { Reporter } from '../src/cli/reporter.js';
import { type CliResult, ROOT, finished, lines, runCli, spawnCli } from './helpers/cli.js';
import { frameColourIndices, writeFrames, writeSolidFrames } from './helpers/frames.js';
import { PALETTE, scene } from './helpers/images.js';
import { fixture } from './helpers/fixtures.js';
import { leftoverParts, listDir, tempDir } from './helpers/temp.js';
import { assertH264, readVideo } from './helpers/video.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Help text with its line wrapping undone. */
function flat(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function assertNoStack(result: CliResult): void {
  assert.doesNotMatch(result.stderr, /^\s+at /m, `no stack trace: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /FlipbookError|CommanderError|node:internal/, result.stderr);
}

/** One line on stderr, flipbook's own error line, and nothing on stdout. */
function assertOneErrorLine(result: CliResult): string {
  const errors = lines(result.stderr);
  assert.equal(errors.length, 1, `one line on stderr: ${JSON.stringify(result.stderr)}`);
  assert.match(errors[0] ?? '', /^flipbook: error: /);
  assert.equal(result.stdout, '');
  assertNoStack(result);
  return errors[0] ?? '';
}

describe('cli: help and version', () => {
  it('flipbook --help lists the commands and exits 0', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^Usage: flipbook /);
    assert.match(result.stdout, /stitch \[options\] <inputs\.\.\.>\s+images in, a video out/);
    assert.equal(result.stderr, '');
  });

  it('flipbook stitch --help shows every option with its default, and exits 0', async () => {
    const result = await runCli(['stitch', '--help']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    const help = flat(result.stdout);
    assert.match(help, /Usage: flipbook stitch \[options\] <inputs\.\.\.>/);
    assert.match(help, /Outputs: \.mp4, \.mov, \.mkv, \.webm/);
    // Each option and the default it states; the defaults are the documented ones.
    const expected: [string, string][] = [
      ['-o, --output <file>', ''],
      ['--fps <rate>', 'default: 25)'],
      ['--hold <time>', 'default: one frame each'],
      ['--size <WxH>', "default: the first image's"],
      ['--width <px>', "default: the first image's"],
      ['--height <px>', "default: the first image's"],
      ['--fit <mode>', 'choices: contain, cover, fill, error, default: contain)'],
      ['--background <colour>', 'any CSS colour name (rebeccapurple), #rrggbb, #rgb, rgb(r, g, b) or 0xrrggbb; opaque'],
      ['--sort <order>', 'default: natural'],
      ['--start-number <n>', 'default: the first of 0-4 that exists'],
      ['--codec <codec>', 'default: h264; vp9 for .webm'],
      ['--crf <n>', 'default: 23 for h264, 28 for h265, 32 for vp9, 35 for av1'],
      ['--quality <level>', "default: the codec's crf"],
      ['--alpha <mode>', 'default: keep where the format carries it'],
      ['--hwaccel <encoder>', 'default: none'],
      ['--preset <name>', 'default: medium)'],
      ['--bitrate <rate>', 'default: none'],
      ['--limit-pixels <n>', 'default: 268402689)'],
      ['--crossfade <time>', 'default: none'],
      ['--transition <name>', 'default: fade'],
      ['--fade-in <time>', 'default: none'],
      ['--allow-playlists', 'default: refused'],
      ['--fade-out <time>', 'default: none'],
      ['--hold-last <time>', 'default: none'],
      ['--audio <file>', 'default: none'],
      ['--audio-fit <mode>', 'default: trim'],
      ['--audio-fade <time>', 'default: none'],
      ['--audio-offset <time>', 'default: 0'],
      ['--volume <gain>', 'default: 1'],
      ['--dither <mode>', 'default: floyd_steinberg'],
      ['--colors <n>', 'default: 256'],
      ['--loop <n>', 'default: 0'],
      ['--lossless', 'default: lossy'],
      ['--max-size <size>', 'default: no limit'],
      ['--tolerance <n>', 'default: 0'],
      ['--lossy <n>', 'default: 0'],
      ['--vfr', 'default: every frame of --fps exists)'],
      ['--frame-limit <n>', 'default: 900000)'],
      ['--jobs <n>', 'default: 1'],
      ['--memory-limit <bytes>', 'default: 4GB)'],
      ['--queue <url>', 'default: on this machine'],
      ['--work-dir <dir>', 'with --queue'],
      ['--queue-wait <time>', 'default: 300'],
      ['--skip-invalid', 'default: false'],
      ['-y, --overwrite', 'default: false'],
      ['--dry-run', 'default: false'],
      ['--json', 'default: false'],
      ['-q, --quiet', 'default: false'],
      ['--verbose', 'default: false'],
    ];
    // Each option's entry: its line and the wrapped lines under it.
    const entries = new Map<string, string>();
    let current: string | undefined;
    for (const line of result.stdout.split('\n')) {
      const start = /^ {2}((?:-\w, )?--[a-z-]+(?: <[^>]+>)?)\s/.exec(line);
      if (start?.[1]) {
        current = start[1];
        entries.set(current, flat(line));
      } else if (current && /^ {3,}\S/.test(line)) {
        entries.set(current, `${entries.get(current) ?? ''}${flat(line)}`);
      } else {
        current = undefined;
      }
    }
    for (const [flag, defaultText] of expected) {
      const entry = entries.get(flag);
      assert.ok(entry, `--help lists ${flag}`);
      if (defaultText) assert.ok(entry.includes(defaultText), `${flag} states "${defaultText}": ${entry}`);
    }
    // Defaults and choices as typed, as the README shows them: commander quoted them as JSON ("25").
    for (const [flag, entry] of entries) assert.ok(!entry.includes('"'), `${flag} shows no quotes: ${entry}`);
    // And no option of the command is left out of that list.
    const covered = new Set([...expected.map(([flag]) => flag), '-h, --help', '-V, --version']);
    for (const option of entries.keys()) assert.ok(covered.has(option), `${option} is covered`);
    assert.ok(entries.size >= expected.length, 'the entries were found');
  });

  it('every command\'s --help gives each option at most one default (commander adds none after a stated one)', async () => {
    const overview = await runCli(['--help']);
    const commands = [...overview.stdout.matchAll(/^ {2}([a-z]+) \[options\]/gm)].map((m) => m[1] ?? '');
    assert.ok(commands.length >= 7, `the commands: ${commands.join(', ')}`);
    for (const command of ['', ...commands]) {
      const result = await runCli(command ? [command, '--help'] : ['--help']);
      assert.equal(result.code, 0, result.stderr);
      // Each option's entry: its line and the wrapped lines under it.
      const entries: string[] = [];
      for (const line of result.stdout.split('\n')) {
        if (/^ {2}-/.test(line)) entries.push(flat(line));
        else if (entries.length && /^ {3,}\S/.test(line)) entries[entries.length - 1] += flat(line);
      }
      assert.ok(entries.length >= 2, `flipbook ${command} --help lists options`);
      for (const entry of entries) assert.ok(entry.split('(default:').length <= 2, `flipbook ${command} --help: one default in ${entry}`);
    }
    // The default in words stays; commander's false is not added after it.
    const split = flat((await runCli(['split', '--help'])).stdout);
    assert.ok(split.includes('replace existing frame files (default: refuse, and say how many) -'), split);
    assert.ok(split.includes('the local files it lists (never the network or a protocol) (default: refused) -'), split);
  });

  it('README.md\'s option tables list every flag each command\'s --help lists, as --help spells it, and no other', async () => {
    // Each command's section of the README (its heading up to the next of the same level or
    // higher); split, info and sheet share one section, so they are checked against its tables together.
    const sections: Record<string, string> = {
      stitch: '### `flipbook stitch`',
      split: '### `flipbook split`',
      info: '### `flipbook split`',
      sheet: '### `flipbook split`',
      html: '### `flipbook html`',
      render: '### Parallel rendering: `--jobs`, `flipbook render`',
      worker: '## Rendering on many machines',
    };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
    /** Every flag the first cells of the tables in a section name: --flag -> its texts as written. */
    const tableFlags = (heading: string): Map<string, Set<string>> => {
      const start = readme.findIndex((line) => line.startsWith(heading));
      assert.ok(start >= 0, `README has the section ${heading}`);
      const level = /^#+/.exec(heading)?.[0].length ?? 0;
      const flags = new Map<string, Set<string>>();
      let code = false;
      for (const line of readme.slice(start + 1)) {
        // A shell comment in a code block is no heading.
        if (line.startsWith('```')) code = !code;
        const h = code ? null : /^#+ /.exec(line);
        if (h && h[0].length - 1 <= level) break;
        if (!line.startsWith('| ') || line.startsWith('| ---')) continue;
        const cell = line.split(/(?<!\\)\|/)[1] ?? '';
        for (const span of cell.matchAll(/`([^`]+)`/g)) {
          const flag = /^(?:-\w, )?(--[a-z0-9-]+)(?: <[^>]+>)?$/.exec(span[1] ?? '');
          if (flag?.[1]) flags.set(flag[1], new Set([...(flags.get(flag[1]) ?? []), span[1] ?? '']));
        }
      }
      return flags;
    };
    const helpFlags = async (command: string): Promise<Map<string, string>> => {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      const flags = new Map<string, string>();
      for (const line of result.stdout.split('\n')) {
        const entry = /^ {2}((?:-\w, )?(--[a-z0-9-]+)(?: <[^>]+>)?)/.exec(line);
        if (entry?.[1] && entry[2] && entry[2] !== '--help' && entry[2] !== '--version') flags.set(entry[2], entry[1]);
      }
      assert.ok(flags.size >= 3, `flipbook ${command} --help lists options`);
      return flags;
    };
    const help = new Map<string, Map<string, string>>();
    for (const command of Object.keys(sections)) help.set(command, await helpFlags(command));
    for (const [command, heading] of Object.entries(sections)) {
      const documented = tableFlags(heading);
      for (const [flag, text] of help.get(command) ?? []) {
        assert.ok(documented.has(flag), `README's ${heading} tables list ${command}'s ${text}`);
        // An option with an argument or a short flag is written as --help writes it (--manifest <file>, -y, --overwrite).
        if (text !== flag) assert.ok(documented.get(flag)?.has(text), `README's ${heading} writes ${[...(documented.get(flag) ?? [])].join(' or ')} where --help has ${text}`);
      }
      // No flag in the tables that none of the section's commands takes.
      const section = Object.entries(sections).filter(([, h]) => h === heading).map(([c]) => help.get(c) ?? new Map<string, string>());
      for (const flag of documented.keys()) assert.ok(section.some((flags) => flags.has(flag)), `${flag} in README's ${heading} tables is an option of the command`);
    }
  });

  it('render --help states the same defaults as stitch --help for the options they share (the README says "as for stitch")', async () => {
    /** Each option's stated default: --flag -> the text of its last "(default: ...)". */
    const defaults = async (command: string): Promise<Map<string, string | undefined>> => {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0, result.stderr);
      const entries = new Map<string, string>();
      let current: string | undefined;
      for (const line of result.stdout.split('\n')) {
        const start = /^ {2}(?:-\w, )?(--[a-z-]+)/.exec(line);
        if (start?.[1]) entries.set((current = start[1]), flat(line));
        else if (current && /^ {3,}\S/.test(line)) entries.set(current, `${entries.get(current) ?? ''}${flat(line)}`);
        else current = undefined;
      }
      return new Map([...entries].map(([flag, entry]) => [flag, /\(default: ([^()]*(?:\([^()]*\)[^()]*)*)\)(?!.*\(default:)/.exec(entry)?.[1]]));
    };
    const stitch = await defaults('stitch');
    const render = await defaults('render');
    // --fps is the module's in render; the rest are the output's, one table (OUTPUT_DEFAULTS, the codecs' recipes).
    const shared = [...render.keys()].filter((flag) => stitch.has(flag) && !['--fps', '--help', '--version'].includes(flag));
    for (const flag of ['--crf', '--quality', '--bitrate', '--audio-fade', '--audio-offset', '--volume', '--preset', '--jobs']) assert.ok(shared.includes(flag), flag);
    // Render's said "(default: 23 for h264)" alone, and nothing for --quality, --bitrate, --audio-fade, --audio-offset, --volume.
    for (const flag of shared) assert.equal(render.get(flag), stitch.get(flag), `${flag}: render --help says ${render.get(flag)}, stitch --help ${stitch.get(flag)}`);
  });

  it('--version and -V print the package version and exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${VERSION}\n`);
      assert.equal(result.stderr, '');
    }
  });
});

describe('cli: exit codes and errors', () => {
  it('an invalid option value exits 2 with one line naming the flag, no stack trace', async () => {
    const result = await runCli(['stitch', fixture('png-interlaced.png'), '-o', 'never.mp4', '--fps', 'fast']);
    assert.equal(result.code, 2);
    const line = assertOneErrorLine(result);
    assert.equal(line, 'flipbook: error: Expected a frame rate such as 25, 29.97 or 30000/1001 (above 0, at most 1000) for --fps but received "fast"');
    assert.equal(existsSync(join(ROOT, 'never.mp4')), false);
  });

  it('a camelCase option is named as its flag: --start-number, --limit-pixels', async () => {
    const start = await runCli(['stitch', 'img_%05d.png', '-o', 'never.mp4', '--start-number', 'one']);
    assert.equal(start.code, 2);
    assert.match(assertOneErrorLine(start), /for --start-number but received "one"$/);
    const limit = await runCli(['stitch', fixture('png-interlaced.png'), '-o', 'never.mp4', '--limit-pixels', 'lots']);
    assert.equal(limit.code, 2);
    assert.match(assertOneErrorLine(limit), /for --limit-pixels but received "lots"$/);
  });

  for (const [what, args, message] of [
    ['an unknown option', ['stitch', 'a.png', '-o', 'x.mp4', '--bogus'], "unknown option '--bogus'"],
    ['a missing -o', ['stitch', 'a.png'], "required option '-o, --output <file>' not specified"],
    ['a value outside the choices', ['stitch', 'a.png', '-o', 'x.mp4', '--fit', 'stretch'], "option '--fit <mode>' argument 'stretch' is invalid. Allowed choices are contain, cover, fill, error."],
    ['no inputs', ['stitch', '-o', 'x.mp4'], "missing required argument 'inputs'"],
    ['an unknown command', ['bogus'], "unknown command 'bogus'"],
  ] as const) {
    it(`a usage error (${what}) exits 2, says what is wrong, no stack trace`, async () => {
      const result = await runCli(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(lines(result.stderr)[0] ?? '', new RegExp(`error: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assertNoStack(result);
    });
  }

  it('a bad option value or an output flipbook cannot write exits 2 (every command), one line, nothing written', async (t) => {
    const dir = await tempDir(t);
    const [image] = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    assert.ok(image);
    const video = join(dir, 'm.mp4');
    const made = await runCli(['stitch', image, '-o', video, '--preset', 'ultrafast', '--quiet']);
    assert.equal(made.code, 0, made.stderr);
    const cases: [string, string[], RegExp][] = [
      ['an unsupported extension', ['stitch', image, '-o', join(dir, 'x.avi')], /the extension \.avi is not supported/],
      ['no extension', ['stitch', image, '-o', join(dir, 'x')], /it has no extension/],
      ['a codec the container does not take', ['stitch', image, '-o', join(dir, 'x.mp4'), '--codec', 'prores'], /The codec prores cannot be written in \.mp4/],
      ['music in a GIF', ['stitch', image, '-o', join(dir, 'x.gif'), '--audio', image], /\.gif file cannot carry audio\. .*; leave out --audio for \.gif$/],
      ['a bad --fps', ['stitch', image, '-o', join(dir, 'x.mp4'), '--fps', 'abc'], /for --fps but received "abc"/],
      ['a bad --background', ['stitch', image, '-o', join(dir, 'x.mp4'), '--background', 'nocolour'], /for --background but received "nocolour"/],
      ['split: an unsupported image extension', ['split', video, '-o', join(dir, 'f', '%05d.xyz')], /the extension \.xyz is not an image format/],
      ['split: a bad --every', ['split', video, '--every', '0', '-o', join(dir, 'f')], /for --every but received "0"/],
      ['sheet: a bad --columns', ['sheet', video, '-o', join(dir, 's.png'), '--columns', 'x'], /--columns/],
      ['html: a bad --width', ['html', video, '-o', join(dir, 'p.html'), '--width', 'abc'], /for --width but received "abc"/],
    ];
    for (const [what, args, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${what}: exit 2, got ${result.code}: ${result.stderr}`);
      assert.match(assertOneErrorLine(result), message, what);
    }
    assert.deepEqual(await listDir(dir), ['a.png', 'm.mp4'], 'nothing written');
  });

  it('counts are said in the singular for one: "1 frame", "1 png file", "1 thumbnail"', async (t) => {
    const dir = await tempDir(t);
    const [image] = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    assert.ok(image);
    const video = join(dir, 'one.mp4');
    const stitched = await runCli(['stitch', image, '-o', video, '--preset', 'ultrafast']);
    assert.equal(stitched.code, 0, stitched.stderr);
    assert.match(stitched.stdout, /: 1 frame, 64x48,/);
    const info = await runCli(['info', video]);
    assert.match(info.stdout, /; 1 frame \(counted\);/, info.stdout);
    const split = await runCli(['split', video, '-o', join(dir, 'f', '%03d.png')]);
    assert.equal(split.code, 0, split.stderr);
    assert.match(split.stdout, /^Wrote 1 png file \(/, split.stdout);
    const sheet = await runCli(['sheet', video, '-o', join(dir, 's.png'), '--columns', '1', '--rows', '1']);
    assert.equal(sheet.code, 0, sheet.stderr);
    assert.match(sheet.stdout, /grid of 1 thumbnail \(/, sheet.stdout);
  });

  it('a usage error from the argument parser is one line on stderr', async () => {
    const result = await runCli(['stitch', 'a.png', '-o', 'x.mp4', '--bogus']);
    assert.equal(result.code, 2);
    assertOneErrorLine(result);
    assert.match(result.stderr, /^flipbook: error: unknown option '--bogus' \(see flipbook stitch --help\)\n$/);
  });

  it('with --json, every usage error is one error event on stdout (as --fps abc gives), the line on stderr, exit 2', async () => {
    const cases: [string, string[], string | null, RegExp][] = [
      ['an unknown option', ['stitch', 'a/', '-o', 'out/x.mp4', '--bogus', '--json'], 'bogus', /^unknown option '--bogus' \(see flipbook stitch --help\)$/],
      ['an unknown option, camelCased', ['split', 'v.mp4', '--json', '--frame-rate', '3'], 'frameRate', /^unknown option '--frame-rate'/],
      ['a value outside the choices', ['stitch', 'a/', '-o', 'x.mp4', '--fit', 'bogus', '--json'], 'fit', /^option '--fit <mode>' argument 'bogus' is invalid\. Allowed choices are contain, cover, fill, error\./],
      ['a missing -o', ['stitch', 'a.png', '--json'], 'output', /^required option '-o, --output <file>' not specified/],
      ['an option without its value', ['split', 'v.mp4', '--json', '--every'], 'every', /^option '--every <n>' argument missing/],
      ['a missing argument', ['info', '--json'], null, /^missing required argument 'file' \(see flipbook info --help\)$/],
      ['too many arguments', ['info', 'a.mp4', 'b.mp4', '--json'], null, /^too many arguments/],
      ['an unknown command', ['bogus', '--json'], null, /^unknown command 'bogus'/],
      ['ffmpeg\'s flags', ['stitch', '-r', '30', 'a/', 'out.mp4', '--json'], null, /^-r 30 is --fps 30; .*Try: flipbook stitch a\/ -o out\.mp4 --fps 30 --json/],
      ['a bad value the library refuses', ['stitch', 'a/', '-o', 'x.mp4', '--fps', 'abc', '--json'], 'fps', /for --fps but received "abc"$/],
    ];
    for (const [what, args, option, message] of cases) {
      const result = await runCli(args);
      assert.equal(result.code, 2, `${what}: exit 2: ${result.stderr}`);
      const events = lines(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.equal(events.length, 1, `${what}: one event: ${result.stdout}`);
      const [event] = events;
      assert.deepEqual(Object.keys(event ?? {}), ['event', 'message', 'code', 'file', 'position', 'option'], `${what}: the shape of every error event`);
      assert.equal(event?.event, 'error', what);
      assert.equal(event?.code, 'INVALID_OPTION', what);
      assert.equal(event?.option, option, what);
      assert.match(String(event?.message), message, what);
      const said = lines(result.stderr);
      assert.deepEqual(said, [`flipbook: error: ${String(event?.message)}`], `${what}: the same line on stderr`);
      assertNoStack(result);
    }
    // `--json` after `--` is an input's name, not the flag.
    const named = await runCli(['stitch', '-o', 'x.mp4', '--bogus', '--', '--json']);
    assert.equal(named.code, 2);
    assert.equal(named.stdout, '');
  });

  it('flipbook --help is a short overview: every command, examples, where to read more; not every option', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    const shown = lines(result.stdout);
    assert.ok(shown.length <= 30, `at most 30 lines, got ${shown.length}:\n${result.stdout}`);
    for (const command of ['stitch', 'split', 'info', 'sheet', 'html']) {
      assert.match(result.stdout, new RegExp(`^  ${command} \\[options\\] <`, 'm'), `lists ${command}`);
    }
    const examples = shown.filter((l) => /^ {2}flipbook \w+ /.test(l));
    assert.ok(examples.length >= 3 && examples.length <= 4, `three or four examples: ${JSON.stringify(examples)}`);
    assert.ok(examples.some((l) => l.includes(' stitch ') && l.includes(' -o ')), 'a stitch example with -o');
    assert.match(result.stdout, /flipbook <command> --help/);
    assert.match(result.stdout, /README/);
    // The full option lists stay in each command's own --help.
    for (const flag of ['--limit-pixels', '--preset', '--audio-fit']) assert.ok(!result.stdout.includes(flag), `no ${flag} in the overview`);
  });

  it('the overview\'s examples are valid command lines (no usage error; in an empty directory they fail for want of input)', async (t) => {
    const dir = await tempDir(t);
    const help = await runCli(['--help']);
    const examples = lines(help.stdout).filter((l) => /^ {2}flipbook \w+ /.test(l)).map((l) => l.trim());
    assert.ok(examples.length >= 3, `examples found: ${help.stdout}`);
    for (const example of examples) {
      // Shell words: the examples quote with single quotes only.
      const words = [...example.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '').slice(1);
      const result = await runCli([...words, ...(words[0] === 'stitch' ? ['--dry-run'] : [])], { cwd: dir });
      assert.equal(result.code, 1, `${example}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /unknown option|--help\)/, example);
    }
    assert.deepEqual(await listDir(dir), [], 'nothing written');
  });

  for (const command of ['split', 'info', 'sheet', 'html', 'worker']) {
    it(`flipbook ${command} --help keeps its full option list`, async () => {
      const result = await runCli([command, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: flipbook ${command} \\[options\\]`));
      assert.match(result.stdout, /--json/, `${command} --help lists the common options`);
      assert.match(result.stdout, /\(default: /, `${command} --help states defaults`);
    });
  }

  it('a failure exits 1 with one line naming the file and the fix', async (t) => {
    const dir = await tempDir(t);
    const missing = join(dir, 'missing.png');
    const result = await runCli(['stitch', missing, '-o', join(dir, 'out.mp4')]);
    assert.equal(result.code, 1);
    assert.equal(assertOneErrorLine(result), `flipbook: error: Input not found: ${missing}. Check the path; a glob needs a wildcard such as frames/*.png`);
  });

  it('a corrupt image exits 1 naming the file and its position; --skip-invalid goes on and says so', async (t) => {
    const dir = await tempDir(t);
    // The truncated fixture is 160x120 (its header is whole): good frames of that size, so nothing is fitted.
    const [good] = await writeFrames(dir, [{ name: 'good.png', image: scene(160, 120, 0) }]);
    assert.ok(good);
    const bad = fixture('truncated.png');
    const out = join(dir, 'out.mp4');
    const failed = await runCli(['stitch', good, bad, good, '-o', out, '--preset', 'ultrafast']);
    assert.equal(failed.code, 1);
    assert.ok(assertOneErrorLine(failed).includes(`${bad} (input 2) is corrupt or truncated`), failed.stderr);
    assert.deepEqual(await listDir(dir), ['good.png']);
    const skipped = await runCli(['stitch', good, bad, good, '-o', out, '--preset', 'ultrafast', '--skip-invalid']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(lines(skipped.stderr).length, 1, skipped.stderr);
    assert.ok(lines(skipped.stderr).some((l) => l.startsWith('flipbook: Skipped an invalid input') && l.includes(`${bad} (input 2)`)), skipped.stderr);
    assert.match(skipped.stdout, /^Wrote .*out\.mp4: 2 frames, 160x120, 25 fps, 0\.08 s, h264 High yuv420p, .* \(1 skipped\)\n$/);
  });

  it('a truncated JPEG names --skip-invalid on the command line and skipInvalid in the library', async (t) => {
    const dir = await tempDir(t);
    const bad = fixture('truncated.jpg');
    const out = join(dir, 'out.mp4');
    const failed = await runCli(['stitch', bad, '-o', out]);
    assert.equal(failed.code, 1);
    const line = assertOneErrorLine(failed);
    assert.ok(line.startsWith(`flipbook: error: ${bad} (input 1) is corrupt or truncated: `), line);
    assert.ok(line.endsWith('. Replace or remove the file, or pass --skip-invalid to skip it'), line);
    await assert.rejects(stitch([bad], out), (error: FlipbookError) => {
      assert.equal(error.hint, 'Replace or remove the file, or pass skipInvalid: true to skip it');
      return true;
    });
  });

  it('an existing output is refused (exit 1, file untouched); -y replaces it', async (t) => {
    const dir = await tempDir(t);
    const [file] = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    assert.ok(file);
    const out = join(dir, 'out.mp4');
    const first = await runCli(['stitch', file, '-o', out, '--preset', 'ultrafast', '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    const before = readFileSync(out);
    const refused = await runCli(['stitch', file, file, '-o', out, '--preset', 'ultrafast']);
    assert.equal(refused.code, 1);
    assert.equal(assertOneErrorLine(refused), `flipbook: error: The output ${out} already exists. Pass --overwrite to replace it`);
    assert.deepEqual(readFileSync(out), before);
    const replaced = await runCli(['stitch', file, file, '-o', out, '--preset', 'ultrafast', '-y', '--quiet']);
    assert.equal(replaced.code, 0, replaced.stderr);
    assertH264(await readVideo(out), { width: 64, height: 48, frames: 2, duration: 0.08 });
  });

  it('--verbose adds the stack trace to an error', async (t) => {
    const dir = await tempDir(t);
    const result = await runCli(['stitch', join(dir, 'missing.png'), '-o', join(dir, 'out.mp4'), '--verbose']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^flipbook: error: Input not found/);
    assert.match(result.stderr, /^\s+at /m);
  });
});

describe('cli: output modes', () => {
  async function frames(t: Parameters<typeof tempDir>[0], count = 5): Promise<{ dir: string; files: string[] }> {
    const dir = await tempDir(t);
    const files = await writeSolidFrames(
      dir,
      Array.from({ length: count }, (_, i) => ({ name: `f${i + 1}.png`, colour: i })),
    );
    return { dir, files };
  }

  it('piped (not a terminal): no progress bar, just the summary line on stdout', async (t) => {
    const { dir } = await frames(t);
    const out = join(dir, 'out.mp4');
    const result = await runCli(['stitch', join(dir, '*.png'), '-o', out, '--preset', 'ultrafast']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '', 'nothing on stderr: no bar, no warnings');
    for (const c of ['\r', '\u001b', '█', '░']) assert.ok(!result.stdout.includes(c), `no bar characters or terminal escapes (${JSON.stringify(c)})`);
    assert.equal(lines(result.stdout).length, 1);
    assert.match(result.stdout, new RegExp(`^Wrote ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: 5 frames, 64x48, 25 fps, 0\\.20 s, h264 High yuv420p, \\d+(\\.\\d+)? (B|kB) in \\d+\\.\\d s\\n$`));
    const back = await readVideo(out);
    assertH264(back, { width: 64, height: 48, frames: 5, duration: 0.2 });
    assert.deepEqual(frameColourIndices(back, PALETTE), [0, 1, 2, 3, 4]);
  });

  it('warnings go to stderr, one line each, prefixed flipbook:', async (t) => {
    const dir = await tempDir(t);
    const files = await writeFrames(dir, [
      { name: 'a.png', image: scene(63, 47, 0) },
      { name: 'b.png', image: scene(40, 40, 1) },
    ]);
    const result = await runCli(['stitch', ...files, '-o', join(dir, 'out.mp4'), '--preset', 'ultrafast']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(lines(result.stderr), [
      'flipbook: Fitted 1 of 2 images to 63x47 (--fit contain)',
      'flipbook: Padded 63x47 to 64x48: yuv420p needs even dimensions',
    ]);
    assert.match(result.stdout, /^Wrote .*: 2 frames, 64x48, .*\(1 fitted\)\n$/);
  });

  it('a hostile file name reaches the terminal escaped: no forged line, no ESC sequence; --json keeps it as it is', async (t) => {
    const dir = await tempDir(t);
    await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    // Not an image: the error names it. Its name colours the terminal, fakes a line of its own,
    // sends a C1 CSI (0x9b) and turns the rest of the line around (U+202E).
    const name = 'b\u001b[31mRED\u001b]0;title\u0007\nflipbook: all good \u009b2J\u202egnp.png';
    await writeFile(join(dir, name), 'not an image');
    const result = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'out.mp4')]);
    assert.equal(result.code, 1, result.stderr);
    assert.deepEqual(lines(result.stderr), [
      `flipbook: error: ${join(dir, 'b\\x1b[31mRED\\x1b]0;title\\x07\\nflipbook: all good \\x9b2J\\u202egnp.png')} (input 2) is not an image flipbook reads: its header is not PNG, JPEG, WebP, TIFF, BMP or GIF. Replace or remove the file, or pass --skip-invalid to skip it`,
    ]);
    for (const c of ['\u001b', '\u0007', '\u009b', '\u202e']) assert.ok(!result.stderr.includes(c), `no ${JSON.stringify(c)} on the terminal`);
    // The warning of --skip-invalid and a dry run's plan (whose own lines stay lines) likewise.
    const skipped = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'out.mp4'), '--skip-invalid', '--dry-run']);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(lines(skipped.stderr).length, 1, skipped.stderr);
    assert.match(skipped.stderr, /^flipbook: Skipped an invalid input: .*b\\x1b\[31mRED.*\\nflipbook: all good/);
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\u0000-\u0009\u000b-\u001f\u009b\u202e]/.test(skipped.stdout + skipped.stderr), 'no control character but the plan\'s line breaks');
    const json = await runCli(['stitch', join(dir, '*.png'), '-o', join(dir, 'out.mp4'), '--json']);
    const event = JSON.parse(lines(json.stdout).at(-1) ?? '') as { event: string; file: string };
    assert.equal(event.event, 'error');
    assert.equal(event.file, join(dir, name), 'the name as it is, for a program');
  });

  it('--json prints one JSON object a line: plan, a progress line per frame, done', async (t) => {
    const { dir } = await frames(t);
    const out = join(dir, 'out.mp4');
    const result = await runCli(['stitch', dir, '-o', out, '--preset', 'ultrafast', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const events = lines(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      events.map((e) => e.event),
      ['plan', 'progress', 'progress', 'progress', 'progress', 'progress', 'done'],
    );
    const [plan] = events;
    assert.deepEqual(
      { ...plan, encoder: undefined },
      {
        event: 'plan',
        output: out,
        images: 5,
        first: join(dir, 'f1.png'),
        last: join(dir, 'f5.png'),
        width: 64,
        height: 48,
        fps: '25',
        duration: 0.2,
        frameCount: 5,
        vfr: false,
        codec: 'h264',
        profile: 'High',
        pixelFormat: 'yuv420p',
        fitted: 0,
        fit: 'contain',
        padded: null,
        skipped: 0,
        encoder: undefined,
      },
    );
    assert.deepEqual(plan?.encoder, { crf: 23, preset: 'ultrafast' });
    events.slice(1, 6).forEach((p, i) => {
      assert.equal(p.frame, i + 1);
      assert.equal(p.total, 5);
      assert.equal(typeof p.fps, 'number');
      assert.equal(typeof p.elapsed, 'number');
    });
    const done = events.at(-1);
    assert.equal(done?.output, out);
    assert.equal(done?.frames, 5);
    assert.equal(done?.duration, 0.2);
    assert.equal(done?.fps, '25');
    assert.equal(done?.codec, 'h264');
    assert.equal(done?.bytes, readFileSync(out).length);
    assert.equal(typeof done?.seconds, 'number');
  });

  it('--json for a GIF: each pass counts the GIF\'s frames, with its stage (a 5-frame GIF said 10/10); the bar says the pass', async (t) => {
    const { dir } = await frames(t);
    const out = join(dir, 'out.gif');
    const result = await runCli(['stitch', dir, '-o', out, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const events = lines(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      events.filter((e) => e.event === 'progress').map((e) => `${e.stage} ${e.attempt} ${e.frame}/${e.total}`),
      ['spooling', 'writing'].flatMap((stage) => [1, 2, 3, 4, 5].map((n) => `${stage} 1 ${n}/5`)),
    );
    assert.equal(events.at(-1)?.frames, 5);
    assert.equal((await readVideo(out)).frames.length, 5, 'the GIF decodes to 5 frames');

    // On a terminal: a bar labelled with its pass, a new one for the next.
    let shown = '';
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    stderr.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const reporter = new Reporter({}, { stdout: new PassThrough(), stderr });
    const base = { fps: 10, eta: 1, elapsed: 1 };
    reporter.progress({ ...base, frame: 5, total: 5, stage: 'spooling', attempt: 1 });
    reporter.progress({ ...base, frame: 1, total: 5, stage: 'writing', attempt: 1 });
    reporter.progress({ ...base, frame: 2, total: 5, stage: 'palette', attempt: 2 });
    reporter.stop();
    assert.match(shown, /spooling \S+ 100% \| 5\/5 frames/);
    assert.match(shown, /writing \S+ 20% \| 1\/5 frames/);
    assert.match(shown, /palette \(try 2\) \S+ 40% \| 2\/5 frames/);
  });

  it('--json: the done event\'s warnings are the warning events\' words (flags, not library options)', async (t) => {
    const dir = await tempDir(t);
    // Named in lexical order, as a shell expands f*.png: a warning that names --sort.
    const files = await writeSolidFrames(dir, [
      { name: 'f1.png', colour: 0 },
      { name: 'f10.png', colour: 1 },
      { name: 'f2.png', colour: 2 },
    ]);
    const result = await runCli(['stitch', ...files, '-o', join(dir, 'out.mp4'), '--preset', 'ultrafast', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const events = lines(result.stdout).map((line) => JSON.parse(line) as { event: string; message?: string; warnings?: string[] });
    const warnings = events.filter((e) => e.event === 'warning').map((e) => e.message);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0] ?? '', /or pass --sort natural for 1, 2, 10$/);
    assert.deepEqual(events.find((e) => e.event === 'done')?.warnings, warnings);
  });

  it('--json reports an error as a JSON line too, and still exits 1', async (t) => {
    const dir = await tempDir(t);
    const bad = fixture('corrupt.png');
    const result = await runCli(['stitch', bad, '-o', join(dir, 'out.mp4'), '--json']);
    assert.equal(result.code, 1);
    const events = lines(result.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.event, 'error');
    assert.equal(events[0]?.code, 'INVALID_INPUT');
    assert.equal(events[0]?.file, bad);
    assert.equal(events[0]?.position, 1);
  });

  it('--quiet prints nothing on success', async (t) => {
    const { dir } = await frames(t);
    const out = join(dir, 'out.mp4');
    const result = await runCli(['stitch', join(dir, '*.png'), '-o', out, '--preset', 'ultrafast', '--quiet']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, '');
    assertH264(await readVideo(out), { width: 64, height: 48, frames: 5, duration: 0.2 });
  });

  it('--quiet still prints an error', async (t) => {
    const dir = await tempDir(t);
    const result = await runCli(['stitch', join(dir, 'nothing-*.png'), '-o', join(dir, 'out.mp4'), '-q']);
    assert.equal(result.code, 1);
    assert.match(assertOneErrorLine(result), /The pattern .*nothing-\*\.png matched no image file/);
  });

  it('--dry-run prints the plan and writes nothing', async (t) => {
    const { dir } = await frames(t, 3);
    const out = join(dir, 'sub', 'out.mp4');
    const result = await runCli(['stitch', join(dir, '*.png'), '-o', out, '--dry-run', '--fps', '30000/1001', '--size', '63x47']);
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout;
    assert.match(text, new RegExp(`^Plan for ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(dry run: nothing written\\)`));
    assert.ok(text.includes(`images:   3, from ${join(dir, 'f1.png')} to ${join(dir, 'f3.png')}`), text);
    assert.ok(text.includes('frames:   3, 0.100 s'), text);
    assert.ok(text.includes('size:     64x48 (padded from 63x47 to even)'), text);
    assert.ok(text.includes('timing:   30000/1001 fps, 0.100 s'), text);
    assert.ok(text.includes('codec:    h264 High, yuv420p, mp4 with fast start, crf 23, preset medium'), text);
    assert.ok(text.includes('fitted:   3 images (--fit contain, background 0x000000)'), text);
    assert.equal(existsSync(join(dir, 'sub')), false, 'not even the output folder');
    assert.deepEqual((await readdir(dir)).sort(), ['f1.png', 'f2.png', 'f3.png']);
  });

  it('--dry-run --json prints the plan event only', async (t) => {
    const { dir } = await frames(t, 2);
    const result = await runCli(['stitch', dir, '-o', join(dir, 'out.mp4'), '--dry-run', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const events = lines(result.stdout).map((line) => JSON.parse(line) as { event: string; images: number });
    assert.deepEqual(
      events.map((e) => [e.event, e.images]),
      [['plan', 2]],
    );
    assert.equal(existsSync(join(dir, 'out.mp4')), false);
  });
});

describe('cli: interrupted', () => {
  /** 200 frames of 640x480 (4 pictures, repeated) at preset veryslow: many seconds of work. */
  async function longJob(t: Parameters<typeof tempDir>[0]): Promise<{ dir: string; args: string[]; out: string }> {
    const dir = await tempDir(t);
    const pictures = await writeFrames(
      dir,
      [0, 1, 2, 3].map((n) => ({ name: `p${n}.png`, image: scene(640, 480, n * 9) })),
    );
    const out = join(dir, 'out', 'long.mp4');
    const inputs = Array.from({ length: 200 }, (_, i) => pictures[i % pictures.length] as string);
    return { dir, out, args: ['stitch', ...inputs, '-o', out, '--preset', 'veryslow', '--json'] };
  }

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} in the middle of an encode: exit ${code}, no output and no temporary file left`, async (t) => {
      const { dir, out, args } = await longJob(t);
      const child = spawnCli(args);
      const result = finished(child);
      let stdout = '';
      let sawTemporary = false;
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer | string) => {
          stdout += String(chunk);
          if (!stdout.split('\n').some((line) => line.startsWith('{"event":"progress"'))) return;
          child.stdout?.removeAllListeners('data');
          // The encode is under way: its temporary file is there, the output not yet.
          readdir(join(dir, 'out')).then((names) => {
            sawTemporary = names.some((n) => n.endsWith('.flipbook.part'));
            child.kill(signal);
            resolve();
          }, reject);
        });
        child.on('exit', () => reject(new Error(`exited before the first progress line: ${stdout}`)));
      });
      const { code: exitCode, stderr } = await result;
      assert.ok(sawTemporary, 'a temporary file existed while encoding');
      assert.equal(exitCode, code, stderr);
      assert.equal(existsSync(out), false, 'no output');
      assert.deepEqual(await leftoverParts(join(dir, 'out')), [], 'no temporary file');
      assert.match(stderr, new RegExp(`^flipbook: error: interrupted by ${signal}; no output was left behind\\n$`));
    });
  }
});
