/**
 * What every engine module needs first: the Node 20 polyfill node-av relies on, FFmpeg's own
 * log silenced (flipbook reports through its callbacks and errors), and turning FFmpeg's
 * negative return codes into FlipbookErrors that say what was being done to which file.
 */
import { FFmpegError, Log } from 'node-av/lib';
import { AV_LOG_QUIET, AVERROR_EAGAIN, AVERROR_EOF } from 'node-av/constants';

import { type ErrorCode, FlipbookError } from '../errors.js';

// node-av's Demuxer calls Promise.withResolvers, which Node 20 lacks (it came in Node 22).
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

Log.setLevel(AV_LOG_QUIET);

export const EAGAIN = AVERROR_EAGAIN as number;
export const EOF = AVERROR_EOF as number;

/** FFmpeg's text for an error code ("Invalid data found when processing input"). */
export function ffmpegMessage(code: number): string {
  return new FFmpegError(code).message.replace(/^FFmpeg error:\s*/i, '');
}

export interface CheckContext {
  file?: string | undefined;
  position?: number | undefined;
  code?: ErrorCode;
  hint?: string;
}

/** Throws a FlipbookError when `ret` is an FFmpeg error code; returns it otherwise. */
export function check(ret: number, doing: string, context: CheckContext = {}): number {
  if (ret >= 0) return ret;
  const where = context.file ? ` ${context.file}${context.position ? ` (input ${context.position})` : ''}` : '';
  throw new FlipbookError(context.code ?? 'ENGINE', `FFmpeg failed to ${doing}${where}: ${ffmpegMessage(ret)}`, {
    ...(context.file === undefined ? {} : { file: context.file }),
    ...(context.position === undefined ? {} : { position: context.position }),
    ...(context.hint === undefined ? {} : { hint: context.hint }),
  });
}
