import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import { opt, renderText, text, type Text } from '../errors.js';
import { formatBytes } from '../util/format.js';
import { type MemoryLimit, memoryLimit } from '../util/memory-limit.js';
import { flagStyle } from './flags.js';
import { GUARD_MARK, type GuardRecord, TERMINAL_FD_ENV } from './guard-protocol.js';

/**
 * The stderr guard. Where a memory allocation can fail, x264 says so itself, with no handle to
 * log through: `x264 [error]: malloc of size 330022912 failed`, printed straight to the
 * process's standard error, past FFmpeg's log (which flipbook captures), and a process cannot
 * take back its fd 2 from Node. So the command runs itself as a child whose fd 2 is a pipe to
 * this parent and whose own output goes to the terminal's standard error, handed to it as fd 3
 * (terminal.ts). The parent keeps the engine's lines off the terminal and turns a run that
 * ran out of memory into one flipbook error.
 */

/** `FLIPBOOK_GUARD_STDERR=1` guards every run, `0` none; unset, the CLI decides (guardReason). */
export const GUARD_ENV = 'FLIPBOOK_GUARD_STDERR';

/** The engine's lines kept at most. */
const KEPT_LINES = 20;

/** The descriptor the child is given the terminal's standard error on. */
const CHILD_TERMINAL_FD = 3;

/** Why an allocation can fail here (see memoryLimit), or that the guard was asked for: why the run is guarded. */
export type GuardReason = { kind: 'asked' } | MemoryLimit;

/**
 * Whether this run needs the guard: only where malloc can fail (Linux, with an address-space
 * limit or strict overcommit), or when asked; never in the guarded child itself. Two small
 * reads of /proc.
 */
export function guardReason(env: NodeJS.ProcessEnv = process.env): GuardReason | undefined {
  if (env[TERMINAL_FD_ENV] !== undefined) return undefined;
  if (env[GUARD_ENV] === '0') return undefined;
  if (env[GUARD_ENV] === '1') return { kind: 'asked' };
  return memoryLimit();
}

/** A line the engine wrote itself: x264's (`x264 [error]: ...`), FFmpeg's (`[libx264 @ 0x...] ...`), SVT-AV1's (`Svt[error]: ...`). */
export function isEngineLine(line: string): boolean {
  return /^x264 \[\w+\]: /.test(line) || /^\[[\w.-]+ @ 0x[0-9a-f]+\] /.test(line) || /^Svt\[\w+\]: /.test(line);
}

/** The bytes x264 could not allocate, if a line says so. */
function failedAllocation(lines: readonly string[]): number | undefined {
  for (const line of lines) {
    const size = /^x264 \[error\]: malloc of size (\d+) failed/.exec(line)?.[1];
    if (size !== undefined) return Number(size);
  }
  return undefined;
}

/** The error for a run whose encoder could not allocate memory, naming the output and the limit that refused. */
export function outOfMemory(bytes: number, output: string | undefined, reason: GuardReason | undefined): Text {
  const writing = output === undefined ? '' : ` writing ${output}`;
  const fact = `The encoder ran out of memory${writing}: x264 could not allocate ${formatBytes(bytes)}`;
  if (reason?.kind === 'address-space') {
    return text`${fact}, refused by this process's address-space limit (ulimit -v: ${Math.floor(reason.bytes / 1024)} kB). Set a smaller ${opt('size')} (or ${opt('width')}, ${opt('height')}) or a faster ${opt('preset')}, or raise the limit (ulimit -v)`;
  }
  if (reason?.kind === 'overcommit') {
    return text`${fact}, refused by the system's commit limit (vm.overcommit_memory is 2). Set a smaller ${opt('size')} (or ${opt('width')}, ${opt('height')}), a faster ${opt('preset')} or fewer ${opt('jobs')}, or free memory`;
  }
  return text`${fact}. Set a smaller ${opt('size')} (or ${opt('width')}, ${opt('height')}) or a faster ${opt('preset')}`;
}

/**
 * Runs this command line again as a guarded child and ends this process as the child ended:
 * its exit code, or its signal raised again. stdin and stdout are the child's own.
 */
export function runGuarded(reason: GuardReason, argv: readonly string[] = process.argv): void {
  const [, script, ...args] = argv;
  const child = spawn(process.execPath, [...process.execArgv, script!, ...args], {
    stdio: ['inherit', 'inherit', 'pipe', 2],
    env: { ...process.env, [TERMINAL_FD_ENV]: String(CHILD_TERMINAL_FD) },
  });
  // Every signal is passed on. Ctrl-C also reaches the child from the terminal (the same
  // process group), so the child hears it twice, a moment apart, and takes it once
  // (runCommand); a SIGINT sent to this process alone (kill -INT, a supervisor, timeout -s INT)
  // would otherwise never reach the child, which would run on to the end.
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }

  const kept: string[] = [];
  let command: Extract<GuardRecord, { type: 'command' }> | undefined;
  let failure: string | undefined;
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', (line) => {
    if (line.startsWith(GUARD_MARK)) {
      const record = JSON.parse(line.slice(GUARD_MARK.length)) as GuardRecord;
      if (record.type === 'command') command = record;
      else failure = record.line;
    } else if (isEngineLine(line)) {
      // The last few (a long-running `flipbook worker` keeps no more), and every failed allocation.
      if (kept.length >= KEPT_LINES) {
        const oldest = kept.findIndex((l) => failedAllocation([l]) === undefined);
        kept.splice(oldest === -1 ? 0 : oldest, 1);
      }
      kept.push(line);
    } else {
      say(line);
    }
  });

  child.on('error', (error) => {
    say(`flipbook: error: cannot run the guarded command: ${error.message}`);
    process.exitCode = 1;
  });
  child.on('close', (code, signal) => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
    const failed = signal !== null || code !== 0;
    const encoderSaid = kept.map((line) => `flipbook: the encoder said: ${line}`);
    if (command?.verbose) encoderSaid.forEach(say);
    if (failed) {
      const bytes = failedAllocation(kept);
      if (bytes !== undefined) {
        say(`flipbook: error: ${renderText(outOfMemory(bytes, command?.output, memoryLimit() ?? reason), flagStyle)}`);
        // With --verbose, the child's own error and its stack too.
        if (command?.verbose && failure !== undefined) say(failure);
      } else if (failure !== undefined) say(failure);
      else if (kept.length > 0 && !command?.verbose) say(`flipbook: error: the encoder stopped the run: ${kept.join(' | ')}`);
    } else if (kept.length > 0 && !command?.verbose && !command?.quiet) {
      const message = `the encoder said: ${kept.join(' | ')}`;
      if (command?.json) process.stdout.write(`${JSON.stringify({ event: 'warning', message })}\n`);
      else say(`flipbook: ${message}`);
    }
    if (signal !== null) {
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
}
