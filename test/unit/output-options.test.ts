/**
 * The one output-options resolver (src/options/output-options.ts) shared by stitch, the frame
 * writer and animate: the defaults table, the one default that differs on purpose (fit), the
 * crf range of each codec with one error whichever entry point, and size against width/height.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { RECIPES } from '../../src/engine/codecs.js';
import { FlipbookError } from '../../src/errors.js';
import { DEFAULT_PIXEL_LIMIT, OUTPUT_DEFAULTS, type OutputOptions, resolveOutputOptions, resolveStitchOptions, resolveWriterOptions } from '../../src/options/output-options.js';

/** The error a resolve throws, checked to be an INVALID_OPTION about `option`. */
function refusal(run: () => unknown, option: string): FlipbookError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof FlipbookError, `a FlipbookError: ${String(error)}`);
    assert.equal(error.code, 'INVALID_OPTION');
    assert.equal(error.option, option);
    return error;
  }
  assert.fail(`no error for ${option}`);
}

describe('resolveOutputOptions', () => {
  it('fills every default from OUTPUT_DEFAULTS', () => {
    const r = resolveStitchOptions('movie.mp4');
    assert.deepEqual(r.fps, { num: OUTPUT_DEFAULTS.fps, den: 1 });
    assert.equal(r.background, '0x000000', `background ${OUTPUT_DEFAULTS.background}`);
    assert.equal(r.encoder.preset, OUTPUT_DEFAULTS.preset);
    assert.equal(r.limitPixels, DEFAULT_PIXEL_LIMIT);
    assert.equal(r.codec, 'h264');
    assert.equal(r.encoder.crf, RECIPES.h264.crf?.default, 'the crf default is the recipe\'s');
    assert.equal(r.overwrite, false);
    assert.equal(r.skipInvalid, false);
    assert.equal(r.animation, undefined, 'an MP4 is no animation');
    assert.equal(resolveStitchOptions('movie.webm').codec, 'vp9', 'the container\'s first codec');
    assert.ok(resolveStitchOptions('movie.gif').animation, 'a GIF is an animation');
  });

  it('fit: stitch fits by default, the writer refuses another size, unless it was given one side only', () => {
    assert.equal(OUTPUT_DEFAULTS.fit.stitch, 'contain');
    assert.equal(OUTPUT_DEFAULTS.fit.writer, 'error');
    assert.equal(resolveStitchOptions('a.mp4').fit, 'contain');
    assert.equal(resolveWriterOptions('a.mp4').fit, 'error');
    assert.equal(resolveWriterOptions('a.mp4', { width: 100 }).fit, 'contain', 'one side: scale to it');
    assert.equal(resolveWriterOptions('a.mp4', { width: 100, height: 50 }).fit, 'error');
    assert.equal(resolveWriterOptions('a.mp4', { fit: 'cover' }).fit, 'cover', 'a given fit wins');
  });

  it('crf: each codec\'s range, one error from stitch and the writer; h264 takes 0 and fractions', () => {
    for (const codec of ['h264', 'h265', 'vp9', 'av1'] as const) {
      const range = RECIPES[codec].crf;
      assert.ok(range, `${codec} has a crf range`);
      const output = codec === 'vp9' || codec === 'av1' ? 'a.webm' : 'a.mp4';
      assert.equal(resolveStitchOptions(output, { codec, crf: range.min }).encoder.crf, range.min, `${codec} takes crf ${range.min}`);
      assert.equal(resolveStitchOptions(output, { codec, crf: range.max }).encoder.crf, range.max, `${codec} takes crf ${range.max}`);
      const over = refusal(() => resolveStitchOptions(output, { codec, crf: range.max + 1 }), 'crf');
      assert.equal(over.fact, `Expected ${range.whole ? 'a whole number' : 'a number'} from ${range.min} to ${range.max} (the range of ${codec}) for crf but received ${range.max + 1}`);
    }
    const fromStitch = refusal(() => resolveStitchOptions('a.webm', { crf: 1.5 }), 'crf');
    const fromWriter = refusal(() => resolveWriterOptions('a.webm', { crf: 1.5 }), 'crf');
    assert.equal(fromStitch.message, 'Expected a whole number from 0 to 63 (the range of vp9) for crf but received 1.5');
    assert.equal(fromWriter.message, fromStitch.message, 'one message for crf: 1.5 with vp9');
    assert.match(refusal(() => resolveStitchOptions('a.mov', { codec: 'prores', crf: 20 }), 'crf').message, /no crf for prores/);
    assert.equal(resolveStitchOptions('a.mp4', { crf: 0 }).encoder.crf, 0, 'x264 takes crf 0 (lossless)');
    assert.equal(resolveWriterOptions('a.mp4', { crf: '18.5' }).encoder.crf, 18.5, 'x264 takes a fraction');
  });

  it('size, or width and height, not both; one side alone leaves the other to the first picture', () => {
    assert.deepEqual(resolveStitchOptions('a.mp4', { size: '320x240' }).size, { width: 320, height: 240 });
    const both = resolveStitchOptions('a.mp4', { width: 320, height: 240 });
    assert.deepEqual(both.size, { width: 320, height: 240 }, 'width and height make a size');
    const one = resolveStitchOptions('a.mp4', { width: 320 });
    assert.deepEqual([one.size, one.width, one.height], [undefined, 320, undefined]);
    const error = refusal(() => resolveStitchOptions('a.mp4', { size: '320x240', width: 100 }), 'size');
    assert.match(error.message, /either size or width\/height \(not both\)/);
  });

  it('refuses a missing output and options that are not an object, without touching the caller\'s object', () => {
    assert.equal(refusal(() => resolveStitchOptions(''), 'output').message, 'No output file was given. Pass an output such as movie.mp4');
    refusal(() => resolveOutputOptions('a.mp4', 7 as unknown as OutputOptions, 'stitch'), 'options');
    const options: OutputOptions = { fps: '30000/1001', background: 'white' };
    const copy = structuredClone(options);
    const r = resolveOutputOptions('a.mp4', options, 'writer');
    assert.deepEqual(r.fps, { num: 30000, den: 1001 });
    assert.equal(r.background, '0xffffff');
    assert.deepEqual(options, copy, 'the caller\'s options are unchanged');
  });

  it('the writer counts time in ticks that keep milliseconds exact', () => {
    assert.equal(resolveWriterOptions('a.mp4').ticksPerFrame, 40, '25 fps: ticks of 1 ms');
    assert.equal(resolveWriterOptions('a.mp4', { fps: '30000/1001' }).ticksPerFrame, 1001, 'ticks of 1/30000 s');
    refusal(() => resolveWriterOptions('a.mp4', { expectedFrames: -1 }), 'expectedFrames');
  });
});
