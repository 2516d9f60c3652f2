/**
 * `flipbook info --json` against the reference ffprobe (Debian's ffmpeg package; in CI it must
 * be installed, elsewhere the test is skipped without it).
 */
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { runCli } from './helpers/cli.js';
import { FFMPEG, FFPROBE, ffmpegVideo, ffprobeJson, needTool, run, stitchedVideo, tempDir, writeFrames } from './helpers/test-media.js';

const W = 96;
const H = 64;

interface ProbedStream {
  index: number;
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate: string;
  avg_frame_rate: string;
  nb_frames?: string;
  nb_read_frames?: string;
  sample_rate?: string;
  channels?: number;
}

test('info --json agrees with the reference ffprobe on codec, size, pixel format, frame rate and frame count', async (t) => {
  if (!needTool(t, FFPROBE) || !needTool(t, FFMPEG)) return;
  const dir = await tempDir(t);
  const files: string[] = [];
  const mp4 = join(dir, 'ntsc.mp4');
  await stitchedVideo(join(dir, 'a'), mp4, 20, W, H, { fps: '30000/1001' });
  const webm = join(dir, 'vp9.webm');
  await stitchedVideo(join(dir, 'b'), webm, 12, W, H, { fps: 12 });
  const deep = join(dir, 'deep422.mkv');
  await ffmpegVideo(deep, 15, W, H, '24000/1001', ['-pix_fmt', 'yuv422p10le', '-c:v', 'libx264', '-preset', 'ultrafast']);
  const rotated = join(dir, 'rotated.mp4');
  await run(FFMPEG, ['-v', 'error', '-y', '-i', mp4, '-c', 'copy', '-metadata:s:v', 'rotate=90', rotated]);
  const av = join(dir, 'av.mkv');
  await ffmpegVideo(av, 25, W, H, '25', ['-f', 'lavfi', '-i', 'sine=d=1:sample_rate=44100', '-map', '0:v', '-map', '1:a', '-c:v', 'mpeg4', '-c:a', 'libopus', '-shortest']);
  files.push(mp4, webm, deep, rotated, av);

  for (const file of files) {
    const cli = await runCli(['info', file, '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    const lines = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const info = lines.find((l) => l.event === 'info') as { container: string; streams: Record<string, unknown>[] } | undefined;
    assert.ok(info, cli.stdout);
    const reference = (await ffprobeJson(file, ['-count_frames', '-show_streams', '-show_format'])) as { streams: ProbedStream[]; format: { format_name: string } };
    assert.equal(info.container, reference.format.format_name, file);
    assert.equal(info.streams.length, reference.streams.length, file);
    for (const ref of reference.streams) {
      const ours = info.streams[ref.index] as Record<string, unknown>;
      const where = `${file} stream ${ref.index}`;
      assert.equal(ours.type, ref.codec_type, where);
      assert.equal(ours.codec, ref.codec_name, where);
      if (ref.codec_type === 'video') {
        assert.equal(ours.width, ref.width, where);
        assert.equal(ours.height, ref.height, where);
        assert.equal(ours.pixelFormat, ref.pix_fmt, where);
        assert.equal(ours.frameRate, ref.r_frame_rate, where);
        assert.equal(ours.avgFrameRate, ref.avg_frame_rate, where);
        assert.equal(ours.frames, Number(ref.nb_read_frames), `${where}: frames`);
        if (ref.nb_frames !== undefined) assert.equal(ours.headerFrames, Number(ref.nb_frames), `${where}: header frames`);
      } else if (ref.codec_type === 'audio') {
        assert.equal(ours.sampleRate, Number(ref.sample_rate), where);
        assert.equal(ours.channels, ref.channels, where);
      }
    }
  }
});

test('info prints a readable summary; a missing file exits with 1 and names it', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'clip.mp4');
  await stitchedVideo(dir, file, 5, W, H, { fps: '29.97' });
  const cli = await runCli(['info', file]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /#0 video: h264 \(High\), yuv420p 8-bit 4:2:0, 96x64/);
  assert.match(cli.stdout, /30000\/1001 \(29\.97\) fps average/);
  assert.match(cli.stdout, /5 frames \(counted\)/);
  const missing = join(dir, 'none.mp4');
  const bad = await runCli(['info', missing, '--json']);
  assert.equal(bad.code, 1);
  const error = JSON.parse(bad.stdout.trim().split('\n').at(-1) ?? '{}') as { event: string; code: string; file: string };
  assert.deepEqual([error.event, error.code, error.file], ['error', 'INVALID_INPUT', missing]);
});

test('info on the APNG, WebP and GIF flipbook writes at 30 fps: their duration, and no "variable frame rate"', async (t) => {
  const dir = await tempDir(t);
  await writeFrames(join(dir, 'a'), 10, W, H);
  for (const [format, seconds] of [['apng', '0.333'], ['webp', '0.333'], ['gif', '0.330']] as const) {
    const file = join(dir, `an.${format}`);
    const made = await runCli(['stitch', join(dir, 'a'), '-o', file, '--fps', '30']);
    assert.equal(made.code, 0, made.stderr);
    const cli = await runCli(['info', file]);
    assert.equal(cli.code, 0, cli.stderr);
    const [head, , rates] = cli.stdout.split('\n');
    assert.match(head ?? '', new RegExp(`\\(${format === 'webp' ? 'webp_anim' : format}\\), ${seconds.replace('.', '\\.')} s, `), `${format}: the file's duration: ${cli.stdout}`);
    assert.doesNotMatch(rates ?? '', /variable frame rate/, `${format}: ${cli.stdout}`);
    assert.match(rates ?? '', new RegExp(`; 10 frames \\(counted\\); ${seconds.replace('.', '\\.')} s$`), `${format}: the stream's duration: ${cli.stdout}`);
  }
});

test('info on a device or a pipe says it is not a regular file (it said "empty (0 bytes). The file was not written completely")', async (t) => {
  const result = await runCli(['info', '/dev/null']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'flipbook: error: /dev/null is not a regular file (a device, a pipe or a socket). Pass a video file such as movie.mp4; save a stream to a file first\n');
  // In a list of images too.
  const dir = await tempDir(t);
  const list = join(dir, 'list.txt');
  await writeFile(list, '/dev/null\n');
  const stitched = await runCli(['stitch', list, '-o', join(dir, 'out.mp4')]);
  assert.equal(stitched.code, 1);
  assert.match(stitched.stderr, /^flipbook: error: \/dev\/null \(input 1\) is not a regular file \(a device, a pipe or a socket\)\. Give the path of an image file\n$/);
});

test('info on a PNG cut in its header, or a text file named .png, says it is damaged (it described a 0x0 picture of one frame, and split refused it)', async (t) => {
  const dir = await tempDir(t);
  await writeFrames(join(dir, 'a'), 1, W, H);
  const whole = await readFile(join(dir, 'a', (await readdir(join(dir, 'a')))[0] ?? ''));
  const cut = join(dir, 'cut.png');
  await writeFile(cut, whole.subarray(0, 20));
  const text = join(dir, 'notes.png');
  await writeFile(text, 'hello\n');
  for (const file of [cut, text]) {
    const cli = await runCli(['info', file]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stderr, `flipbook: ${file} is damaged: its video stream has no picture size\n`);
    const split = await runCli(['split', file, '-o', join(dir, 'frames', '%d.png')]);
    assert.equal(split.stderr, `flipbook: error: ${file} is damaged: its video stream has no picture size. Replace the file\n`, 'the words split refuses it with');
  }
  // A whole PNG has no such warning.
  const good = await runCli(['info', join(dir, 'a', (await readdir(join(dir, 'a')))[0] ?? '')]);
  assert.equal(good.stderr, '');
  assert.match(good.stdout, new RegExp(`, ${W}x${H}\\n`));
});
