import type { Redis, RedisOptions } from 'ioredis';

import { FlipbookError, opt, text } from '../errors.js';
import { dynamicImport } from '../util/dynamic-import.js';
import { type QueueAddress, parseQueueUrl } from './url.js';

/** How long the first contact with Redis may take before the run is refused. */
export const CONNECT_TIMEOUT_MS = 3000;

/** Opens Redis connections for BullMQ (which needs `maxRetriesPerRequest: null`) and closes them all. */
export class Connections {
  readonly address: QueueAddress;
  private readonly open: Redis[] = [];
  private readonly RedisClass: typeof Redis;

  private constructor(address: QueueAddress, RedisClass: typeof Redis) {
    this.address = address;
    this.RedisClass = RedisClass;
  }

  /**
   * Checks the URL, then that a Redis server answers PING there within `timeoutMs`; throws a
   * QUEUE error naming `option` otherwise. ioredis is loaded here, not at flipbook's import.
   */
  static async connect(url: unknown, option = 'queue', timeoutMs = CONNECT_TIMEOUT_MS): Promise<Connections> {
    const address = parseQueueUrl(url, option);
    const { Redis: RedisClass } = (await dynamicImport('ioredis')) as typeof import('ioredis');
    // disconnectTimeout: ioredis waits that long (2 s by default) to destroy a socket that never
    // connected, which would hold a failed command open for 2 s after its error.
    const probe = new RedisClass(address.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, disconnectTimeout: 100 });
    let lastError: Error | undefined;
    probe.on('error', (error: Error) => (lastError = error));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe.connect().then(() => probe.ping()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      throw new FlipbookError('QUEUE', text`Cannot reach the Redis server of ${opt(option)} at ${address.shown} (${(lastError ?? (error as Error)).message})`, {
        option,
        hint: 'Start redis-server there (or check the host, the port and the password), then run again',
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      probe.disconnect();
    }
    return new Connections(address, RedisClass);
  }

  /** A new connection, closed by close(). */
  client(extra: RedisOptions = {}): Redis {
    const client = new this.RedisClass(this.address.url, { maxRetriesPerRequest: null, ...extra });
    // Errors reach BullMQ's own handlers; without a listener ioredis would print them.
    client.on('error', () => {});
    this.open.push(client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.all(this.open.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
  }
}
