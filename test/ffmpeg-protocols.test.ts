/**
 * A path is a file, whatever it spells: FFmpeg would read `concat:a.mp4|b.mp4`, `pipe:0`,
 * `subfile,,start,0,end,0,,:x.mp4`, `file:x`, `cache:x` and `http:/host/x.mp4` as other files,
 * standard input or the network. Each name is given to the real command as a relative path:
 * where a file of that name exists, flipbook reads exactly it (its frame count is its own, 7,
 * and no other file's: a.mp4 + b.mp4 would be 5, x.mp4 4, x 6, standard input 8, the HTTP
 * server's video 9); where none exists, the error names it. The HTTP server on loopback must
 * receive no request. Formats that make FFmpeg read other files (a concat script, an HLS
 * playlist, an image sequence pattern) are refused or read as the one file named, and `audio`
 * inputs are opened the same way.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { type FlipbookError, createWriter, probe, readFrames, stitch } from '../src/index.js';
import { writeSineWav } from './helpers/audio.js';
import { runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';
import { encodePng } from './helpers/png.js';

/** The frame count of every file that is the one named. */
const NAMED = 7;

async function video(file: string, frames: number): Promise<void> {
  const writer = createWriter(file, { width: 32, height: 24, fps: 10, preset: 'ultrafast' });
  for (let i = 0; i < frames; i++) await writer.write(solid(32, 24, [40 * (frames % 6), 90, 200]).data, { layout: 'rgb' });
  await writer.close();
}

/** What `flipbook info --json` says of `name` in `cwd`: its frame count, or the error. */
async function info(name: string, cwd: string, stdin?: number): Promise<{ code: number | null; frames: number | undefined; file: string | undefined; stderr: string }> {
  const result = await runCli(['info', '--json', '--', name], { cwd, ...(stdin === undefined ? {} : { stdin }) });
  if (result.code !== 0) return { code: result.code, frames: undefined, file: undefined, stderr: result.stderr };
  const described = JSON.parse(result.stdout) as { file: string; streams: { type: string; frames: number }[] };
  return { code: 0, frames: described.streams.find((s) => s.type === 'video')?.frames, file: described.file, stderr: result.stderr };
}

describe('FFmpeg protocols in file names', () => {
  let dir: string;
  let present: string;
  let missing: string;
  let server: Server;
  let requests: string[];
  let http: string;
  let stdinVideo: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-protocols-'));
    present = join(dir, 'present');
    missing = join(dir, 'missing');
    requests = [];
    // The network: a server that would hand out a video of 9 frames.
    await video(join(dir, 'served.mp4'), 9);
    const served = await readFile(join(dir, 'served.mp4'));
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': served.length });
      res.end(served);
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    http = `http:/127.0.0.1:${(server.address() as AddressInfo).port}/x.mp4`;
    // Standard input: 8 frames.
    stdinVideo = join(dir, 'stdin.mp4');
    await video(stdinVideo, 8);
    // The other files the names point at, in both folders.
    for (const folder of [present, missing]) {
      await mkdir(folder, { recursive: true });
      await video(join(folder, 'a.mp4'), 2);
      await video(join(folder, 'b.mp4'), 3);
      await video(join(folder, 'x.mp4'), 4);
      await video(join(folder, 'x-6.mp4'), 6);
      await rename(join(folder, 'x-6.mp4'), join(folder, 'x'));
    }
    // The named files themselves, in `present` only: 7 frames each.
    await video(join(dir, 'named.mp4'), NAMED);
    for (const name of ['concat:a.mp4|b.mp4', 'pipe:0', 'subfile,,start,0,end,0,,:x.mp4', 'file:x', 'cache:x', http]) {
      await mkdir(join(present, name, '..'), { recursive: true });
      await copyFile(join(dir, 'named.mp4'), join(present, name));
    }
  });
  after(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  const names = () => ['concat:a.mp4|b.mp4', 'pipe:0', 'subfile,,start,0,end,0,,:x.mp4', 'file:x', 'cache:x', http];
  const labels = ['concat:a.mp4|b.mp4', 'pipe:0', 'subfile,,start,0,end,0,,:x.mp4', 'file:x', 'cache:x', 'http:/127.0.0.1:PORT/x.mp4'];

  for (const [i, label] of labels.entries()) {
    it(`${label}: the file of that name is read, and nothing else`, async () => {
      const name = names()[i] as string;
      const fd = openSync(stdinVideo, 'r');
      try {
        const result = await info(name, present, fd);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.file, name);
        assert.equal(result.frames, NAMED, `${label} read as the file of that name (${NAMED} frames), not another (${result.frames})`);
      } finally {
        closeSync(fd);
      }
      assert.deepEqual(requests, [], 'no request reached the network');
    });

    it(`${label}: when no file has that name, the error names it`, async () => {
      const name = names()[i] as string;
      const fd = openSync(stdinVideo, 'r');
      try {
        const result = await info(name, missing, fd);
        assert.equal(result.code, 1, `${label} must not be read from elsewhere (${result.frames} frames)`);
        assert.equal(result.stderr, `flipbook: error: Cannot open ${name}: no such file. Check the path\n`);
      } finally {
        closeSync(fd);
      }
      assert.deepEqual(requests, [], 'no request reached the network');
    });
  }

  it('a concat script is refused, whatever its name, before any file it lists is opened', async () => {
    await writeFile(join(present, 'joined.mp4'), 'ffconcat version 1.0\nfile a.mp4\nfile b.mp4\n');
    const result = await info('joined.mp4', present);
    assert.equal(result.code, 1, `a concat script read as ${result.frames} frames`);
    assert.match(result.stderr, /^flipbook: error: joined\.mp4 is an FFmpeg concat script, which names other files to read: flipbook reads only the file it is given unless asked\. Pass --allow-playlists to read the local files it lists/);
  });

  it('allowPlaylists: a concat script is read, its local files (one by an absolute path) joined; refused without it', async () => {
    const script = join(present, 'joined.ffconcat');
    await writeFile(script, `ffconcat version 1.0\nfile a.mp4\nfile ${join(present, 'b.mp4')}\n`);
    await assert.rejects(probe(script), (e: FlipbookError) => e.code === 'INVALID_INPUT' && e.option === 'allowPlaylists' && e.file === script, 'refused by default, naming the option');
    await assert.rejects(readFrames(script).next(), (e: FlipbookError) => e.option === 'allowPlaylists', 'readFrames refuses it by default');
    const described = await probe(script, { allowPlaylists: true });
    assert.equal(described.streams.find((s) => s.type === 'video')?.frames, 5, 'a.mp4 (2) and b.mp4 (3)');
    let decoded = 0;
    for await (const frame of readFrames(script, { allowPlaylists: true, layout: 'rgb' })) {
      assert.equal(frame.data.length, 32 * 24 * 3, 'a 32x24 RGB frame');
      decoded++;
    }
    assert.equal(decoded, 5, 'readFrames decodes the 5 frames of the two files');
    await assert.rejects(probe(script, { allowPlaylists: 'yes' as unknown as boolean }), (e: FlipbookError) => e.code === 'INVALID_OPTION' && e.option === 'allowPlaylists', 'true or false only');
  });

  it('--allow-playlists: info reads the concat script (refused without it: the test above)', async () => {
    await writeFile(join(present, 'cli.ffconcat'), 'ffconcat version 1.0\nfile a.mp4\nfile b.mp4\n');
    const result = await runCli(['info', '--json', '--allow-playlists', '--', 'cli.ffconcat'], { cwd: present });
    assert.equal(result.code, 0, result.stderr);
    const described = JSON.parse(result.stdout) as { streams: { type: string; frames: number }[] };
    assert.equal(described.streams.find((s) => s.type === 'video')?.frames, 5, 'a.mp4 (2) and b.mp4 (3)');
  });

  it('allowPlaylists keeps the file protocol alone: entries that name the network, standard input or a protocol are not read', async () => {
    const port = (server.address() as AddressInfo).port;
    const entries = [`http://127.0.0.1:${port}/x.mp4`, 'pipe:0', 'subfile,,start,0,end,0,,:x.mp4', 'concat:a.mp4|b.mp4'];
    for (const [i, entry] of entries.entries()) {
      const script = join(present, `reach-${i}.ffconcat`);
      await writeFile(script, `ffconcat version 1.0\nfile a.mp4\nfile '${entry}'\n`);
      const described = await probe(script, { allowPlaylists: true });
      assert.equal(described.streams.find((s) => s.type === 'video')?.frames, 2, `${entry}: only a.mp4 is read`);
      assert.ok(described.warnings.some((w) => w.includes('reading stopped after 2 video frames')), `${entry}: the stop is said: ${described.warnings.join('; ')}`);
    }
    await writeFile(join(present, 'reach.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.2,\na.mp4\n#EXTINF:0.9,\nhttp://127.0.0.1:${port}/x.mp4\n#EXT-X-ENDLIST\n`);
    const hls = await probe(join(present, 'reach.m3u8'), { allowPlaylists: true }).then((d) => d.streams.find((s) => s.type === 'video')?.frames, (e: Error) => e.message);
    assert.notEqual(hls, 9, 'the HLS playlist did not read the served video');
    assert.deepEqual(requests, [], 'no request reached the network');
  });

  it('an HLS playlist is refused, also when it lists a URL', async () => {
    await writeFile(join(present, 'play.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:0.7,\na.mp4\n#EXTINF:0.7,\nhttp://127.0.0.1:${(server.address() as AddressInfo).port}/x.mp4\n#EXT-X-ENDLIST\n`);
    const result = await info('play.m3u8', present);
    assert.equal(result.code, 1, `a playlist read as ${result.frames} frames`);
    assert.match(result.stderr, /^flipbook: error: play\.m3u8 is an HLS playlist \(m3u8\), which names other files/);
    assert.deepEqual(requests, [], 'no request reached the network');
  });

  it('a name with %d is the one image of that name, not a sequence', async () => {
    for (let n = 1; n <= 3; n++) await writeFile(join(present, `img${n}.png`), encodePng(solid(8, 8, [0, 0, 0])));
    await writeFile(join(present, 'img%d.png'), encodePng(solid(8, 8, [255, 255, 255])));
    const result = await info('img%d.png', present);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.frames, 1, 'one image, not img1..img3');
  });

  it('outputs: a video and a GIF written to http:/host/... are local files, and the server hears nothing', async () => {
    await writeFile(join(present, 'still.png'), encodePng(solid(32, 24, [10, 200, 10])));
    for (const ext of ['mp4', 'gif']) {
      const output = http.replace('x.mp4', `out.${ext}`);
      const result = await runCli(['stitch', 'still.png', 'still.png', '-o', output, '--fps', '10', '-q', ...(ext === 'mp4' ? ['--preset', 'ultrafast'] : [])], { cwd: present });
      assert.equal(result.code, 0, result.stderr);
      const written = await probe(join(present, output));
      assert.equal(written.streams.find((s) => s.type === 'video')?.frames, 2, `${output} holds the 2 frames`);
    }
    assert.deepEqual(requests, [], 'no request reached the network');
  });

  it('audio: a concat script of two WAVs is refused by default; with allowPlaylists (--allow-playlists) it is the music', async () => {
    await writeSineWav(join(present, 'part1.wav'), { seconds: 1 });
    await writeSineWav(join(present, 'part2.wav'), { seconds: 1.5 });
    // With its entries' durations: FFmpeg's concat demuxer knows a script's length only from them.
    await writeFile(join(present, 'tones.ffconcat'), 'ffconcat version 1.0\nfile part1.wav\nduration 1\nfile part2.wav\nduration 1.5\n');
    await writeFile(join(present, 'still.png'), encodePng(solid(32, 24, [10, 200, 10])));
    await assert.rejects(
      stitch([join(present, 'still.png')], join(present, 'refused.mp4'), { fps: 10, preset: 'ultrafast', audio: join(present, 'tones.ffconcat'), audioFit: 'extend' }),
      (e: FlipbookError) => e.option === 'allowPlaylists' && /concat script/.test(e.message),
      'refused by default, naming allowPlaylists',
    );
    const result = await runCli(['stitch', 'still.png', '-o', 'joined-music.mp4', '--fps', '10', '--preset', 'ultrafast', '--audio', 'tones.ffconcat', '--audio-fit', 'extend', '--allow-playlists', '-q'], { cwd: present });
    assert.equal(result.code, 0, result.stderr);
    const music = await probe(join(present, 'joined-music.mp4'));
    const audio = music.streams.find((s) => s.type === 'audio');
    assert.ok(audio?.duration !== undefined && Math.abs(audio.duration - 2.5) < 0.05, `the two tones, 2.5 s of audio: ${audio?.duration} s`);
    assert.ok(music.duration !== undefined && Math.abs(music.duration - 2.5) < 0.15, `the video extended to the music: ${music.duration} s`);
  });

  it('audio: file:tone.wav is the file of that name (1 s), not tone.wav (3 s)', async () => {
    await writeSineWav(join(present, 'file:tone.wav'), { seconds: 1 });
    await writeSineWav(join(present, 'tone.wav'), { seconds: 3 });
    await writeFile(join(present, 'still.png'), encodePng(solid(32, 24, [10, 200, 10])));
    const result = await runCli(['stitch', 'still.png', '-o', 'music.mp4', '--fps', '10', '--preset', 'ultrafast', '--audio', 'file:tone.wav', '--audio-fit', 'extend', '-q'], { cwd: present });
    assert.equal(result.code, 0, result.stderr);
    const music = await probe(join(present, 'music.mp4'));
    const audio = music.streams.find((s) => s.type === 'audio');
    assert.ok(audio?.duration !== undefined && Math.abs(audio.duration - 1) < 0.05, `audio of ${audio?.duration} s, expected 1 s`);
    assert.ok(music.duration !== undefined && Math.abs(music.duration - 1) < 0.15, `video of ${music.duration} s, expected 1 s`);
  });
});
