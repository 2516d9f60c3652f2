/**
 * FlipbookError and Text (src/errors.ts) rendered in the library's style and in the command
 * line's flagStyle (src/cli/flags.ts): one sentence, options spelled two ways, fact and hint
 * kept apart.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

import { flagName, flagStyle } from '../../src/cli/flags.js';
import { FlipbookError, SKIP_HINT, describeValue, eitherNotBoth, invalidOption, isFlipbookError, libraryStyle, opt, optChoice, renderText, text } from '../../src/errors.js';

describe('Text and option styles', () => {
  it('text`` keeps option references apart from the words', () => {
    const t = text`Pass ${opt('skipInvalid', true)} to skip ${3} files`;
    assert.deepEqual(t, ['Pass ', { option: 'skipInvalid', value: true }, ' to skip ', '3', ' files']);
  });

  it('text`` takes in a Text among its values, its references kept (not "[object Object]")', () => {
    const why = text`a GIF that must fit ${opt('maxSize')} is encoded again`;
    const t = text`Rendered in one piece: ${why}`;
    assert.equal(renderText(t), 'Rendered in one piece: a GIF that must fit maxSize is encoded again');
    assert.equal(renderText(t, flagStyle), 'Rendered in one piece: a GIF that must fit --max-size is encoded again');
  });

  it('a choice of values: fit: \'contain\', \'cover\' or \'fill\' in the library, --fit contain|cover|fill on the command line', () => {
    assert.equal(libraryStyle(optChoice('fit', ['contain', 'cover', 'fill'])), "fit: 'contain', 'cover' or 'fill'");
    assert.equal(libraryStyle(optChoice('embed', ['auto', 'never'])), "embed: 'auto' or 'never'");
    assert.equal(flagStyle(optChoice('fit', ['contain', 'cover', 'fill'])), '--fit contain|cover|fill');
    const both = invalidOption('scale', eitherNotBoth(['scale'], ['width', 'height']), 0.5);
    assert.equal(both.message, 'Expected either scale or width/height (not both) for scale but received 0.5');
    assert.equal(both.render(flagStyle), 'Expected either --scale or --width/--height (not both) for --scale but received 0.5');
  });

  it('the library style names options as the API does', () => {
    assert.equal(libraryStyle(opt('fit')), 'fit');
    assert.equal(libraryStyle(opt('fit', 'contain')), "fit: 'contain'");
    assert.equal(libraryStyle(opt('crf', 23)), 'crf: 23');
    assert.equal(libraryStyle(opt('overwrite', false)), 'overwrite: false');
  });

  it('the command line style spells them as flags', () => {
    assert.equal(flagName('skipInvalid'), '--skip-invalid');
    assert.equal(flagName('limitPixels'), '--limit-pixels');
    assert.equal(flagStyle(opt('fit', 'contain')), '--fit contain');
    assert.equal(flagStyle(opt('skipInvalid', true)), '--skip-invalid');
    assert.equal(flagStyle(opt('overwrite', false)), '--no-overwrite');
    assert.equal(flagStyle(opt('audioFit')), '--audio-fit');
    assert.equal(flagStyle(opt('crf', 0)), '--crf 0');
  });

  it('renderText joins plain strings as they are and renders each reference', () => {
    assert.equal(renderText('no options here'), 'no options here');
    assert.equal(renderText(SKIP_HINT), 'Replace or remove the file, or pass skipInvalid: true to skip it');
    assert.equal(renderText(SKIP_HINT, flagStyle), 'Replace or remove the file, or pass --skip-invalid to skip it');
  });
});

describe('FlipbookError', () => {
  const error = new FlipbookError('SIZE_MISMATCH', text`b.png is 640x480, not 320x240 like the first image`, {
    file: 'b.png',
    position: 2,
    option: 'fit',
    hint: text`Pass ${opt('fit', 'contain')} to letterbox it, or ${opt('fit', 'cover')} to crop it`,
  });

  it('keeps the fact, the hint and the option apart; the message is the two joined', () => {
    assert.equal(error.fact, 'b.png is 640x480, not 320x240 like the first image');
    assert.equal(error.hint, "Pass fit: 'contain' to letterbox it, or fit: 'cover' to crop it");
    assert.equal(error.message, `${error.fact}. ${error.hint}`);
    assert.equal(error.option, 'fit');
    assert.equal(error.file, 'b.png');
    assert.equal(error.position, 2);
    assert.equal(error.code, 'SIZE_MISMATCH');
    assert.equal(error.name, 'FlipbookError');
    assert.ok(isFlipbookError(error) && error instanceof Error, 'a FlipbookError is an Error');
  });

  it('renders in the command line style without touching the words', () => {
    assert.equal(error.render(flagStyle), 'b.png is 640x480, not 320x240 like the first image. Pass --fit contain to letterbox it, or --fit cover to crop it');
    assert.equal(error.render(), error.message, 'the library style is the default');
  });

  it('without a hint the message is the fact alone, and the cause is kept', () => {
    const cause = new Error('EACCES');
    const bare = new FlipbookError('IO', 'Cannot write out.mp4', { cause });
    assert.equal(bare.message, 'Cannot write out.mp4');
    assert.equal(bare.hint, undefined);
    assert.equal(bare.cause, cause);
    assert.equal(isFlipbookError(cause), false);
  });

  it('invalidOption names the option, what was expected and what was received', () => {
    const e = invalidOption('fps', 'a number above 0', 'fast');
    assert.equal(e.code, 'INVALID_OPTION');
    assert.equal(e.option, 'fps');
    assert.equal(e.message, 'Expected a number above 0 for fps but received "fast"');
    assert.equal(e.render(flagStyle), 'Expected a number above 0 for --fps but received "fast"');
  });

  it('describeValue says what a received value was', () => {
    assert.equal(describeValue('x'), '"x"');
    assert.equal(describeValue(-3), '-3');
    assert.equal(describeValue(undefined), 'undefined');
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue([1, 2]), 'an array of 2');
    assert.equal(describeValue({}), 'a value of type object');
    assert.equal(describeValue(new Float32Array(12)), 'a Float32Array of 12');
    assert.equal(describeValue(new DataView(new ArrayBuffer(8))), 'a DataView of 8 bytes');
  });
});

describe('error codes', () => {
  it("the README's list of codes is ErrorCode's, in its order (it lacked OUTPUT_TOO_LARGE, which maxSize throws)", () => {
    const source = readFileSync(new URL('../../src/errors.ts', import.meta.url), 'utf8');
    const union = /export type ErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
    const codes = [...union.matchAll(/\| '([A-Z_]+)'/g)].map((m) => m[1]);
    assert.ok(codes.length >= 14, codes.join());
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const listed = /Errors are `FlipbookError`s with a `code` \(([^)]*)\)/.exec(readme)?.[1] ?? '';
    assert.deepEqual([...listed.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]), codes);
  });
});
