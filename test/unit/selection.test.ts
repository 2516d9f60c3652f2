/**
 * Frame selection (src/read/selection.ts, the Selector, with options from resolveSelection):
 * which decoded frames come out, seeing only timestamps. Frames are offered as a decoder would
 * give them, in presentation order; every payload is released exactly once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type SelectionOptions, resolveSelection } from '../../src/options/split-options.js';
import { type Candidate, Selector } from '../../src/read/selection.js';

interface Run {
  /** The source frame numbers picked, in order. */
  picked: number[];
  /** Their times in seconds. */
  times: number[];
  released: number[];
  /** How many frames were offered before the selector said it was done. */
  offered: number;
}

/**
 * Offers `count` frames at `rate` fps (time base 1/rate·1000: 1000 ticks a frame), keyframes
 * every `gop`, then finishes; stops offering once the selector is done.
 */
function select(options: SelectionOptions, count: number, rate = 10, gop = 5): Run {
  const selector = new Selector<number>(resolveSelection(options), { num: 1, den: rate * 1000 });
  const run: Run = { picked: [], times: [], released: [], offered: 0 };
  const take = (step: { picked: { payload: number; time: number }[]; released: number[] }): void => {
    for (const p of step.picked) {
      run.picked.push(p.payload);
      run.times.push(Math.round(p.time * 1000) / 1000);
    }
    run.released.push(...step.released);
  };
  for (let i = 0; i < count && !selector.done; i++) {
    const candidate: Candidate = { offset: i * 1000, time: i / rate, duration: 1 / rate, keyframe: i % gop === 0, sourceIndex: i };
    take(selector.offer(candidate, i));
    run.offered++;
  }
  take(selector.finish(undefined));
  run.released.push(...selector.drain());
  return run;
}

function assertReleasedOnce(run: Run): void {
  assert.deepEqual([...run.released].sort((a, b) => a - b), Array.from({ length: run.offered }, (_, i) => i), 'every offered frame released exactly once');
}

describe('Selector', () => {
  it('without options, every frame at its own time', () => {
    const run = select({}, 6);
    assert.deepEqual(run.picked, [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(run.times, [0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    assertReleasedOnce(run);
  });

  it('start and end trim to [start, end) and stop decoding at the end', () => {
    const run = select({ start: 0.3, end: 0.6 }, 20);
    assert.deepEqual(run.picked, [3, 4, 5]);
    assert.equal(run.offered, 7, 'the first frame at or after the end stops it');
    assertReleasedOnce(run);
  });

  it('keyframes only, every Nth and a maximum', () => {
    assert.deepEqual(select({ keyframesOnly: true }, 20).picked, [0, 5, 10, 15]);
    assert.deepEqual(select({ every: 3 }, 10).picked, [0, 3, 6, 9]);
    const capped = select({ maxFrames: 4 }, 100);
    assert.deepEqual(capped.picked, [0, 1, 2, 3]);
    assert.equal(capped.offered, 4, 'done once the maximum is reached');
    assertReleasedOnce(capped);
  });

  it('explicit frame numbers pick those and stop after the last', () => {
    const run = select({ frameNumbers: '2,5-6,9' }, 100);
    assert.deepEqual(run.picked, [2, 5, 6, 9]);
    assert.equal(run.offered, 10);
    assertReleasedOnce(run);
  });

  it('fps down: each slot shows the last frame at or before it (ffmpeg\'s fps filter)', () => {
    const run = select({ fps: 4 }, 20);
    // Slots every 0.25 s over 2 s; frame i rounds to slot round(i·0.4): frames 0 and 1 to slot
    // 0 (the later one shows), 2 and 3 to slot 1, 4, 5 and 6 to slot 2, and so on.
    assert.deepEqual(run.times, [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75]);
    assert.deepEqual(run.picked, [1, 3, 6, 8, 11, 13, 16, 18]);
    assertReleasedOnce(run);
  });

  it('fps up: frames repeat to fill the slots, up to the end of the last one', () => {
    const run = select({ fps: 20 }, 3);
    assert.deepEqual(run.picked, [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(run.times, [0, 0.05, 0.1, 0.15, 0.2, 0.25]);
    assertReleasedOnce(run);
  });

  it('fps with start: the grid starts at start', () => {
    const run = select({ fps: 5, start: 0.5, duration: 1 }, 30);
    assert.deepEqual(run.times, [0.5, 0.7, 0.9, 1.1, 1.3]);
    assert.deepEqual(run.picked, [5, 7, 9, 11, 13]);
  });

  it('resolveSelection refuses frames combined with another rule, and an end before the start', () => {
    assert.throws(() => resolveSelection({ frameNumbers: [1, 2], fps: 5 }), (e: Error) => /fps cannot be combined/.test(e.message));
    assert.throws(() => resolveSelection({ start: 2, end: 1 }), (e: Error) => /a time after start \(2 s\)/.test(e.message));
    assert.deepEqual(resolveSelection({ frameNumbers: '9,1,3-4,1' }).frameNumbers, [1, 3, 4, 9], 'sorted and distinct');
  });
});
