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
  | 'MISSING_PACKAGE';

export interface FlipbookErrorDetails {
  /** The file the error is about. */
  file?: string;
  /** Its 1-based position among the inputs, where it is an input. */
  position?: number;
  /** The option the error is about, as the library names it (`fps`, `size`...). */
  option?: string;
  /** What to do about it, one sentence. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
}

export class FlipbookError extends Error {
  override name = 'FlipbookError';
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly position: number | undefined;
  readonly option: string | undefined;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, details: FlipbookErrorDetails = {}) {
    super(details.hint ? `${message}. ${details.hint}` : message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.file = details.file;
    this.position = details.position;
    this.option = details.option;
    this.hint = details.hint;
  }
}

/** Describes a received value for an error message: `"spoons" (string)`, `-3`, `undefined`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a value of type ${typeof value}`;
}

/** The error for an option value: names the option, what was expected and what was received. */
export function invalidOption(option: string, expected: string, received: unknown, hint?: string): FlipbookError {
  return new FlipbookError('INVALID_OPTION', `Expected ${expected} for ${option} but received ${describeValue(received)}`, {
    option,
    ...(hint === undefined ? {} : { hint }),
  });
}

export function isFlipbookError(error: unknown): error is FlipbookError {
  return error instanceof FlipbookError;
}
