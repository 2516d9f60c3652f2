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
