import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { MIN_SEGMENT_FRAMES, planSegments } from '../../src/segments/plan.js';

const counts = (frames: number, jobs: number, fps = 25): number[] => planSegments(frames, fps, jobs).map((s) => s.count);

describe('planSegments', () => {
  it('covers every frame once, in order, each segment starting where the last ended', () => {
    for (const [frames, jobs] of [[90, 3], [1000, 2], [601, 4], [24, 4], [100_000, 16]] as const) {
      const spans = planSegments(frames, 25, jobs);
      let next = 0;
      for (const [i, s] of spans.entries()) {
        assert.equal(s.index, i, 'index');
        assert.equal(s.first, next, `segment ${i} starts where ${i - 1} ended`);
        next += s.count;
      }
      assert.equal(next, frames, `${frames} frames for ${jobs} jobs`);
    }
  });

  it('cuts a few seconds each, as many as a multiple of the workers, of equal length within a frame', () => {
    assert.deepEqual(counts(1000, 2), Array(10).fill(100), '4 s at 25 fps');
    assert.deepEqual(counts(300, 2), [75, 75, 75, 75], 'not 3 of 100: one worker would idle');
    assert.deepEqual(counts(601, 4), [75, 75, 75, 75, 75, 75, 75, 76]);
    assert.deepEqual(counts(200, 2), [100, 100]);
  });

  it('keeps at least the minimum length, down to one segment', () => {
    assert.equal(MIN_SEGMENT_FRAMES, 25);
    assert.deepEqual(counts(60, 4), [30, 30], 'two of 30 rather than four of 15');
    assert.deepEqual(counts(30, 2), [30], 'too short to cut');
    assert.deepEqual(counts(1, 8), [1]);
  });
});
