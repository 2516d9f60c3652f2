/** Maps with at most `limit` calls running at once; results keep the input order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `fn` over `items` with up to `ahead` calls in flight and yields the results in order.
 * The consumer's pace is the backpressure: no more than `ahead` results ever wait.
 */
export async function* orderedAhead<T, R>(
  items: Iterable<T>,
  ahead: number,
  fn: (item: T) => Promise<R>,
  discard: (result: R) => void = () => undefined,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  const iterator = items[Symbol.iterator]();
  let done = false;
  const fill = (): void => {
    while (!done && pending.length < ahead) {
      const step = iterator.next();
      if (step.done) {
        done = true;
        break;
      }
      const p = fn(step.value);
      p.catch(() => undefined);
      pending.push(p);
    }
  };
  fill();
  try {
    while (pending.length) {
      const result = await (pending.shift() as Promise<R>);
      fill();
      yield result;
    }
  } finally {
    // The consumer stopped early: let what is in flight settle, and release what it made.
    for (const settled of await Promise.allSettled(pending)) {
      if (settled.status === 'fulfilled') discard(settled.value);
    }
  }
}

/**
 * Tasks run side by side, at most `limit` at once: `add` waits for a free place, which is the
 * backpressure on whoever adds. The first failure is kept; `drain` waits for the rest and
 * throws it.
 */
export class TaskPool {
  private readonly limit: number;
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Whether a task has failed (add no more). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  async add(task: () => Promise<void>): Promise<void> {
    const run: Promise<void> = task().then(
      () => {
        this.running.delete(run);
      },
      (error: unknown) => {
        this.running.delete(run);
        this.failure ??= { error };
      },
    );
    this.running.add(run);
    while (this.running.size >= this.limit && !this.failure) await Promise.race(this.running);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every task, whatever its outcome (after a failure elsewhere). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
  }
}

/** Runs tasks one at a time, in the order they were given, whatever the outcome of the one before. */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Resolves once every task given so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }
}
