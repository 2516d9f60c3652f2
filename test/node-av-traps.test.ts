/**
 * Regression tests for the node-av 6.1.1 traps that src/engine works around (README, "node-av
 * traps"). The 4K frame-lifetime trap has its own test, node-av-4k-frames.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import '../src/engine/index.js';
import { stitch } from '../src/index.js';
import { pictureFromPixels } from '../src/engine/index.js';
import { cliBundle } from './helpers/cli.js';
import { VideoReader } from './helpers/video-reader.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const red = join(root, 'test/assets/solid-c83232.png');

describe('node-av traps', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-traps-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('polyfills Promise.withResolvers, which node-av\'s Demuxer calls, on Node 20', async () => {
    assert.equal(typeof (Promise as unknown as { withResolvers: unknown }).withResolvers, 'function');
    const file = join(dir, 'demux.mp4');
    await stitch(Array<string>(12).fill(red), file, { preset: 'ultrafast' });
    // The high-level Demuxer's packet queue is where withResolvers is used.
    const { Demuxer } = await import('node-av/api');
    const demuxer = await Demuxer.open(file);
    let packets = 0;
    for await (const packet of demuxer.packets()) {
      if (!packet) break;
      packets++;
      packet.free();
    }
    await demuxer.close();
    assert.equal(packets, 12);
  });

  it('copies caller pixels into FFmpeg memory, where node-av\'s fromVideoBuffer shares them', async () => {
    const { Frame } = await import('node-av/lib');
    const { AV_PIX_FMT_RGBA } = await import('node-av/constants');
    const shared = Buffer.alloc(4 * 4 * 4, 7);
    const wrapped = Frame.fromVideoBuffer(shared, { width: 4, height: 4, format: AV_PIX_FMT_RGBA } as never);
    const source = Buffer.alloc(4 * 4 * 4, 7);
    const picture = pictureFromPixels({ data: source, width: 4, height: 4, layout: 'rgba' });
    shared.fill(99);
    source.fill(99);
    // The trap is real in this node-av: the wrapped frame follows the JavaScript buffer...
    assert.equal(wrapped.toBuffer()[0], 99, 'node-av 6.1.1 fromVideoBuffer no longer shares memory: revisit src/engine/picture.ts');
    // ...and flipbook's picture does not.
    assert.equal(picture.toBuffer()[0], 7, 'pictureFromPixels must copy');
    wrapped.free();
    picture.release();
  });

  it('node-av\'s frame.fromBuffer points at the JavaScript buffer too: GIF frames are copied out of it', async () => {
    const { Frame } = await import('node-av/lib');
    const { AV_PIX_FMT_GRAY8 } = await import('node-av/constants');
    const frame = new Frame();
    frame.alloc();
    frame.format = AV_PIX_FMT_GRAY8;
    frame.width = 4;
    frame.height = 4;
    const bytes = Buffer.alloc(16, 7);
    assert.ok(frame.fromBuffer(bytes) >= 0, 'fromBuffer accepted the bytes');
    bytes.fill(99);
    // The trap src/engine/animation-encoder.ts (GifFrames.map) works around with av_frame_copy.
    assert.equal(frame.toBuffer()[0], 99, 'node-av 6.1.1 fromBuffer no longer shares memory: revisit GifFrames.map');
    frame.free();
  });

  it('writes yuv420p, not the yuv444p node-av picks for RGB(A) input', async () => {
    const file = join(dir, 'format.mp4');
    await stitch([red, red], file, { preset: 'ultrafast' });
    const reader = await VideoReader.open(file);
    assert.equal(reader.video.pixelFormat, 'yuv420p');
    assert.equal(reader.video.profile, 'High');
    await reader.close();
  });

  it('keeps FFmpeg\'s own log off the terminal and exits cleanly (async API only)', () => {
    // A truncated PNG makes FFmpeg's PNG decoder log an error; only flipbook's lines may show.
    const cli = spawnSync(
      process.execPath,
      [cliBundle(), 'stitch', red, join(root, 'test/assets/truncated-for-log.png'), red, '-o', join(dir, 'log.mp4'), '--skip-invalid', '--preset', 'ultrafast'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(cli.status, 0, cli.stderr);
    assert.equal(cli.signal, null);
    const lines = cli.stderr.split('\n').filter(Boolean);
    assert.ok(lines.length >= 1, 'the skip is reported');
    for (const line of lines) assert.match(line, /^flipbook: /, `unexpected stderr line: ${line}`);
    assert.match(cli.stdout, /Wrote .*log\.mp4: 2 frames/);
  });
});
