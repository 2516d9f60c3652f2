/**
 * Reads up to `ahead` items of an async iterable before they are asked for, so the producer
 * works while the consumer does. No more than `ahead` items ever wait: the consumer's pace is
 * the backpressure. Ending early (break, throw, return) waits for the item in flight, hands
 * every unconsumed item to `discard` and closes the source.
 */
export function prefetch<T>(source: AsyncIterable<T>, ahead: number, discard: (item: T) => void = () => undefined): AsyncGenerator<T> {
  return (async function* () {
    const iterator = source[Symbol.asyncIterator]();
    const queue: T[] = [];
    let pending: Promise<void> | undefined;
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: { error: unknown } | undefined;
    let stopping = false;

    const pump = async (): Promise<void> => {
      try {
        while (!stopping && queue.length < ahead) {
          const step = await iterator.next();
          if (step.done) {
            ended = true;
            break;
          }
          if (stopping) {
            discard(step.value);
            break;
          }
          queue.push(step.value);
          wake?.();
        }
      } catch (error) {
        failure = { error };
      } finally {
        pending = undefined;
        wake?.();
      }
    };
    const refill = (): void => {
      if (!pending && !ended && !failure && !stopping && queue.length < ahead) pending = pump();
    };

    try {
      for (;;) {
        refill();
        if (queue.length > 0) {
          const item = queue.shift() as T;
          refill();
          yield item;
          continue;
        }
        if (failure) throw failure.error;
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
    } finally {
      stopping = true;
      if (pending) await pending;
      for (const item of queue.splice(0)) discard(item);
      // A source that failed has closed itself already.
      if (!failure && !ended) await iterator.return?.(undefined);
    }
  })();
}
