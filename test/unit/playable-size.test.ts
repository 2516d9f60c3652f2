/**
 * A warning when a video's frame is past H.264 or H.265 level 5.2 (what most phones, TVs and
 * hardware decoders play): a 12-megapixel photo's 4000x3000 needs level 6. The width it suggests
 * plays everywhere, with an even height, at the pictures' aspect ratio.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { playabilityWarning } from '../../src/core/limits.js';
import { type OptionRef, renderText } from '../../src/errors.js';

/** The width the warning suggests (its `width` option). */
function suggested(warning: ReturnType<typeof playabilityWarning>): number | undefined {
  if (!Array.isArray(warning)) return undefined;
  const ref = warning.find((part): part is OptionRef => typeof part !== 'string' && part.option === 'width');
  return typeof ref?.value === 'number' ? ref.value : undefined;
}

describe('playabilityWarning', () => {
  it('says when H.264 needs level 6, and not for 4K UHD or level 5.2 exactly', () => {
    const photo = playabilityWarning('h264', { width: 4000, height: 3000 });
    assert.match(renderText(photo ?? ''), /^4000x3000 needs H\.264 level 6: .* H\.264 level 5\.2 \(4096x2304\); width: 3538 \(3538x2654\) plays everywhere$/);
    assert.equal(playabilityWarning('h264', { width: 3840, height: 2160 }), undefined, '4K UHD: 32400 macroblocks');
    assert.equal(playabilityWarning('h264', { width: 4096, height: 2304 }), undefined, '36864 macroblocks exactly');
    assert.notEqual(playabilityWarning('h264', { width: 4096, height: 2320 }), undefined, 'one row of macroblocks more');
    assert.notEqual(playabilityWarning('h265', { width: 4000, height: 3000 }), undefined, 'H.265: 12 million pixels, above 8912896');
    assert.equal(playabilityWarning('h265', { width: 4096, height: 2176 }), undefined);
    for (const codec of ['vp9', 'av1', 'prores'] as const) assert.equal(playabilityWarning(codec, { width: 8000, height: 6000 }), undefined, `${codec}: no such levels`);
  });

  it('suggests the widest even width whose frame plays everywhere with an even height at the same aspect ratio (nothing padded)', () => {
    for (const [w, h] of [[4000, 3000], [6000, 4000], [3000, 4000], [5472, 3648], [8192, 4320], [4624, 3472], [1080, 12000]] as const) {
      for (const codec of ['h264', 'h265'] as const) {
        const width = suggested(playabilityWarning(codec, { width: w, height: h }));
        assert.ok(width !== undefined && width % 2 === 0 && width < w, `${codec} ${w}x${h}: a width (${width})`);
        const height = Math.round((width * h) / w);
        assert.equal(height % 2, 0, `${codec} ${w}x${h}: ${width}x${height} needs no padding`);
        assert.equal(playabilityWarning(codec, { width, height }), undefined, `${codec} ${w}x${h}: ${width}x${height} plays everywhere`);
        // The next wider one with an even height does not.
        let wider = width + 2;
        while (Math.round((wider * h) / w) % 2 === 1) wider += 2;
        assert.notEqual(playabilityWarning(codec, { width: wider, height: Math.round((wider * h) / w) }), undefined, `${codec} ${w}x${h}: ${width} is the widest (${wider} does not play)`);
      }
    }
  });
});
