/**
 * What toHTML writes plays in a real browser (Debian's Chromium, headless, through
 * playwright-core): MP4, WebM and GIF, each embedded and linked. The video reaches canplay
 * with the right duration and size, the GIF loads with its size and frame timing, and a frame
 * drawn to a canvas has the source colour. All three are written by flipbook's frame writer.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';


import { type HtmlOptions, createWriter, toHTML } from '../src/index.js';
import { assertPixel, chromiumSkipReason, openPage, useBrowser } from './helpers/browser.js';
import { solid } from './helpers/images.js';

const RED = [200, 50, 50] as const;
const WIDTH = 160;
const HEIGHT = 120;

/**
 * Looks at the page's one video or image: size, duration, and the colour of its middle (for the
 * video, of frame 5, 0.5-0.6 s at 10 fps, read at 0.55 s once presented).
 */
const PROBE = `(async () => {
  const media = document.querySelector('video, img');
  if (media.tagName === 'VIDEO') {
    await fb.ready(media);
    const read = await fb.readVideo(media, { fps: 10, frame: 5, points: [[media.videoWidth >> 1, media.videoHeight >> 1]] });
    return { tag: 'video', src: media.currentSrc.slice(0, 30), duration: media.duration, width: media.videoWidth, height: media.videoHeight, timestamp: read.timestamp, pixel: read.pixels[0].slice(0, 3) };
  }
  const pixel = (await fb.readImage(media, [[media.naturalWidth >> 1, media.naturalHeight >> 1]]))[0].slice(0, 3);
  // The animation's frame timing, through WebCodecs' ImageDecoder.
  const type = media.src.startsWith('data:') ? media.src.slice(5, media.src.indexOf(';')) : 'image/gif';
  const decoder = new ImageDecoder({ data: (await fetch(media.src)).body, type });
  await decoder.tracks.ready;
  await decoder.completed;
  const frames = decoder.tracks.selectedTrack.frameCount;
  let micros = 0;
  for (let i = 0; i < frames; i++) micros += (await decoder.decode({ frameIndex: i })).image.duration;
  return { tag: 'img', src: media.src.slice(0, 30), duration: micros / 1e6, frames, width: media.naturalWidth, height: media.naturalHeight, pixel };
})()`;

interface Probe {
  tag: string;
  src: string;
  duration: number;
  frames?: number;
  /** For the video, the timestamp of the frame read, in microseconds. */
  timestamp?: number;
  width: number;
  height: number;
  pixel: number[];
}

describe('toHTML in headless Chromium', { skip: chromiumSkipReason() }, () => {
  const env = useBrowser('flipbook-html-play-', async (dir) => {
    // One second of solid red at 10 fps: MP4 and MOV (H.264: Chromium plays a MOV given as video/mp4
    // too, and skips a source of video/quicktime alone), WebM (VP9), GIF (its palette holds the colour exactly).
    for (const name of ['red.mp4', 'red.mov', 'red.webm', 'red.gif']) {
      const writer = createWriter(join(dir, name), { width: WIDTH, height: HEIGHT, fps: 10, ...(name.endsWith('.gif') ? {} : { preset: 'ultrafast' }) });
      for (let i = 0; i < 10; i++) await writer.write(solid(WIDTH, HEIGHT, RED).data, { layout: 'rgb' });
      await writer.close();
    }
  });

  for (const name of ['red.mp4', 'red.mov', 'red.webm', 'red.gif']) {
    for (const embed of ['always', 'never'] as const) {
      it(`${name}, ${embed === 'always' ? 'embedded' : 'linked'}`, async () => {
        const options: HtmlOptions = { embed, ...(embed === 'never' ? { href: name } : {}) };
        const snippet = await toHTML(join(env.dir, name), options);
        const page = `${name}.${embed}.html`;
        await writeFile(join(env.dir, page), `<!doctype html><html><body>${snippet}</body></html>`);
        const tab = await openPage(env.browser, `${env.base}/${page}`);
        try {
          const probe = (await tab.evaluate(PROBE)) as Probe;
          const video = name.endsWith('.gif') ? 'img' : 'video';
          assert.equal(probe.tag, video);
          assert.ok(embed === 'always' ? probe.src.startsWith('data:') : probe.src.startsWith(env.base), `source ${probe.src}`);
          assert.deepEqual([probe.width, probe.height], [WIDTH, HEIGHT]);
          assert.ok(Math.abs(probe.duration - 1) < 0.001, `duration ${probe.duration}`);
          if (video === 'img') assert.equal(probe.frames, 10);
          else assert.equal(probe.timestamp, 500_000, 'the frame read is frame 5');
          // BT.709 decoded as BT.601 would be off by ~16 in green; the GIF holds the colour exactly.
          assertPixel(probe.pixel, RED, name.endsWith('.gif') ? 1 : 6, `${name} middle pixel`);
        } finally {
          await tab.close();
        }
      });
    }
  }
});
