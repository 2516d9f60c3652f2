export { formatBytes } from '../util/format.js';
import { type Text, renderText } from '../errors.js';
import { flagStyle } from './flags.js';
import cliProgress from 'cli-progress';

import type { Progress } from '../options/output-options.js';

export type ReportMode = 'bar' | 'plain' | 'json' | 'quiet';

export interface ReporterOptions {
  json?: boolean;
  quiet?: boolean;
}

/** stdout and stderr as the reporter sees them; tests pass their own. */
export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Where the error line goes instead of stderr: the guarded child hands it to its parent (terminal.ts). */
  errorLine?: (line: string) => void;
}

/**
 * Everything the command shows, in one place: a progress bar on a terminal, nothing of it
 * when piped, JSON lines with --json, nothing but errors with --quiet.
 */
export class Reporter {
  readonly mode: ReportMode;
  private readonly streams: Streams;
  private bar: cliProgress.SingleBar | undefined;
  /** The pass the bar shows ('' for a video). */
  private barLabel = '';
  /**
   * Every warning said, its options as flags: a command's `done` event lists these rather than
   * its result's `warnings`, which are in the library's words.
   */
  readonly warnings: string[] = [];

  constructor(options: ReporterOptions, streams: Streams = process) {
    this.streams = streams;
    this.mode = options.json ? 'json' : options.quiet ? 'quiet' : streams.stderr.isTTY ? 'bar' : 'plain';
  }

  /** A machine-readable event (only with --json). */
  event(name: string, data: Record<string, unknown>): void {
    if (this.mode === 'json') this.streams.stdout.write(`${JSON.stringify({ event: name, ...data })}\n`);
  }

  /** A warning, its options spelled as flags. */
  warning(message: Text): void {
    const said = renderText(message, flagStyle);
    this.warnings.push(said);
    if (this.mode === 'json') this.event('warning', { message: said });
    else if (this.mode !== 'quiet') this.line(this.streams.stderr, `flipbook: ${terminalSafe(said)}`);
  }

  /** Human output on stdout (the summary, a dry-run plan): its lines are its own, what it names is not. */
  info(text: string): void {
    if (this.mode === 'bar' || this.mode === 'plain') this.line(this.streams.stdout, terminalSafe(text, '\n'));
  }

  progress(p: Progress, unit = 'frames'): void {
    const stage = p.stage === undefined ? {} : { stage: p.stage, attempt: p.attempt ?? 1 };
    if (this.mode === 'json') {
      this.event('progress', { frame: p.frame, total: p.total, fps: round(p.fps, 2), eta: p.eta === undefined ? null : round(p.eta, 1), elapsed: round(p.elapsed, 2), ...stage });
      return;
    }
    if (this.mode !== 'bar') return;
    // A GIF, WebP or APNG goes over its frames in passes, each from 0: a bar of its own for
    // each, labelled (its speed and ETA are the pass's).
    const label = p.stage === undefined ? '' : `${p.stage}${(p.attempt ?? 1) > 1 ? ` (try ${p.attempt})` : ''} `;
    if (this.bar && label !== this.barLabel) this.stop();
    if (!this.bar) {
      this.barLabel = label;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.streams.stderr as NodeJS.WritableStream,
          format: `{label}{bar} {percentage}% | {value}/{total} ${unit} | {speed} fps | ETA {eta_formatted}`,
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
          fps: 10,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(p.total, 0, { speed: '-', label });
    }
    this.bar.setTotal(p.total);
    this.bar.update(p.frame, { speed: p.fps.toFixed(1) });
  }

  /** Removes the bar (before printing a summary or an error). */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  /** The error line; `detail` (a stack trace, with --verbose) follows it. */
  error(message: string, data: Record<string, unknown>, detail?: string): void {
    this.stop();
    this.event('error', { message, ...data });
    const said = `flipbook: error: ${terminalSafe(message)}${detail === undefined ? '' : `\n${terminalSafe(detail, '\n')}`}`;
    if (this.streams.errorLine) this.streams.errorLine(said);
    else this.line(this.streams.stderr, said);
  }

  private line(stream: NodeJS.WritableStream, text: string): void {
    if (this.bar) this.bar.stop();
    stream.write(`${text}\n`);
  }
}

/**
 * Text made safe to show on a terminal: the control characters a file's name can hold (a
 * newline that fakes a line of its own, ESC sequences that colour, move the cursor or retitle
 * the window; C1 controls, which some terminals read as ESC sequences; bidirectional overrides
 * that reorder what is shown) written as escapes (`\n`, `\x1b`, `\u202e`), so a hostile name
 * shows as what it is. `keep` lists those that are the text's own (the line breaks of a plan).
 * JSON events carry the text as it is.
 */
export function terminalSafe(text: string, keep = ''): string {
  return text.replace(UNSAFE, (c) => {
    if (keep.includes(c)) return c;
    const named = NAMED_ESCAPES[c];
    if (named !== undefined) return named;
    const code = c.codePointAt(0) ?? 0;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// C0 controls (tab included: it moves the cursor), DEL, C1 controls, bidirectional overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
