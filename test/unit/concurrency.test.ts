/**
 * The concurrency helpers of src/util: mapConcurrent (a bounded pool, results in input order),
 * orderedAhead (a fixed number of calls in flight, results in order, early break releases what
 * was made) and prefetch (reads ahead of an async iterable, no further than asked; early break
 * discards what waits and closes the source). Timing is driven by hand-resolved promises.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';

import { mapConcurrent, orderedAhead } from '../../src/util/concurrency.js';
import { prefetch } from '../../src/util/prefetch.js';

/** A promise with its resolve function outside. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

describe('mapConcurrent', () => {
  it('runs at most `limit` calls at once and keeps the input order in its results', async () => {
    let running = 0;
    let peak = 0;
    const delays = [30, 5, 20, 1, 10, 2, 15];
    const results = await mapConcurrent(delays, 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return `${i}:${ms}`;
    });
    assert.equal(peak, 3, 'three calls in flight at the peak');
    assert.deepEqual(results, delays.map((ms, i) => `${i}:${ms}`), 'results in input order');
  });

  it('gives an empty list for no items and rejects with the first failure', async () => {
    assert.deepEqual(await mapConcurrent([], 4, async () => 1), []);
    await assert.rejects(mapConcurrent([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    }), /two/);
  });
});

describe('orderedAhead', () => {
  it('yields in input order whatever order the calls finish in', async () => {
    const gates = [deferred<void>(), deferred<void>(), deferred<void>()];
    const got: number[] = [];
    const run = (async () => {
      for await (const n of orderedAhead([0, 1, 2], 3, async (i) => {
        await gates[i]?.promise;
        return i * 10;
      })) got.push(n);
    })();
    gates[2]?.resolve();
    gates[1]?.resolve();
    await settle();
    assert.deepEqual(got, [], 'nothing yielded while the first call is pending');
    gates[0]?.resolve();
    await run;
    assert.deepEqual(got, [0, 10, 20]);
  });

  it('starts no more than `ahead` calls before the consumer takes one (backpressure)', async () => {
    const started: number[] = [];
    const generator = orderedAhead([0, 1, 2, 3, 4, 5], 2, async (i) => {
      started.push(i);
      return i;
    });
    assert.deepEqual(started, [], 'nothing starts before the first next()');
    assert.deepEqual(await generator.next(), { value: 0, done: false });
    await settle();
    // Two were started, the first was taken and its place refilled: 0, 1, 2.
    assert.deepEqual(started, [0, 1, 2], 'one taken, two in flight');
    await settle();
    assert.deepEqual(started, [0, 1, 2], 'a consumer that does not ask stops the producer');
    await generator.return(undefined);
  });

  it('an early break waits for the calls in flight and discards their results', async () => {
    const discarded: number[] = [];
    const made: number[] = [];
    for await (const n of orderedAhead([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
      made.push(i);
      await tick();
      return i;
    }, (r) => discarded.push(r))) {
      if (n === 1) break;
    }
    // 0 and 1 were taken; 2, 3 and 4 were in flight: every one made and not taken is discarded.
    assert.deepEqual(made, [0, 1, 2, 3, 4]);
    assert.deepEqual(discarded.sort(), [2, 3, 4]);
  });

  it('rethrows a failed call at its turn and still releases the others', async () => {
    const discarded: number[] = [];
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const n of orderedAhead([0, 1, 2, 3], 3, async (i) => {
        if (i === 1) throw new Error('call 1 failed');
        return i;
      }, (r) => discarded.push(r))) got.push(n);
    }, /call 1 failed/);
    assert.deepEqual(got, [0], 'the results before the failure were yielded');
    assert.deepEqual(discarded.sort(), [2, 3], 'the results after it were released');
  });
});

describe('prefetch', () => {
  /** An async source that counts how far it was read and whether it was closed. */
  function source(n: number): { iterable: AsyncIterable<number>; read: () => number; closed: () => boolean } {
    let read = 0;
    let closed = false;
    const iterable = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          await tick();
          return read < n ? { value: read++, done: false as const } : { value: undefined, done: true as const };
        },
        return: async () => {
          closed = true;
          return { value: undefined, done: true as const };
        },
      }),
    };
    return { iterable, read: () => read, closed: () => closed };
  }

  it('yields every item in order', async () => {
    const s = source(7);
    const got: number[] = [];
    for await (const n of prefetch(s.iterable, 3)) got.push(n);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6]);
    assert.equal(s.closed(), false, 'a source read to its end is not closed again');
  });

  it('reads ahead no further than `ahead` while the consumer waits', async () => {
    const s = source(100);
    const generator = prefetch(s.iterable, 3);
    assert.deepEqual(await generator.next(), { value: 0, done: false });
    await settle();
    await settle();
    // One taken and three waiting.
    assert.equal(s.read(), 4, `items read from the source: ${s.read()}`);
    await generator.return(undefined);
    assert.equal(s.closed(), true, 'return() closes the source');
  });

  it('an early break discards what waits and closes the source', async () => {
    const s = source(100);
    const discarded: number[] = [];
    for await (const n of prefetch(s.iterable, 4, (item) => discarded.push(item))) {
      if (n === 2) {
        await settle();
        break;
      }
    }
    assert.ok(discarded.length > 0 && discarded.length <= 4, `between 1 and 4 items discarded: ${discarded.join(',')}`);
    assert.deepEqual(discarded, Array.from({ length: discarded.length }, (_, i) => i + 3), 'the items after the last taken one, in order');
    assert.equal(s.read(), 3 + discarded.length, 'every item read was either taken or discarded');
    assert.equal(s.closed(), true, 'the source was closed');
  });

  it('rethrows the source\'s failure after the items read before it', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      throw new Error('source failed');
    }
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const n of prefetch(failing(), 2)) got.push(n);
    }, /source failed/);
    assert.deepEqual(got, [1, 2]);
  });
});
