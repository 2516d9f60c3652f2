import type { Command } from 'commander';

import { OUTPUT_FORMATS } from '../options/output-formats.js';
import { shellQuote } from '../util/format.js';

/**
 * People coming from ffmpeg type its flags (`-i`, `-r`, `-framerate`, `-c:v`, `-pix_fmt`,
 * `-pattern_type`, `-vf scale=`, the output last without `-o`). Instead of "unknown option",
 * flipbook answers with what each one is in flipbook and the whole command line it would take.
 */
export interface FfmpegTranslation {
  /** One phrase per ffmpeg flag: what it is in flipbook. */
  notes: string[];
  /** The flipbook command line that does the job, as words (without `flipbook`). */
  suggestion: string[];
}

const CODECS: Record<string, string> = {
  libx264: 'h264',
  h264: 'h264',
  libx265: 'h265',
  hevc: 'h265',
  h265: 'h265',
  'libvpx-vp9': 'vp9',
  vp9: 'vp9',
  libsvtav1: 'av1',
  'libaom-av1': 'av1',
  librav1e: 'av1',
  av1: 'av1',
  prores: 'prores',
  prores_ks: 'prores',
};

const CODEC_FLAGS = new Set(['-c:v', '-vcodec', '-codec:v']);
const RATE_FLAGS = new Set(['-r', '-framerate']);
const FILTER_FLAGS = new Set(['-vf', '-filter:v']);
/** ffmpeg flags recognised here, each followed by a value. */
const FFMPEG_FLAGS = new Set(['-i', ...RATE_FLAGS, ...CODEC_FLAGS, '-pix_fmt', '-pattern_type', ...FILTER_FLAGS, '-crf', '-preset', '-s']);

/** Commands whose output is given with -o, and the extensions that mark an output given last without it. */
function looksLikeOutput(command: string, file: string): boolean {
  const lower = file.toLowerCase();
  if (command === 'stitch') return OUTPUT_FORMATS.some((f) => lower.endsWith(f.extension));
  if (command === 'split') return /\.(png|jpe?g|webp|tiff?|bmp)$/.test(lower) || file.includes('%');
  if (command === 'sheet') return /\.(png|jpe?g)$/.test(lower);
  if (command === 'html') return /\.html?$/.test(lower);
  return false;
}

/**
 * The command an ffmpeg line typed without one means (`flipbook -i movie.mp4 f_%04d.png`): split
 * when it ends in image files, else stitch. Undefined when the line does not start with an ffmpeg
 * flag: then it is left to the argument parser ("unknown option", "unknown command").
 */
export function ffmpegCommand(argv: readonly string[]): 'stitch' | 'split' | undefined {
  if (!FFMPEG_FLAGS.has(argv[0] ?? '')) return undefined;
  // The last word is the output unless it is a flag's value (`-i a.png` names an input).
  const last = argv.at(-1) ?? '';
  return !FFMPEG_FLAGS.has(argv.at(-2) ?? '') && looksLikeOutput('split', last) ? 'split' : 'stitch';
}

/** How many arguments a command takes at most (undefined: any number). */
function maxArguments(command: Command): number | undefined {
  const args = command.registeredArguments;
  return args.some((a) => a.variadic) ? undefined : args.length;
}

/**
 * Reads a command's arguments for ffmpeg's flags. Returns undefined when there is none (the
 * argument parser then goes on as usual), else what each is in flipbook and the command line.
 */
export function translateFfmpeg(command: Command, args: readonly string[]): FfmpegTranslation | undefined {
  const name = command.name();
  const takesValue = new Map<string, boolean>();
  for (const option of command.options) {
    for (const flag of [option.short, option.long]) if (flag) takesValue.set(flag, option.required || option.optional);
  }
  const notes: string[] = [];
  const positionals: string[] = [];
  const options: string[] = [];
  let output: string | undefined;
  let recognised = false;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (word === '--') {
      // After --, every word is an input, -o too: an -o there is taken as the output it was meant as.
      const rest = args.slice(i + 1);
      const at = rest.findIndex((w) => w === '-o' || w === '--output');
      const value = at >= 0 ? rest[at + 1] : undefined;
      if (output === undefined && value !== undefined) {
        output = value;
        rest.splice(at, 2);
        recognised = true;
        notes.push(`after --, every word is an input: -o ${shellQuote(value)} goes before it`);
      }
      positionals.push(...rest);
      break;
    }
    const known = takesValue.get(word.split('=')[0] ?? word);
    if (known !== undefined) {
      const value = known && !word.includes('=') ? args[++i] : undefined;
      if (word === '-o' || word === '--output') output = value;
      else options.push(word, ...(value === undefined ? [] : [value]));
      continue;
    }
    if (!FFMPEG_FLAGS.has(word)) {
      if (word.startsWith('-') && word.length > 1 && !/^-\d/.test(word)) options.push(word);
      else positionals.push(word);
      continue;
    }
    recognised = true;
    const value = args[++i];
    if (value === undefined) {
      notes.push(`${word} is ffmpeg's and needs a value`);
      continue;
    }
    const add = (flag: string, flagValue: string): boolean => {
      if (!takesValue.has(flag)) return false;
      options.push(flag, flagValue);
      return true;
    };
    notes.push(translateFlag(name, word, value, positionals, add));
  }
  if (output === undefined && positionals.length >= 2 && looksLikeOutput(name, positionals.at(-1) ?? '')) {
    const max = maxArguments(command);
    if (max === undefined || positionals.length > max) {
      output = positionals.pop();
      recognised = true;
      notes.push(`the output is given with -o (-o ${shellQuote(output ?? '')}), not last`);
    }
  }
  if (!recognised) return undefined;
  // An input that starts with - stays after a -- of its own, the options before it.
  const suggestion = positionals.some((p) => p.startsWith('-'))
    ? [name, ...(output === undefined ? [] : ['-o', output]), ...options, '--', ...positionals]
    : [name, ...positionals, ...(output === undefined ? [] : ['-o', output]), ...options];
  return { notes, suggestion };
}

/** One ffmpeg flag: adds its flipbook equivalent to the words and says what it is. */
function translateFlag(command: string, flag: string, value: string, positionals: string[], add: (flag: string, value: string) => boolean): string {
  const said = `${flag} ${value}`;
  const none = `${said} has no equivalent in flipbook ${command}`;
  if (flag === '-i') {
    positionals.push(value);
    return `inputs need no -i (${shellQuote(value)} alone)`;
  }
  if (RATE_FLAGS.has(flag)) {
    return add('--fps', value) ? `${said} is --fps ${value}` : none;
  }
  if (flag === '-crf' || flag === '-preset') {
    return add(`-${flag}`, value) ? `${said} is -${said}` : none;
  }
  if (flag === '-s') {
    return add('--size', value) ? `${said} is --size ${value}` : none;
  }
  if (CODEC_FLAGS.has(flag)) {
    const codec = CODECS[value];
    if (command !== 'stitch') return none;
    if (codec === undefined) return `${said}: flipbook's codecs are --codec h264, h265, vp9, av1 or prores`;
    if (codec !== 'h264') add('--codec', codec);
    return `${said} is --codec ${codec}${codec === 'h264' ? ' (the default)' : ''}`;
  }
  if (flag === '-pix_fmt') {
    return `${said} is not needed: flipbook picks the pixel format (yuv420p for H.264, the one that plays everywhere; --alpha keep for transparency)`;
  }
  if (flag === '-pattern_type') {
    return value === 'glob'
      ? `${said} is not needed: flipbook expands globs itself (quote them: 'frames/*.png')`
      : `${said} is not needed: flipbook reads %05d sequences as they are`;
  }
  // -vf: scale= (and fps= for split) have equivalents; other filters do not.
  const parts: string[] = [];
  for (const filter of value.split(',')) {
    const scale = /^scale=(?:w=)?(-?\d+)[:x](?:h=)?(-?\d+)/.exec(filter);
    const fps = /^fps=(?:fps=)?([\d./]+)$/.exec(filter);
    if (scale) {
      const [w, h] = [Number(scale[1]), Number(scale[2])];
      if (w > 0 && h > 0) {
        if (add('--size', `${w}x${h}`)) parts.push(`${filter} is --size ${w}x${h}`);
        else if (add('--width', String(w)) && add('--height', String(h))) parts.push(`${filter} is --width ${w} --height ${h}`);
        else parts.push(`${filter} has no equivalent in flipbook ${command}`);
      } else if (w > 0 && add('--width', String(w))) {
        parts.push(`${filter} is --width ${w}`);
      } else if (h > 0 && add('--height', String(h))) {
        parts.push(`${filter} is --height ${h}`);
      } else {
        parts.push(`${filter} has no equivalent in flipbook ${command}`);
      }
    } else if (fps && add('--fps', fps[1] ?? '')) {
      parts.push(`${filter} is --fps ${fps[1]}`);
    } else {
      parts.push(`${filter} has no flipbook equivalent`);
    }
  }
  return `${flag}: ${parts.join(', ')}`;
}
