/** H.264 with AAC from stitch --audio plays in headless Chromium: the right length, and its audio decodes. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { stitch } from '../src/index.js';
import { writeSineWav } from './helpers/audio.js';
import { chromiumSkipReason, launchChromium, serve } from './helpers/browser.js';
import { writeSolidFrames } from './helpers/frames.js';

const PAGE = `<!doctype html><body><video id="v" muted playsinline preload="auto"></video><script>
window.play = async (src) => {
  const v = document.getElementById('v');
  await new Promise((ok, fail) => { v.oncanplay = ok; v.onerror = () => fail(new Error('media error ' + (v.error && v.error.code))); v.src = src; });
  await v.play();
  // Until the clock, which the audio drives, has run 0.4 s of the file: however slow the machine,
  // the audio has been decoded by then (a wall-clock wait could end before playback starts).
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('playback stalled at ' + v.currentTime + ' s')), 20000);
    const check = () => { if (v.currentTime >= 0.4) { clearTimeout(timer); v.removeEventListener('timeupdate', check); ok(); } };
    v.addEventListener('timeupdate', check);
    check();
  });
  v.pause();
  return { duration: v.duration, audioBytes: v.webkitAudioDecodedByteCount, videoBytes: v.webkitVideoDecodedByteCount };
};
</script></body>`;

describe('H.264 with AAC in headless Chromium', { skip: chromiumSkipReason() }, () => {
  it('plays, with the right duration and decoded audio', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flipbook-audio-play-'));
    const { server, url } = await serve(dir);
    const browser = await launchChromium();
    try {
      await writeFile(join(dir, 'index.html'), PAGE);
      const frames = await writeSolidFrames(dir, [0, 1, 2, 3].map((colour) => ({ name: `f${colour}.png`, colour })));
      const track = await writeSineWav(join(dir, 'music.wav'), { seconds: 1 });
      // 4 images of 0.5 s with music of 1 s, extended to the video's 2 s with silence.
      const result = await stitch(frames, join(dir, 'movie.mp4'), { fps: 10, hold: 0.5, audio: track, audioFit: 'pad', preset: 'ultrafast' });
      assert.equal(result.audio?.codec, 'aac');
      const page = await browser.newPage();
      await page.goto(`${url}/index.html`);
      const played = await page.evaluate((src) => (globalThis as unknown as { play: (s: string) => Promise<{ duration: number; audioBytes: number; videoBytes: number }> }).play(src), 'movie.mp4');
      assert.ok(Math.abs(played.duration - 2) < 0.03, `duration ${played.duration}`);
      assert.ok(played.audioBytes > 0, `Chromium decoded the AAC track (${played.audioBytes} bytes)`);
      assert.ok(played.videoBytes > 0);
    } finally {
      await browser.close();
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
