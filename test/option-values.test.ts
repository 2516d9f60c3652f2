/**
 * Option values: what each parser accepts, and for every invalid value the exact message,
 * which names the option, says what was expected and shows what was received.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { type FlipbookError, animate, contactSheet, createWriter, isFlipbookError, planSplit, planStitch, probe, readFrames, readImage, runSplit, runStitch, split, stitch } from '../src/index.js';
import { runCli } from './helpers/cli.js';
import { writeSolidFrames } from './helpers/frames.js';
import { listDir, tempDir } from './helpers/temp.js';
import {
  parseBitrate,
  parseBytes,
  parseChoice,
  parseColor,
  parseDimension,
  parseDuration,
  parseFps,
  parseInteger,
  parsePixelLimit,
  parseSize,
} from '../src/options/values.js';

/** Asserts that `fn` throws INVALID_OPTION for `option` with exactly `message`. */
function assertInvalid(fn: () => unknown, option: string, message: string): void {
  assert.throws(fn, (error: FlipbookError) => {
    assert.equal(error.name, 'FlipbookError');
    assert.equal(error.code, 'INVALID_OPTION');
    assert.equal(error.option, option);
    assert.equal(error.message, message);
    return true;
  });
}

const FPS = 'a frame rate such as 25, 29.97 or 30000/1001 (above 0, at most 1000)';
const DURATION = 'a duration such as 2, "2s", "500ms" or "00:01:30.5" (above 0)';
const SIZE = 'a size WIDTHxHEIGHT such as 1280x720 (whole numbers from 2)';
const DIMENSION = 'a whole number of pixels from 2 to 16384';
/** An output's width or height: its codec says the largest (checkFrameSize). */
const OUTPUT_DIMENSION = 'a whole number of pixels from 2';
const PIXELS = 'a pixel count such as 268435456, "268M" or 0 for no limit';
const BITRATE = 'a bit rate such as 2M, 800k or 2500000 (at least 1000)';
const BYTES = 'a size in bytes such as 8MB, 500kB or 8000000';
const COLOUR = 'a colour: a CSS colour name (black, rebeccapurple, ...), #rrggbb, #rgb, rgb(r, g, b) or 0xrrggbb';

describe('values: fps', () => {
  it('accepts numbers, decimals, NTSC decimals as exact fractions, and fraction strings', () => {
    assert.deepEqual(parseFps(25), { num: 25, den: 1 });
    assert.deepEqual(parseFps('25'), { num: 25, den: 1 });
    assert.deepEqual(parseFps(0.5), { num: 1, den: 2 });
    assert.deepEqual(parseFps(12.5), { num: 25, den: 2 });
    assert.deepEqual(parseFps(29.97), { num: 30000, den: 1001 });
    assert.deepEqual(parseFps('23.976'), { num: 24000, den: 1001 });
    assert.deepEqual(parseFps('59.94'), { num: 60000, den: 1001 });
    assert.deepEqual(parseFps('30000/1001'), { num: 30000, den: 1001 });
    assert.deepEqual(parseFps(' 50 / 2 '), { num: 25, den: 1 });
    assert.deepEqual(parseFps(1000), { num: 1000, den: 1 });
  });

  const invalid: [unknown, string][] = [
    [0, '0'],
    [-25, '-25'],
    [1001, '1001'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    ['fast', '"fast"'],
    ['25fps', '"25fps"'],
    ['-25', '"-25"'],
    ['30000/0', '"30000/0"'],
    ['0/1', '"0/1"'],
    ['', '""'],
    [null, 'null'],
    [true, 'true'],
    [[25], 'an array of 1'],
    [{ num: 25, den: 1 }, 'a value of type object'],
  ];
  for (const [value, shown] of invalid) {
    it(`refuses ${shown}`, () => assertInvalid(() => parseFps(value), 'fps', `Expected ${FPS} for fps but received ${shown}`));
  }
});

describe('values: duration', () => {
  it('accepts seconds, units and clock times', () => {
    const cases: [unknown, number][] = [
      [2, 2],
      ['2', 2],
      ['2s', 2],
      ['1.5s', 1.5],
      ['500ms', 0.5],
      ['1m30s', 90],
      ['1h', 3600],
      ['00:01:30.5', 90.5],
      ['1:02', 62],
      [' 3s ', 3],
    ];
    for (const [value, seconds] of cases) assert.equal(parseDuration(value, 'duration'), seconds, JSON.stringify(value));
  });

  const invalid: [unknown, string][] = [
    [0, '0'],
    ['0s', '"0s"'],
    [-1, '-1'],
    ['2 s', '"2 s"'],
    ['two seconds', '"two seconds"'],
    ['s', '"s"'],
    ['1:2:3:4', '"1:2:3:4"'],
    [Number.NaN, 'NaN'],
    [undefined, 'undefined'],
  ];
  for (const [value, shown] of invalid) {
    it(`refuses ${shown}`, () => assertInvalid(() => parseDuration(value, 'duration'), 'duration', `Expected ${DURATION} for duration but received ${shown}`));
  }

  it('allowZero accepts 0 and drops "(above 0)" from the message', () => {
    assert.equal(parseDuration('0s', 'start', { allowZero: true }), 0);
    assertInvalid(() => parseDuration('-1', 'start', { allowZero: true }), 'start', 'Expected a duration such as 2, "2s", "500ms" or "00:01:30.5" for start but received "-1"');
  });
});

describe('values: size and dimensions', () => {
  it('accepts WxH in several spellings and objects', () => {
    assert.deepEqual(parseSize('1280x720'), { width: 1280, height: 720 });
    assert.deepEqual(parseSize(' 1280 X 720 '), { width: 1280, height: 720 });
    assert.deepEqual(parseSize('1280×720'), { width: 1280, height: 720 });
    assert.deepEqual(parseSize('1280:720'), { width: 1280, height: 720 });
    assert.deepEqual(parseSize({ width: 2, height: 16384 }), { width: 2, height: 16384 });
    // Past x264's 16384: VP9 takes it; each codec's own limit is said while planning.
    assert.deepEqual(parseSize('20000x16'), { width: 20000, height: 16 });
    assert.equal(parseDimension('640', 'width'), 640);
    assert.equal(parseDimension(16384, 'height'), 16384);
  });

  const invalidSizes: [unknown, string][] = [
    ['1280', '"1280"'],
    ['1280x', '"1280x"'],
    ['1x720', '"1x720"'],
    ['-1280x720', '"-1280x720"'],
    ['1280.5x720', '"1280.5x720"'],
    [{ width: 1280 }, 'a value of type object'],
    [{ width: 0, height: 720 }, 'a value of type object'],
    [1280, '1280'],
  ];
  for (const [value, shown] of invalidSizes) {
    it(`size refuses ${shown}`, () => assertInvalid(() => parseSize(value), 'size', `Expected ${SIZE} for size but received ${shown}`));
  }

  const invalidDimensions: [unknown, string][] = [
    [1, '1'],
    [1.5, '1.5'],
    [16385, '16385'],
    ['wide', '"wide"'],
    ['640px', '"640px"'],
  ];
  for (const [value, shown] of invalidDimensions) {
    it(`width refuses ${shown}`, () => assertInvalid(() => parseDimension(value, 'width'), 'width', `Expected ${DIMENSION} for width but received ${shown}`));
  }
});

describe('values: whole numbers, pixel counts, bit rates, byte sizes', () => {
  it('parseInteger takes numbers and digit strings in range', () => {
    assert.equal(parseInteger('23', 'crf', 0, 63), 23);
    assert.equal(parseInteger(0, 'crf', 0, 63), 0);
    assert.equal(parseInteger(' 63 ', 'crf', 0, 63), 63);
  });
  for (const [value, shown] of [
    [64, '64'],
    [-1, '-1'],
    ['2.5', '"2.5"'],
    [2.5, '2.5'],
    ['high', '"high"'],
  ] as [unknown, string][]) {
    it(`parseInteger refuses ${shown}`, () => assertInvalid(() => parseInteger(value, 'crf', 0, 63), 'crf', `Expected a whole number from 0 to 63 for crf but received ${shown}`));
  }

  it('parsePixelLimit takes counts with k/M/MP/G, and 0 or false for none', () => {
    assert.equal(parsePixelLimit(268402689), 268402689);
    assert.equal(parsePixelLimit('268M'), 268e6);
    assert.equal(parsePixelLimit('100MP'), 100e6);
    assert.equal(parsePixelLimit('4k'), 4000);
    assert.equal(parsePixelLimit('1.5g'), 1.5e9);
    assert.equal(parsePixelLimit(0), Number.POSITIVE_INFINITY);
    assert.equal(parsePixelLimit('0'), Number.POSITIVE_INFINITY);
    assert.equal(parsePixelLimit(false), Number.POSITIVE_INFINITY);
  });
  for (const [value, shown] of [
    [-5, '-5'],
    ['lots', '"lots"'],
    ['10 T', '"10 T"'],
    [0.4, '0.4'],
    [true, 'true'],
  ] as [unknown, string][]) {
    it(`parsePixelLimit refuses ${shown}`, () => assertInvalid(() => parsePixelLimit(value), 'limitPixels', `Expected ${PIXELS} for limitPixels but received ${shown}`));
  }

  it('parseBitrate takes plain, k and M rates', () => {
    assert.equal(parseBitrate('2M'), 2e6);
    assert.equal(parseBitrate('800k'), 8e5);
    assert.equal(parseBitrate('1.5Mbps'), 1.5e6);
    assert.equal(parseBitrate(2500000), 2500000);
    assert.equal(parseBitrate('1000'), 1000);
  });
  for (const [value, shown] of [
    [999, '999'],
    ['fast', '"fast"'],
    ['2G', '"2G"'],
    ['-2M', '"-2M"'],
  ] as [unknown, string][]) {
    it(`parseBitrate refuses ${shown}`, () => assertInvalid(() => parseBitrate(value), 'bitrate', `Expected ${BITRATE} for bitrate but received ${shown}`));
  }

  it('parseBytes takes SI and binary units', () => {
    assert.equal(parseBytes('8MB', 'maxBytes'), 8e6);
    assert.equal(parseBytes('500kB', 'maxBytes'), 5e5);
    assert.equal(parseBytes('1.5MiB', 'maxBytes'), 1.5 * 1024 * 1024);
    assert.equal(parseBytes(8000000, 'maxBytes'), 8000000);
  });
  for (const [value, shown] of [
    [0, '0'],
    ['8 parsecs', '"8 parsecs"'],
    ['8TB', '"8TB"'],
  ] as [unknown, string][]) {
    it(`parseBytes refuses ${shown}`, () => assertInvalid(() => parseBytes(value, 'maxBytes'), 'maxBytes', `Expected ${BYTES} for maxBytes but received ${shown}`));
  }
});

describe('values: colours and choices', () => {
  it('parseColor takes names, #rrggbb, #rgb and 0xrrggbb', () => {
    assert.deepEqual(parseColor('black'), { r: 0, g: 0, b: 0 });
    assert.deepEqual(parseColor('White'), { r: 255, g: 255, b: 255 });
    assert.deepEqual(parseColor('#ff8000'), { r: 255, g: 128, b: 0 });
    assert.deepEqual(parseColor('#F80'), { r: 255, g: 136, b: 0 });
    assert.deepEqual(parseColor('0x102030'), { r: 16, g: 32, b: 48 });
  });
  it('parseColor takes every CSS colour name, rgb(), rgba() and #rrggbbaa when opaque', () => {
    assert.deepEqual(parseColor('rebeccapurple'), { r: 102, g: 51, b: 153 });
    assert.deepEqual(parseColor('purple'), { r: 128, g: 0, b: 128 });
    assert.deepEqual(parseColor('CornflowerBlue'), { r: 100, g: 149, b: 237 });
    assert.deepEqual(parseColor('lightgoldenrodyellow'), { r: 250, g: 250, b: 210 });
    assert.deepEqual(parseColor('rgb(10, 20, 30)'), { r: 10, g: 20, b: 30 });
    assert.deepEqual(parseColor('rgb(10 20 30)'), { r: 10, g: 20, b: 30 });
    assert.deepEqual(parseColor('rgba(10, 20, 30, 1)'), { r: 10, g: 20, b: 30 });
    assert.deepEqual(parseColor('#102030ff'), { r: 16, g: 32, b: 48 });
    assert.deepEqual(parseColor(' #f80f '), { r: 255, g: 136, b: 0 });
  });
  for (const [value, said, hint] of [
    ['rgba(10, 20, 30, 0.5)', 'The colour "rgba(10, 20, 30, 0.5)" for background is 50% opaque, and a background must be opaque', 'Give it without alpha (#0A141E)'],
    ['#11223380', 'The colour "#11223380" for background is 50% opaque, and a background must be opaque', 'Give it without alpha (#112233)'],
    ['transparent', 'The colour "transparent" for background is fully transparent, and a background must be opaque', 'Give an opaque colour such as black or #rrggbb'],
  ] as const) {
    it(`parseColor refuses a see-through colour, ${value}, saying so`, () => {
      assert.throws(
        () => parseColor(value),
        (e: unknown) => isFlipbookError(e) && e.code === 'INVALID_OPTION' && e.option === 'background' && e.fact === said && (e.hint ?? '').startsWith(hint),
      );
    });
  }
  for (const [value, shown] of [
    ['#12345', '"#12345"'],
    ['ff0000', '"ff0000"'],
    ['purplish', '"purplish"'],
    ['#gggggg', '"#gggggg"'],
    [0xff0000, '16711680'],
  ] as [unknown, string][]) {
    it(`parseColor refuses ${shown}`, () => assertInvalid(() => parseColor(value), 'background', `Expected ${COLOUR} for background but received ${shown}`));
  }

  it('parseChoice takes exactly one of the values and lists them otherwise', () => {
    assert.equal(parseChoice('cover', 'fit', ['contain', 'cover']), 'cover');
    assertInvalid(() => parseChoice('Cover', 'fit', ['contain', 'cover']), 'fit', 'Expected one of contain, cover for fit but received "Cover"');
  });
});

describe('values: stitch options as the library receives them', () => {
  /** planStitch validates the options before it looks at inputs or the output. */
  async function refused(options: Parameters<typeof planStitch>[2], output: string, option: string, message: string): Promise<void> {
    await assert.rejects(planStitch('no-such-input-*.png', output, options), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_OPTION');
      assert.equal(error.option, option);
      assert.equal(error.message, message);
      return true;
    });
  }

  const cases: [string, Parameters<typeof planStitch>[2], string, string][] = [
    ['fps', { fps: 'fast' }, 'fps', `Expected ${FPS} for fps but received "fast"`],
    ['hold', { hold: '2 seconds' }, 'hold', `Expected ${DURATION} for hold but received "2 seconds"`],
    ['size', { size: '640by480' }, 'size', `Expected ${SIZE} for size but received "640by480"`],
    ['width', { width: 1 }, 'width', `Expected ${OUTPUT_DIMENSION} for width but received 1`],
    ['height', { height: '0' }, 'height', `Expected ${OUTPUT_DIMENSION} for height but received "0"`],
    ['size with width', { size: '640x480', width: 320 }, 'size', 'Expected either size or width/height (not both) for size but received "640x480"'],
    ['volume without audio', { volume: 2 }, 'volume', 'Expected an audio file (audio) to go with it for volume but received 2. Pass audio: \'track.mp3\''],
    ['fit', { fit: 'stretch' as never }, 'fit', 'Expected one of contain, cover, fill, error for fit but received "stretch"'],
    ['background', { background: 'purplish' }, 'background', `Expected ${COLOUR} for background but received "purplish"`],
    ['sort', { sort: 'random' as never }, 'sort', 'Expected one of natural, lexical, mtime, none for sort but received "random"'],
    ['startNumber', { startNumber: -1 }, 'startNumber', 'Expected a whole number from 0 to 2147483647 for startNumber but received -1'],
    ['codec', { codec: 'hevc' as never }, 'codec', 'Expected one of h264, h265, vp9, av1, prores for codec but received "hevc"'],
    ['crf above 51 for h264', { crf: 64 }, 'crf', 'Expected a number from 0 to 51 (the range of h264) for crf but received 64'],
    ['crf 52 for h264', { crf: '52' }, 'crf', 'Expected a number from 0 to 51 (the range of h264) for crf but received "52"'],
    ['crf below 0 for h264', { crf: -1 }, 'crf', 'Expected a number from 0 to 51 (the range of h264) for crf but received -1'],
    [
      'preset',
      { preset: 'turbo' },
      'preset',
      'Expected one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow, placebo for preset but received "turbo"',
    ],
    ['bitrate', { bitrate: '10' }, 'bitrate', `Expected ${BITRATE} for bitrate but received "10"`],
    ['limitPixels', { limitPixels: 'huge' }, 'limitPixels', `Expected ${PIXELS} for limitPixels but received "huge"`],
  ];
  for (const [name, options, option, message] of cases) {
    it(`${name}: ${message}`, () => refused(options, 'out.mp4', option, message));
  }

  it('a bitrate for prores is refused (it was accepted and ignored: the same bytes at any bitrate)', () =>
    refused({ codec: 'prores', bitrate: '100k' }, 'out.mov', 'bitrate', "prores has no bitrate: its profile sets its size. Leave out bitrate; quality: 'high' writes ProRes 4444 XQ, the default 4444"));

  it('a preset for prores other than the default is refused (it was accepted and ignored: prores_ks has no speed setting); the default passes', async () => {
    await refused({ codec: 'prores', preset: 'veryslow' }, 'out.mov', 'preset', "prores has no preset (veryslow): its encoder has no speed setting, and its profile sets its quality. Leave out preset; quality: 'high' writes ProRes 4444 XQ, the default 4444");
    await assert.rejects(planStitch('no-such-input-*.png', 'out.mov', { codec: 'prores', preset: 'medium' }), (error: FlipbookError) => error.code === 'NO_INPUT');
  });

  it('crf above 51 is fine where the codec is vp9, explicit or picked by .webm', async () => {
    // These get past the options and fail later, on the missing input.
    for (const [options, output] of [
      [{ crf: 60 }, 'out.webm'],
      [{ crf: 63, codec: 'vp9' as const }, 'out.mkv'],
      [{ crf: 0, codec: 'vp9' as const }, 'out.mp4'],
    ] as const) {
      await assert.rejects(planStitch('no-such-input-*.png', output, options), (error: FlipbookError) => error.code === 'NO_INPUT');
    }
  });

  it('an option name that is not one (a typo from JavaScript) is refused, naming the nearest one, in stitch and createWriter', async () => {
    await refused({ framerate: 30 } as never, 'out.mp4', 'framerate', 'stitch has no option "framerate". Did you mean fps?');
    await refused({ hodl: 2 } as never, 'out.mp4', 'hodl', 'stitch has no option "hodl". Did you mean hold?');
    await refused({ Colors: 64 } as never, 'out.gif', 'Colors', 'stitch has no option "Colors". Did you mean colors?');
    await refused({ sparkle: true } as never, 'out.mp4', 'sparkle', 'stitch has no option "sparkle". The options are listed in the README');
    assert.throws(() => createWriter('out.mp4', { expectFrames: 10 } as never), {
      code: 'INVALID_OPTION',
      option: 'expectFrames',
      message: 'createWriter has no option "expectFrames". Did you mean expectedFrames?',
    });
    // hold is stitch's, not the writer's (a frame's hold is a write() option).
    assert.throws(() => createWriter('out.mp4', { hold: 2 } as never), { code: 'INVALID_OPTION', option: 'hold' });
    // Every option the types know is taken: undefined values too.
    assert.doesNotThrow(() => createWriter('out.mp4', { fps: 30, expectedFrames: undefined, onWarning: () => undefined }));
  });

  it('a signal or callback of the wrong kind is refused at once by every entry point (an AbortController given as the signal was ignored: an aborted run wrote its video)', async (t) => {
    const dir = await tempDir(t);
    const frames = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }, { name: 'b.png', colour: 255 }]);
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video);
    await writer.write(frames[0] as string);
    await writer.close();
    const controller = new AbortController();
    controller.abort();
    const wrong: [string, object, string][] = [
      ['signal', { signal: controller }, "Expected an AbortSignal for signal but received its AbortController. Pass the controller's signal: { signal: controller.signal }"],
      ['signal', { signal: 'stop' }, 'Expected an AbortSignal for signal but received "stop"'],
      ['onProgress', { onProgress: 5 }, 'Expected a function for onProgress but received 5'],
      ['onWarning', { onWarning: 'console' }, 'Expected a function for onWarning but received "console"'],
    ];
    for (const [option, options, message] of wrong) {
      const expected = { code: 'INVALID_OPTION', option, message };
      await assert.rejects(stitch(frames, join(dir, 's.mp4'), options as never), expected, `stitch ${message}`);
      assert.throws(() => createWriter(join(dir, 'w.mp4'), options as never), expected, `createWriter ${message}`);
      await assert.rejects(split(video, join(dir, 'frames'), options as never), expected, `split ${message}`);
      assert.throws(() => readFrames(video, options as never), expected, `readFrames ${message}`);
      await assert.rejects(contactSheet(video, join(dir, 'sheet.png'), options as never), expected, `contactSheet ${message}`);
      await assert.rejects(animate({ width: 16, height: 16, frames: 2, draw: () => undefined }, join(dir, 'a.mp4'), options as never), expected, `animate ${message}`);
    }
    assert.deepEqual(await listDir(dir), ['a.png', 'b.png', 'v.mp4'], 'nothing written');
  });

  it('options given as null are refused as options by every entry point (it failed with a TypeError reading them)', async (t) => {
    const dir = await tempDir(t);
    const frames = await writeSolidFrames(dir, [{ name: 'a.png', colour: 0 }]);
    const image = frames[0] as string;
    const video = join(dir, 'v.mp4');
    const writer = createWriter(video);
    await writer.write(image);
    await writer.close();
    const expected = { code: 'INVALID_OPTION', option: 'options', message: 'Expected an object of options for options but received null' };
    const none = null as never;
    await assert.rejects(stitch(frames, join(dir, 's.mp4'), none), expected, 'stitch');
    await assert.rejects(runStitch(await planStitch(frames, join(dir, 's.mp4')), none), expected, 'runStitch');
    await assert.rejects(animate({ width: 16, height: 16, frames: 2, draw: () => undefined }, join(dir, 'a.mp4'), none), expected, 'animate');
    await assert.rejects(split(video, join(dir, 'frames'), none), expected, 'split');
    await assert.rejects(runSplit(await planSplit(video, join(dir, 'frames')), none), expected, 'runSplit');
    assert.throws(() => readFrames(video, none), expected, 'readFrames');
    await assert.rejects(contactSheet(video, join(dir, 'sheet.png'), none), expected, 'contactSheet');
    await assert.rejects(probe(video, none), expected, 'probe');
    await assert.rejects(readImage(image, none), expected, 'readImage');
    assert.deepEqual(await listDir(dir), ['a.png', 'v.mp4'], 'nothing written');
  });

  it('no output is INVALID_OPTION naming output', async () => {
    await assert.rejects(planStitch('x.png', ''), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_OPTION');
      assert.equal(error.option, 'output');
      assert.equal(error.message, 'No output file was given. Pass an output such as movie.mp4');
      return true;
    });
  });
});

describe('values: the same errors on the command line name flags', () => {
  /** The one error line of a command that fails on its options, before it reads any input. */
  async function cliError(args: string[]): Promise<string> {
    const result = await runCli(args);
    assert.equal(result.code, 2, result.stderr);
    return result.stderr;
  }

  it('options that exclude each other: --scale with --width, --rows with --every, --size with --width', async () => {
    assert.equal(await cliError(['split', 'no-such.mp4', '-o', 'never/', '--width', '100', '--scale', '0.5']), 'flipbook: error: Expected either --scale or --width/--height (not both) for --scale but received "0.5"\n');
    assert.equal(await cliError(['sheet', 'no-such.mp4', '-o', 'never.png', '--every', '10m', '--rows', '3']), 'flipbook: error: Expected either --rows or --every (not both) for --every but received "10m"\n');
    assert.equal(await cliError(['stitch', 'no-such.png', '-o', 'never.mp4', '--size', '640x480', '--width', '320']), 'flipbook: error: Expected either --size or --width/--height (not both) for --size but received "640x480"\n');
  });

  it('the library names them as options', async () => {
    await assert.rejects(planSplit('no-such.mp4', 'never/', { width: 100, scale: 0.5 }), { option: 'scale', message: 'Expected either scale or width/height (not both) for scale but received 0.5' });
    await assert.rejects(contactSheet('no-such.mp4', 'never.png', { every: '10m', rows: 3 }), { option: 'every', message: 'Expected either rows or every (not both) for every but received "10m"' });
  });

  it('--preset with prores names the flags', async () => {
    assert.equal(await cliError(['stitch', 'no-such.png', '-o', 'never.mov', '--codec', 'prores', '--preset', 'slow']), 'flipbook: error: prores has no preset (slow): its encoder has no speed setting, and its profile sets its quality. Leave out --preset; --quality high writes ProRes 4444 XQ, the default 4444\n');
  });

  it('music options without --audio name --audio', async () => {
    assert.equal(await cliError(['stitch', 'no-such.png', '-o', 'never.mp4', '--volume', '2']), 'flipbook: error: Expected an audio file (--audio) to go with it for --volume but received "2". Pass --audio track.mp3\n');
  });

  it('--size and --width take sizes past 16384 (the codec says its own limit); 1 is refused', async () => {
    assert.equal(await cliError(['stitch', 'no-such.png', '-o', 'never.webm', '--size', '1x16']), 'flipbook: error: Expected a size WIDTHxHEIGHT such as 1280x720 (whole numbers from 2) for --size but received "1x16"\n');
    await assert.rejects(planStitch('no-such-input-*.png', 'out.webm', { size: '20000x16' }), { code: 'NO_INPUT' });
    await assert.rejects(planStitch('no-such-input-*.png', 'out.webm', { width: 20000 }), { code: 'NO_INPUT' });
  });
});
