import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, sep } from 'node:path';

import type { ImageFormat } from '../engine/index.js';
import { FlipbookError } from '../errors.js';
import { shellQuote } from '../util/format.js';
import { NAME_MAX } from './safe-output.js';

/** Image files split writes, by extension. The help text and the errors list these. */
export const IMAGE_OUTPUTS: readonly { extension: string; format: ImageFormat }[] = [
  { extension: '.png', format: 'png' },
  { extension: '.jpg', format: 'jpeg' },
  { extension: '.jpeg', format: 'jpeg' },
  { extension: '.webp', format: 'webp' },
  { extension: '.tif', format: 'tiff' },
  { extension: '.tiff', format: 'tiff' },
  { extension: '.bmp', format: 'bmp' },
];

/** The file name used inside a directory given as the output. */
export const DEFAULT_FRAME_NAME = 'frame_%06d.png';

export function imageFormatFor(file: string, option = 'output'): ImageFormat {
  const extension = extname(file).toLowerCase();
  const found = IMAGE_OUTPUTS.find((o) => o.extension === extension);
  if (!found) {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `Cannot write ${file}: ${extension ? `the extension ${extension} is not an image format flipbook writes` : 'it has no extension'}`, {
      file,
      option,
      hint: `Use one of ${IMAGE_OUTPUTS.map((o) => o.extension).join(', ')}`,
    });
  }
  return found.format;
}

/** A printf-style file pattern with one number, as ffmpeg's image2 muxer takes: img_%05d.png. */
export class FramePattern {
  /** The pattern, with a directory output turned into `dir/frame_%06d.png`. */
  readonly pattern: string;
  readonly directory: string;
  readonly format: ImageFormat;
  private readonly prefix: string;
  private readonly suffix: string;
  /** Digits the number is padded to with zeros: ffmpeg's image2 (av_get_frame_filename2) writes `%5d` as `%05d` does. */
  private readonly width: number;

  private constructor(pattern: string, prefix: string, suffix: string, width: number) {
    this.pattern = pattern;
    this.directory = dirname(pattern);
    this.prefix = prefix;
    this.suffix = suffix;
    this.width = width;
    this.format = imageFormatFor(pattern);
  }

  /**
   * Parses an output: a pattern such as `frames/img_%05d.png`, or a directory (an existing
   * one, or a path ending in `/`, or one without extension), which gets `frame_%06d.png`.
   */
  static parse(output: string): FramePattern {
    if (typeof output !== 'string' || output === '') {
      throw new FlipbookError('INVALID_OPTION', 'No output pattern was given', { option: 'output', hint: 'Pass a pattern such as frames/img_%05d.png, or a directory' });
    }
    const isDirectory = output.endsWith('/') || output.endsWith(sep) || (existsSync(output) && statSync(output).isDirectory()) || (!output.includes('%') && extname(output) === '');
    const pattern = isDirectory ? join(output, DEFAULT_FRAME_NAME) : output;
    const name = basename(pattern);
    if (dirname(pattern).includes('%')) {
      throw new FlipbookError('INVALID_OPTION', `The output ${output} has a % in its directory; only the file name may hold the number`, { option: 'output', hint: 'Use a pattern such as frames/img_%05d.png' });
    }
    const conversions = [...name.matchAll(/%(%|(0?)(\d*)d|[^%]?)/g)];
    const numbers = conversions.filter((m) => m[1] !== '%');
    const bad = numbers.find((m) => !m[1]?.endsWith('d'));
    const only = numbers[0];
    if (bad || numbers.length !== 1 || !only) {
      throw new FlipbookError('INVALID_OPTION', `The output ${output} needs exactly one frame number such as %05d in its file name${bad ? ` (found "${bad[0]}")` : numbers.length > 1 ? ` (found ${numbers.length})` : ''}`, {
        option: 'output',
        hint: 'Use a pattern such as frames/img_%05d.png (write %% for a literal %), or give a directory',
      });
    }
    const unescape = (s: string): string => s.replace(/%%/g, '%');
    const at = only.index ?? 0;
    const prefix = unescape(name.slice(0, at));
    const suffix = unescape(name.slice(at + only[0].length));
    // A frame's name must fit in a file name: the padded number and the rest, at most NAME_MAX bytes.
    const widest = NAME_MAX - Buffer.byteLength(prefix + suffix);
    const digits = only[3] ?? '';
    if (widest < 1 || digits.length > String(widest).length || Number(digits || 0) > widest) {
      const fixed = `${prefix}${suffix}`;
      throw new FlipbookError('INVALID_OPTION', widest < 1
        ? `The output ${output} leaves no room for the frame number: the rest of its file name is ${Buffer.byteLength(fixed)} bytes, and a file name holds at most ${NAME_MAX}`
        : `The output ${output} pads frame numbers to ${digits} digits, and a file name holds at most ${NAME_MAX} bytes: with the rest of the name, at most ${widest} fit`, {
        option: 'output',
        hint: 'Use a width such as %05d, or a shorter file name',
      });
    }
    return new FramePattern(pattern, prefix, suffix, Number(digits || 0));
  }

  /** The file for frame number `n`. */
  fileFor(n: number): string {
    const digits = String(n);
    const padded = digits.padStart(this.width, '0');
    return join(this.directory, `${this.prefix}${padded}${this.suffix}`);
  }

  /**
   * The files numbered `from` to `to` as shell words: one a file, or a brace range
   * (`frames/img_{00011..00300}.png`, bash and zsh) for a run.
   */
  shellWords(from: number, to: number): string[] | undefined {
    if (from === to) return [shellQuote(this.fileFor(from))];
    // A brace range pads every number to its widest end: a run across the pattern's own width
    // (%05d's 99999 to 100000) is two ranges.
    const padded = this.width > 1 ? 10 ** this.width : Infinity;
    if (from < padded && to >= padded) return [...(this.shellWords(from, padded - 1) ?? []), ...(this.shellWords(padded, to) ?? [])];
    const ends = [from, to].map((n) => {
      const file = this.fileFor(n);
      const digits = String(n).padStart(this.width, '0');
      return { before: file.slice(0, file.length - this.suffix.length - digits.length), digits };
    });
    return [`${shellQuote(ends[0]?.before ?? '')}{${ends[0]?.digits}..${ends[1]?.digits}}${shellQuote(this.suffix)}`];
  }

  /** The number a file name in the directory stands for, or undefined if it does not match. */
  numberOf(name: string): number | undefined {
    if (!name.startsWith(this.prefix) || !name.endsWith(this.suffix)) return undefined;
    const middle = name.slice(this.prefix.length, name.length - this.suffix.length).trim();
    if (!/^\d+$/.test(middle)) return undefined;
    const n = Number(middle);
    return basename(this.fileFor(n)) === name ? n : undefined;
  }

  /** Numbers of the existing files in the directory that match, sorted. */
  async existingNumbers(): Promise<number[]> {
    const names = await readdir(this.directory).catch(() => [] as string[]);
    return names
      .map((n) => this.numberOf(n))
      .filter((n): n is number => n !== undefined)
      .sort((a, b) => a - b);
  }
}
