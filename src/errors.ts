import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * flipbook's one error type. Every failure the library reports is a FlipbookError with a
 * stable `code`, and where it applies the file, its position and the option involved, so a
 * caller (or the CLI) can act on it without parsing the message.
 */
export type ErrorCode =
  /** An option or argument has a value flipbook does not accept. */
  | 'INVALID_OPTION'
  /** An input path, pattern or directory matched no image. */
  | 'NO_INPUT'
  /** An input file is missing, unreadable, not an image, corrupt or truncated. */
  | 'INVALID_INPUT'
  /** An image's declared size is above the pixel limit. */
  | 'PIXEL_LIMIT'
  /** An image has another size than the video and `fit: 'error'` was asked. */
  | 'SIZE_MISMATCH'
  /** The output exists and overwriting was not asked. */
  | 'OUTPUT_EXISTS'
  /** The output would be written over one of the inputs. */
  | 'OUTPUT_IS_INPUT'
  /** The output's extension or codec is not supported. */
  | 'UNSUPPORTED_OUTPUT'
  /** The output cannot be made as small as `maxSize` asks. */
  | 'OUTPUT_TOO_LARGE'
  /** FFmpeg failed while decoding, filtering, encoding or writing. */
  | 'ENGINE'
  /** The run was cancelled through its AbortSignal (the CLI: SIGINT or SIGTERM). */
  | 'ABORTED'
  /** The file system refused a read or a write. */
  | 'IO'
  /** An optional package a feature needs is not installed (`@napi-rs/canvas` for animate). */
  | 'MISSING_PACKAGE'
  /** The queue (`queue`: Redis) cannot be reached, or a queue job was refused or failed. */
  | 'QUEUE';

/** A reference to an option inside an error's or a warning's text: `fit`, `fit: 'contain'`, or one of a few values. */
export interface OptionRef {
  readonly option: string;
  readonly value?: string | number | boolean;
  /** Values to choose from, said as one: the library's `fit: 'contain', 'cover' or 'fill'`, the command line's `--fit contain|cover|fill`. */
  readonly choices?: readonly string[];
}

/**
 * Text that may name options: plain strings and option references, so that the library can
 * say `skipInvalid: true` and the command line `--skip-invalid` from one sentence, without
 * either rewriting the other's words.
 */
export type Text = string | readonly (string | OptionRef)[];

/**
 * Where warnings go: the message with options as the library names them, and the same as
 * Text, for a front end that spells options its own way (the command line's flags).
 */
export type WarningHandler = (message: string, text: Text) => void;

/** An option named in a Text: `opt('fit', 'contain')`. */
export function opt(option: string, value?: string | number | boolean): OptionRef {
  return value === undefined ? { option } : { option, value };
}

/** An option and the values to choose from: `optChoice('fit', ['contain', 'cover', 'fill'])`. */
export function optChoice(option: string, choices: readonly string[]): OptionRef {
  return { option, choices };
}

/**
 * A Text from a template: `` text`Pass ${opt('skipInvalid', true)} to skip it` ``. A Text among
 * the values is taken in, its option references kept.
 */
export function text(strings: TemplateStringsArray, ...values: unknown[]): (string | OptionRef)[] {
  const parts: (string | OptionRef)[] = [];
  strings.forEach((s, i) => {
    parts.push(s);
    if (i < values.length) {
      const value = values[i];
      if (Array.isArray(value) && value.every((v) => typeof v === 'string' || isOptionRef(v))) parts.push(...(value as (string | OptionRef)[]));
      else parts.push(isOptionRef(value) ? value : String(value));
    }
  });
  return parts;
}

function isOptionRef(value: unknown): value is OptionRef {
  return typeof value === 'object' && value !== null && typeof (value as OptionRef).option === 'string';
}

/** How an option is spelled: the library's `fit: 'contain'`, or the command line's `--fit contain`. */
export type OptionStyle = (ref: OptionRef) => string;

export const libraryStyle: OptionStyle = ({ option, value, choices }) => {
  if (choices) return `${option}: ${choices.map((c) => `'${c}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}`;
  return value === undefined ? option : `${option}: ${typeof value === 'string' ? `'${value}'` : String(value)}`;
};

export function renderText(t: Text, style: OptionStyle = libraryStyle): string {
  return typeof t === 'string' ? t : t.map((part) => (typeof part === 'string' ? part : style(part))).join('');
}

export interface FlipbookErrorDetails {
  /** The file the error is about. */
  file?: string;
  /** Its 1-based position among the inputs, where it is an input. */
  position?: number;
  /** The option the error is about, as the library names it (`fps`, `size`...). */
  option?: string;
  /** What to do about it, one sentence. */
  hint?: Text;
  /** The underlying error. */
  cause?: unknown;
}

export class FlipbookError extends Error {
  override name = 'FlipbookError';
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly position: number | undefined;
  readonly option: string | undefined;
  /** What happened, as Text (options as references). */
  readonly factText: Text;
  /** What to do about it, as Text. */
  readonly hintText: Text | undefined;

  constructor(code: ErrorCode, fact: Text, details: FlipbookErrorDetails = {}) {
    super('', details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.file = details.file;
    this.position = details.position;
    this.option = details.option;
    this.factText = fact;
    this.hintText = details.hint;
    this.message = this.render();
  }

  /** What happened, options named as the library names them. */
  get fact(): string {
    return this.renderFact(libraryStyle);
  }

  /** What to do about it, options named as the library names them. */
  get hint(): string | undefined {
    return this.hintText === undefined ? undefined : renderText(this.hintText);
  }

  /** The whole message in a style: the fact, then the hint. */
  render(style: OptionStyle = libraryStyle): string {
    const fact = this.renderFact(style);
    return this.hintText === undefined ? fact : `${fact}. ${renderText(this.hintText, style)}`;
  }

  private renderFact(style: OptionStyle): string {
    return renderText(this.factText, style);
  }
}

/** Describes a received value for an error message: `"spoons" (string)`, `-3`, `undefined`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  // A typed array of the wrong kind (floats for bytes) is named as such, not as an object.
  if (ArrayBuffer.isView(value)) return value instanceof DataView ? `a DataView of ${value.byteLength} bytes` : `a ${value.constructor.name} of ${(value as unknown as ArrayLike<unknown>).length}`;
  return `a value of type ${typeof value}`;
}

/** The error for an option value: names the option, what was expected (which may name other options) and what was received. */
export function invalidOption(option: string, expected: Text, received: unknown, hint?: Text): FlipbookError {
  return new FlipbookError('INVALID_OPTION', text`Expected ${expected} for ${opt(option)} but received ${describeValue(received)}`, {
    option,
    ...(hint === undefined ? {} : { hint }),
  });
}

/**
 * What is expected of options that exclude each other, for invalidOption: `either scale or
 * width/height (not both)`, each option named as the front end names it.
 */
export function eitherNotBoth(either: readonly string[], or: readonly string[]): Text {
  const names = (options: readonly string[]): (string | OptionRef)[] => options.flatMap((o, i) => (i === 0 ? [opt(o)] : ['/', opt(o)]));
  return ['either ', ...names(either), ' or ', ...names(or), ' (not both)'];
}

export function isFlipbookError(error: unknown): error is FlipbookError {
  return error instanceof FlipbookError;
}

/** What the file system's refusals mean, in words (their codes follow in parentheses). */
const SYSTEM_REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EIO: 'input/output error',
  EFBIG: 'file too large for the file system',
  ENAMETOOLONG: 'name too long',
  EMFILE: 'too many open files',
  EXDEV: 'not on the same file system',
};

/**
 * Why the system refused a read or a write, as a message says it: `no space left on device
 * (ENOSPC)`, never a bare code; an error without a code as its own message.
 */
export function systemReason(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return cause instanceof Error ? cause.message : String(cause);
  const words = SYSTEM_REASONS[code];
  return words === undefined ? code : `${words} (${code})`;
}

/**
 * The error for an input file that cannot be opened: a missing one says so and to check the
 * path, a refused one to check its permissions (never a bare ENOENT). `where` is how the message
 * names it: the path, or `a.png (input 3)`.
 */
export function cannotOpen(file: string, cause: unknown, details: { where?: string; position?: number | undefined } = {}): FlipbookError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' && notUtf8(file)) {
    return new FlipbookError('INVALID_INPUT', `Cannot open ${details.where ?? file}: ${NOT_UTF8_REASON}`, {
      file,
      ...(details.position === undefined ? {} : { position: details.position }),
      cause,
      hint: NOT_UTF8_HINT,
    });
  }
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : systemReason(cause);
  return new FlipbookError('INVALID_INPUT', `Cannot open ${details.where ?? file}: ${reason}`, {
    file,
    ...(details.position === undefined ? {} : { position: details.position }),
    cause,
    hint: code === 'ENOENT' ? 'Check the path' : code === 'EISDIR' ? 'Give the path of a file' : 'Check the file and its permissions',
  });
}

/**
 * Whether a path that was not found may have lost bytes on its way in. Node.js carries file
 * names (a directory's listing, a glob's matches, the command line) as UTF-8 text: a name with
 * bytes that are not UTF-8 (Latin-1 `caf\xe9.png` from an old camera or archive) arrives with
 * U+FFFD in their place, and that name no longer names the file, which is still there.
 */
export function notUtf8(path: string): boolean {
  if (!path.includes('\uFFFD')) return false;
  let names: Buffer[];
  try {
    names = readdirSync(dirname(path), { encoding: 'buffer' });
  } catch {
    // The folder is not found either: whether its own name lost bytes the same way.
    return notUtf8(dirname(path));
  }
  // A file whose bytes read as this name (not UTF-8: they do not come back from the text).
  const name = basename(path);
  return names.some((bytes) => bytes.toString() === name && !Buffer.from(name).equals(bytes));
}

export const NOT_UTF8_REASON = 'its name has bytes that are not UTF-8 (shown as \uFFFD), and such a name cannot be passed back to the file system from Node.js';
export const NOT_UTF8_HINT = 'Rename the file to a UTF-8 name';

/** The hint of every error about an input file that `skipInvalid` would skip. */
export const SKIP_HINT: Text = text`Replace or remove the file, or pass ${opt('skipInvalid', true)} to skip it`;
