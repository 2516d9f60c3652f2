import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { OWN_PALETTE_WINDOW } from '../../src/engine/index.js';
import { resolveStitchOptions } from '../../src/options/output-options.js';
import { MIN_SEGMENT_FRAMES, planSegments } from '../../src/segments/plan.js';
import { segmentSpans, worthSegments } from '../../src/segments/run.js';

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
    assert.deepEqual(counts(2000, 2), Array(8).fill(250), '10 s at 25 fps');
    assert.deepEqual(counts(1000, 2), Array(4).fill(250));
    assert.deepEqual(counts(1250, 2), [208, 208, 209, 208, 208, 209], 'six, not five of 250: one worker would idle');
    assert.deepEqual(counts(300, 2), [150, 150], 'one a worker when the output is short');
    assert.deepEqual(counts(601, 4), [150, 150, 150, 151], 'not 3 of about 200: a worker would idle');
    assert.deepEqual(counts(200, 2), [100, 100]);
  });

  it('keeps at least the minimum length, down to one segment', () => {
    assert.equal(MIN_SEGMENT_FRAMES, 25);
    assert.deepEqual(counts(60, 4), [30, 30], 'two of 30 rather than four of 15');
    assert.deepEqual(counts(30, 2), [30], 'too short to cut');
    assert.deepEqual(counts(1, 8), [1]);
  });

  it('with align, starts each segment at a multiple of it, still covering every frame once', () => {
    const firsts = (frames: number, jobs: number, align: number, min = MIN_SEGMENT_FRAMES): number[] => planSegments(frames, 25, jobs, min, align).map((s) => s.first);
    assert.deepEqual(firsts(80, 2, 32, 40), [0, 32], 'half of 80 is 40: the nearest multiple of 32');
    assert.deepEqual(firsts(2000, 2, 32), [0, 256, 512, 736, 992, 1248, 1504, 1760], 'eight of about 250');
    assert.deepEqual(firsts(60, 2, 64, 30), [0], 'a cut that rounds to the start or the end is dropped');
    for (const [frames, jobs, align] of [[1000, 2, 32], [601, 4, 32], [75, 3, 16], [333, 2, 1]] as const) {
      const spans = planSegments(frames, 25, jobs, MIN_SEGMENT_FRAMES, align);
      let next = 0;
      for (const s of spans) {
        assert.equal(s.first, next, `${frames} frames, align ${align}: segment ${s.index} starts where the last ended`);
        assert.equal(s.first % align, 0, `${frames} frames, align ${align}: segment ${s.index} starts at a multiple`);
        assert.ok(s.count > 0, 'no empty segment');
        next += s.count;
      }
      assert.equal(next, frames, `${frames} frames, align ${align}: all covered`);
    }
    assert.deepEqual(planSegments(1250, 25, 2, MIN_SEGMENT_FRAMES, 1), planSegments(1250, 25, 2), 'align 1: the plan without it');
  });
});

describe('segmentSpans', () => {
  const gif = (jobs: number) => resolveStitchOptions('out.gif', { fps: 25, jobs });
  const mp4 = (jobs: number) => resolveStitchOptions('out.mp4', { fps: 25, jobs });

  it('a GIF: one segment a worker, cut where the own-palette windows start', () => {
    assert.equal(OWN_PALETTE_WINDOW, 32);
    assert.deepEqual(segmentSpans(gif(2), 600).map((s) => s.first), [0, 288], 'two of about 300 (not the video plan of 250-frame segments)');
    // 4 workers, 100 pictures: cuts at 25, 50 and 75 round to 32, 64 and 64: three segments, so
    // three workers (startWorkersFor) where the video plan would start four.
    assert.deepEqual(segmentSpans(gif(4), 100).map((s) => s.first), [0, 32, 64]);
    assert.equal(planSegments(100, 25, 4).length, 4);
    assert.equal(worthSegments(gif(2), 49), false, 'too short for two of MIN_SEGMENT_FRAMES');
    assert.equal(worthSegments(gif(2), 64), true);
  });

  it('a video: the plan of planSegments', () => {
    assert.deepEqual(segmentSpans(mp4(2), 1250), planSegments(1250, 25, 2));
    assert.equal(worthSegments(mp4(2), 30), false);
    assert.equal(worthSegments(mp4(2), 300), true);
  });
});
