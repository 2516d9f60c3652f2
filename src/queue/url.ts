import { resolve as resolvePath } from 'node:path';

import { FlipbookError, describeValue, opt, text } from '../errors.js';

/** A Redis address for the queue, checked: `redis://[user:password@]host[:port][/db]`. */
export interface QueueAddress {
  /** The URL as given, for ioredis. */
  url: string;
  /** The URL without its password, for messages. */
  shown: string;
  host: string;
  port: number;
}

/**
 * Checks a queue URL without connecting: `redis://` only (a `rediss://` TLS or `unix:` address
 * is refused rather than half supported), with a host. `option` is the option that carried it.
 */
export function parseQueueUrl(value: unknown, option = 'queue'): QueueAddress {
  const hint = text`Pass ${opt(option)} as redis://host:6379 (the Redis server the workers use)`;
  if (typeof value !== 'string' || value === '') {
    throw new FlipbookError('INVALID_OPTION', text`Expected a redis:// URL for ${opt(option)} but received ${describeValue(value)}`, { option, hint });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FlipbookError('INVALID_OPTION', text`${opt(option)} is not a URL: ${describeValue(value)}`, { option, hint });
  }
  const shown = redacted(url);
  if (url.protocol !== 'redis:') {
    throw new FlipbookError('INVALID_OPTION', text`${opt(option)} must be a redis:// URL, not ${url.protocol}// (${shown})`, { option, hint });
  }
  if (url.hostname === '') throw new FlipbookError('INVALID_OPTION', text`${opt(option)} names no host: ${shown}`, { option, hint });
  const port = url.port === '' ? 6379 : Number(url.port);
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) {
    throw new FlipbookError('INVALID_OPTION', text`${opt(option)} names a database that is not a number: ${shown}`, { option, hint });
  }
  return { url: value, shown, host: url.hostname, port };
}

/** The URL with its password replaced, safe to print. */
function redacted(url: URL): string {
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}

/** The queue options of an output, checked (the server is reached only when the run starts). */
export interface ResolvedQueue {
  address: QueueAddress;
  /** Absolute. */
  workDir: string;
  /** Seconds to wait for a worker to take the first segment; 0: for ever. */
  wait: number;
}

/** `queue` and `workDir` go together; undefined when neither is given. */
export function resolveQueueOptions(options: { queue?: unknown; workDir?: unknown; queueWait?: unknown }, wait: number): ResolvedQueue | undefined {
  const given = (v: unknown) => v !== undefined && v !== null;
  if (!given(options.queue)) {
    if (given(options.queueWait)) throw new FlipbookError('INVALID_OPTION', text`${opt('queueWait')} is for rendering on a queue, and no ${opt('queue')} was given`, { option: 'queueWait', hint: text`Pass ${opt('queue', 'redis://host:6379')} too, or leave out ${opt('queueWait')}` });
    if (given(options.workDir)) throw new FlipbookError('INVALID_OPTION', text`${opt('workDir')} is for rendering on a queue, and no ${opt('queue')} was given`, { option: 'workDir', hint: text`Pass ${opt('queue', 'redis://host:6379')} too, or leave out ${opt('workDir')}` });
    return undefined;
  }
  const address = parseQueueUrl(options.queue, 'queue');
  if (typeof options.workDir !== 'string' || options.workDir === '') {
    throw new FlipbookError('INVALID_OPTION', text`Rendering on a queue needs ${opt('workDir')}, the directory the workers write the segments to`, { option: 'workDir', hint: text`Pass ${opt('workDir', '/shared/flipbook')}, a directory every worker mounts` });
  }
  return { address, workDir: resolvePath(options.workDir), wait };
}
