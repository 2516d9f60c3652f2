/**
 * placeFrame (src/core/animation-output.ts): where a frame of an animation lands on the
 * format's clock. Whole ticks (a GIF's hundredths), or whole slots of 1/cap s with a frame-rate
 * cap; a frame left with no time of its own is dropped, and the frames kept tile the timeline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { placeFrame } from '../../src/core/animation-output.js';

/** Places frames of `seconds` each, back to back, and returns what was kept. */
function placeAll(seconds: number, count: number, ticks: number, cap?: number): { pts: number; duration: number }[] {
  const state = { last: -1 };
  const kept: { pts: number; duration: number }[] = [];
  for (let i = 0; i < count; i++) {
    const placed = placeFrame({ start: i * seconds, end: (i + 1) * seconds }, ticks, cap, state);
    if (placed) kept.push(placed);
  }
  return kept;
}

describe('placeFrame', () => {
  it('rounds start and end to whole ticks: 30 fps in hundredths alternates 3 and 4', () => {
    const kept = placeAll(1 / 30, 6, 100);
    assert.deepEqual(kept.map((f) => f.pts), [0, 3, 7, 10, 13, 17]);
    assert.deepEqual(kept.map((f) => f.duration), [3, 4, 3, 3, 4, 3]);
  });

  it('the frames kept tile the timeline: the total length is kept', () => {
    const kept = placeAll(1 / 30, 30, 100);
    assert.equal(kept.length, 30, 'no frame lost at 30 fps in hundredths');
    for (let i = 1; i < kept.length; i++) {
      const previous = kept[i - 1] as { pts: number; duration: number };
      assert.equal(kept[i]?.pts, previous.pts + previous.duration, `frame ${i} starts where ${i - 1} ends`);
    }
    const last = kept.at(-1) as { pts: number; duration: number };
    assert.equal(last.pts + last.duration, 100, 'one second, 100 hundredths');
  });

  it('with a cap of 50 fps in hundredths, 100 fps keeps every other frame, each 2 hundredths', () => {
    const kept = placeAll(1 / 100, 100, 100, 50);
    assert.equal(kept.length, 50);
    assert.ok(kept.every((f) => f.duration === 2 && f.pts % 2 === 0), 'every frame on a 2-hundredth slot');
    const last = kept.at(-1) as { pts: number; duration: number };
    assert.equal(last.pts + last.duration, 100, 'still one second');
  });

  it('drops a frame that rounds to no time, and one that starts where the last kept one did', () => {
    const state = { last: -1 };
    assert.deepEqual(placeFrame({ start: 0, end: 0.004 }, 100, undefined, state), undefined, 'under half a tick');
    assert.equal(state.last, -1, 'a dropped frame moves nothing');
    assert.deepEqual(placeFrame({ start: 0, end: 0.5 }, 100, undefined, state), { pts: 0, duration: 50 });
    assert.equal(state.last, 0);
    assert.equal(placeFrame({ start: 0.001, end: 0.7 }, 100, undefined, state), undefined, 'starts on the same tick as the last');
    assert.deepEqual(placeFrame({ start: 0.5, end: 1.25 }, 100, undefined, state), { pts: 50, duration: 75 });
  });

  it('uses the format\'s own clock: milliseconds for WebP and APNG', () => {
    assert.deepEqual(placeAll(1 / 24, 3, 1000), [
      { pts: 0, duration: 42 },
      { pts: 42, duration: 41 },
      { pts: 83, duration: 42 },
    ]);
  });
  it('the frame at 0 s is kept, one slot long, when the whole animation is shorter than half a slot (it lost every frame)', () => {
    const state = { last: -1 };
    // Two 0.04 s frames under a 5 fps cap (slots of 20 hundredths): the first holds one slot, the second starts in it.
    assert.deepEqual(placeFrame({ start: 0, end: 0.04 }, 100, 5, state), { pts: 0, duration: 20 });
    assert.equal(placeFrame({ start: 0.04, end: 0.08 }, 100, 5, state), undefined);
  });
});
