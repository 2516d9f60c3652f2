/**
 * The stderr guard's decisions (src/cli/stderr-guard.ts): when a run is guarded, which lines are
 * the engine's own, and the out-of-memory error, with its options spelled as flags.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { renderText } from '../../src/errors.js';
import { flagStyle } from '../../src/cli/flags.js';
import { guardReason, isEngineLine, outOfMemory } from '../../src/cli/stderr-guard.js';

describe('stderr guard', () => {
  it('is asked with FLIPBOOK_GUARD_STDERR=1, refused with 0, never in the guarded child', () => {
    assert.deepEqual(guardReason({ FLIPBOOK_GUARD_STDERR: '1' }), { kind: 'asked' });
    assert.equal(guardReason({ FLIPBOOK_GUARD_STDERR: '0' }), undefined);
    assert.equal(guardReason({ FLIPBOOK_GUARD_STDERR: '1', FLIPBOOK_TERMINAL_FD: '3' }), undefined);
  });

  it("keeps x264's, FFmpeg's and SVT-AV1's own lines, and nothing else", () => {
    for (const line of ['x264 [error]: malloc of size 330022912 failed', 'x264 [warning]: VBV underflow', '[libx264 @ 0x55d0c8a3e2c0] using cpu capabilities: none!', '[h264 @ 0x7f00aa] error while decoding MB', 'Svt[error]: allocation failed']) {
      assert.ok(isEngineLine(line), `the engine's: ${line}`);
    }
    for (const line of ['flipbook: error: Input not found: a.png', '(node:1234) Warning: something', 'x264 said hello', '[libx264] no address', '']) {
      assert.ok(!isEngineLine(line), `not the engine's: ${line}`);
    }
  });

  it('says the encoder ran out of memory, naming the output, the limit and the flags that help', () => {
    const limit = renderText(outOfMemory(330_022_912, 'big.mp4', { kind: 'address-space', bytes: 2_048_000_000 }), flagStyle);
    assert.equal(
      limit,
      "The encoder ran out of memory writing big.mp4: x264 could not allocate 330.0 MB, refused by this process's address-space limit (ulimit -v: 2000000 kB). Set a smaller --size (or --width, --height) or a faster --preset, or raise the limit (ulimit -v)",
    );
    const overcommit = renderText(outOfMemory(1_000, 'a.mp4', { kind: 'overcommit' }), flagStyle);
    assert.ok(overcommit.includes("refused by the system's commit limit (vm.overcommit_memory is 2)") && overcommit.includes('fewer --jobs'), overcommit);
  });
});
