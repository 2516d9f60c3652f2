/**
 * buildFilterChain (src/engine/filter-chain.ts): the normalise stage as a filter description,
 * pure string building. Each case checks the steps that matter for it, in their order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { type ChainSource, type ChainTarget, ORIENTATION_FILTERS, buildFilterChain, chainKeepsPixels } from '../../src/engine/filter-chain.js';

const RGB: ChainSource = { width: 320, height: 240, pixelFormat: 'rgb24', hasAlpha: false, orientation: 1 };
const TARGET: ChainTarget = { fitWidth: 320, fitHeight: 240, width: 320, height: 240, fit: 'contain', background: '0x000000', pixelFormat: 'yuv420p', flattenAlpha: true };
const TAGS = 'setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv';

/** The filters between [in] and [out], one per element. */
function steps(chain: string): string[] {
  const match = /\[in\](.*)\[out\]$/.exec(chain);
  assert.ok(match, `a chain from [in] to [out]: ${chain}`);
  return (match[1] as string).split(',');
}

describe('buildFilterChain', () => {
  it('a same-size RGB picture is only converted to BT.709 limited range and tagged', () => {
    assert.equal(buildFilterChain(RGB, TARGET), `[in]scale=out_color_matrix=bt709:out_range=tv:flags=bicubic,format=yuv420p,${TAGS}[out]`);
  });

  it('a YUV source (a JPEG) goes through RGB first, reading its own matrix and range', () => {
    const s = steps(buildFilterChain({ ...RGB, pixelFormat: 'yuvj420p' }, TARGET));
    assert.deepEqual(s.slice(0, 2), ['scale=in_color_matrix=auto:in_range=auto', 'format=gbrp']);
  });

  it('EXIF orientations become flips and transposes; 5 to 8 swap width and height', () => {
    assert.deepEqual(steps(buildFilterChain({ ...RGB, orientation: 3 }, TARGET)).slice(0, 2), ['hflip', 'vflip']);
    // 240x320 stored, shown 320x240 after a quarter turn: no scaling needed.
    const turned = steps(buildFilterChain({ ...RGB, width: 240, height: 320, orientation: 6 }, TARGET));
    assert.equal(turned[0], 'transpose=clock');
    assert.ok(!turned.some((f) => f.startsWith('scale=320')), `no resize after the turn: ${turned.join(',')}`);
    assert.deepEqual(Object.keys(ORIENTATION_FILTERS).map(Number), [1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('contain scales down inside the box and pads centred with the background', () => {
    const s = steps(buildFilterChain({ ...RGB, width: 640, height: 360 }, { ...TARGET, background: '0x102030' }));
    assert.deepEqual(s.slice(0, 2), ['scale=320:240:force_original_aspect_ratio=decrease', 'pad=320:240:(ow-iw)/2:(oh-ih)/2:color=0x102030']);
  });

  it('cover scales up and crops; fill stretches with square pixels', () => {
    const big = { ...RGB, width: 640, height: 360 };
    assert.deepEqual(steps(buildFilterChain(big, { ...TARGET, fit: 'cover' })).slice(0, 2), ['scale=320:240:force_original_aspect_ratio=increase', 'crop=320:240']);
    assert.deepEqual(steps(buildFilterChain(big, { ...TARGET, fit: 'fill' })).slice(0, 2), ['scale=320:240', 'setsar=1']);
  });

  it('an odd size is padded to the even output size at the right and bottom', () => {
    const s = steps(buildFilterChain({ ...RGB, width: 95, height: 63 }, { ...TARGET, fitWidth: 95, fitHeight: 63, width: 96, height: 64 }));
    assert.equal(s[0], 'pad=96:64:0:0:color=0x000000');
  });

  it('alpha flattened: the picture is overlaid on a background of its own size', () => {
    const chain = buildFilterChain({ ...RGB, pixelFormat: 'rgba', hasAlpha: true }, { ...TARGET, background: '0xffffff' });
    assert.ok(chain.startsWith('color=c=0xffffff:s=320x240:r=1,format=rgba[bg];[bg][in]overlay=format=rgb:shortest=1,'), chain);
    assert.ok(chain.endsWith(`format=yuv420p,${TAGS}[out]`), chain);
  });

  it('alpha kept: RGBA before fitting, transparent padding, 16-bit alpha into a 10-bit output', () => {
    const keep = { ...TARGET, pixelFormat: 'yuva420p', flattenAlpha: false };
    const s = steps(buildFilterChain({ ...RGB, pixelFormat: 'rgba', hasAlpha: true, width: 640, height: 360 }, keep));
    assert.equal(s[0], 'format=rgba');
    assert.equal(s[2], 'pad=320:240:(ow-iw)/2:(oh-ih)/2:color=0x000000@0');
    assert.ok(!buildFilterChain({ ...RGB, pixelFormat: 'rgba', hasAlpha: true }, keep).includes('overlay'), 'nothing flattened');
    const deep = steps(buildFilterChain({ ...RGB, pixelFormat: 'rgba64be', hasAlpha: true }, { ...keep, pixelFormat: 'yuva444p10le' }));
    assert.equal(deep[0], 'format=rgba64le');
    assert.equal(steps(buildFilterChain({ ...RGB, pixelFormat: 'yuv420p' }, keep))[1], 'format=gbrap', 'a YUV source gets an opaque alpha plane');
  });

  it('alpha kept, an RGB source without alpha: scaled down first, alpha added right before the padding', () => {
    const keep = { ...TARGET, pixelFormat: 'rgba', flattenAlpha: false };
    const s = steps(buildFilterChain({ ...RGB, width: 640, height: 360 }, keep));
    assert.deepEqual(s.slice(0, 3), ['scale=320:240:force_original_aspect_ratio=decrease', 'format=rgba', 'pad=320:240:(ow-iw)/2:(oh-ih)/2:color=0x000000@0']);
    const cover = steps(buildFilterChain({ ...RGB, width: 640, height: 360 }, { ...keep, fit: 'cover' }));
    assert.deepEqual(cover.slice(0, 2), ['scale=320:240:force_original_aspect_ratio=increase', 'crop=320:240'], 'no padding: no early alpha');
    assert.ok(cover.includes('format=rgba'), 'RGBA at the end');
  });
});

describe('chainKeepsPixels', () => {
  const RGBA: ChainSource = { ...RGB, pixelFormat: 'rgba', hasAlpha: true };
  const KEEP: ChainTarget = { ...TARGET, pixelFormat: 'rgba', flattenAlpha: false };
  /** The only chain the normalise stage may skip: RGBA to RGBA with nothing but the tags (test/normaliser.test.ts runs it). */
  const IDENTITY = ['format=rgba', 'scale=out_color_matrix=bt709:out_range=tv:flags=bicubic', 'format=rgba', TAGS];

  it('holds for an upright RGBA picture at the output size into RGBA, whose chain only tags it', () => {
    assert.equal(chainKeepsPixels(RGBA, KEEP), true);
    assert.equal(buildFilterChain(RGBA, KEEP), `[in]${IDENTITY.join(',')}[out]`);
  });

  it('fails wherever the chain would change a pixel, and agrees with the chain on every variant', () => {
    const sources: ChainSource[] = [RGBA, RGB, { ...RGBA, pixelFormat: 'bgra' }, { ...RGBA, pixelFormat: 'rgba64le' }, { ...RGBA, pixelFormat: 'yuva420p' }, { ...RGBA, orientation: 2 }, { ...RGBA, orientation: 6 }, { ...RGBA, width: 321 }, { ...RGBA, height: 120 }];
    const targets: ChainTarget[] = [KEEP, { ...KEEP, flattenAlpha: true }, { ...KEEP, pixelFormat: 'rgb24' }, { ...KEEP, pixelFormat: 'yuva420p' }, { ...KEEP, fitWidth: 319 }, { ...KEEP, width: 322, fitWidth: 322 }, { ...KEEP, fit: 'cover' }];
    let kept = 0;
    for (const source of sources) {
      for (const target of targets) {
        const chain = buildFilterChain(source, target);
        // format=rgba converts any other source (BGRA gets this very chain).
        const only = source.pixelFormat === 'rgba' && chain === `[in]${IDENTITY.join(',')}[out]`;
        assert.equal(chainKeepsPixels(source, target), only, `${JSON.stringify(source)} into ${JSON.stringify(target)}: ${chain}`);
        if (only) kept++;
      }
    }
    // The first source into the first and the cover target (same size: nothing to cover).
    assert.equal(kept, 2);
  });
});
