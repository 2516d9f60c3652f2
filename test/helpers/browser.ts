/**
 * Headless Chromium for the playback tests: Debian's /usr/bin/chromium driven by
 * playwright-core (no browser download), and a loopback HTTP server for the pages and media.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { type Browser, type Page, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * `false` when Chromium is there; otherwise the reason to skip with. Under CI=true a missing
 * Chromium throws instead: .ci/run installs it, so its absence there is a failure.
 */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for this test`);
  return `${CHROMIUM} not installed (apt-get install -y chromium)`;
}

/**
 * The browser for a suite. Under `npm test`, scripts/test.mjs starts one Chromium for every test
 * file (a Playwright browser server, at `FLIPBOOK_TEST_CHROMIUM`) and this connects to it: a
 * Chromium start costs about 2 s of CPU, and nine files use one. `close()` on a connected browser
 * closes the suite's pages and disconnects; the server stays for the other files. A file run
 * alone launches its own.
 */
export function launchChromium(): Promise<Browser> {
  const shared = process.env.FLIPBOOK_TEST_CHROMIUM;
  if (shared) return chromium.connect(shared);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

/**
 * Page-side helpers, installed in every page opened with `openPage` as `window.fb`. They read
 * pixels only off a frame known to be the one asked for, so a loaded machine cannot make a check
 * read a stale frame:
 *
 * - `fb.openVideo(src)`: a fresh, muted, paused `<video>` for `src` (never a reused element with
 *   a reassigned `src`), once it can play.
 * - `fb.ready(video)`: waits until a video already in the page can play, and pauses it.
 * - `fb.readVideo(video, { fps, frame, points })`: seeks to the middle of frame `frame` (never to
 *   the edge between two frames), waits for `seeked` and then for that frame to be presented
 *   (`requestVideoFrameCallback` reporting its media time), takes it as a WebCodecs `VideoFrame`,
 *   checks its timestamp is that frame's, draws that `VideoFrame` (not the element, whose
 *   picture Chromium can still update after `seeked`) and returns the RGBA of each point.
 * - `fb.readImage(img, points)`: waits for the image to load and `img.decode()`, draws it, and
 *   returns the RGBA of each point.
 *
 * Each throws, naming what it saw, rather than read a frame it cannot vouch for. A `readVideo`
 * must move the position: a seek to where the video already is presents no new frame.
 */
export const PAGE_HELPERS = `(() => {
  const DEADLINE_MS = 15000;
  const failed = (what, video) => new Error(what + (video ? ' (readyState ' + video.readyState + ', currentTime ' + video.currentTime + ', error ' + (video.error && video.error.code + ' ' + video.error.message) + ')' : ''));
  // what: a string, or a function giving one when the time is up.
  const within = (promise, what, video) => {
    let timer;
    const late = new Promise((_, fail) => { timer = setTimeout(() => fail(failed('timed out: ' + (typeof what === 'function' ? what() : what), video)), DEADLINE_MS); });
    return Promise.race([promise, late]).finally(() => clearTimeout(timer));
  };
  const pixels = (source, width, height, points) => {
    const canvas = document.createElement('canvas');
    canvas.width = width; canvas.height = height;
    const g = canvas.getContext('2d', { willReadFrequently: true });
    g.drawImage(source, 0, 0, width, height);
    return points.map(([x, y]) => Array.from(g.getImageData(x, y, 1, 1).data));
  };
  const ready = async (video) => {
    if (video.readyState < 3) {
      await within(new Promise((ok, fail) => {
        video.addEventListener('canplay', ok, { once: true });
        video.addEventListener('error', () => fail(failed('media error', video)), { once: true });
      }), 'canplay', video);
    }
    video.pause();
    return video;
  };
  const openVideo = (src) => {
    const video = document.createElement('video');
    video.muted = true; video.playsInline = true; video.preload = 'auto';
    video.src = src;
    document.body.append(video);
    return ready(video);
  };
  const readVideo = async (video, { fps, frame, points }) => {
    video.pause();
    const start = Math.round((frame / fps) * 1e6);
    const end = Math.round(((frame + 1) / fps) * 1e6);
    const shown = (micros) => micros >= start - 1 && micros < end - 1;
    const seen = [];
    // Registered before the seek, so the presentation of the seeked frame cannot be missed.
    const presented = new Promise((ok) => {
      const wait = () => video.requestVideoFrameCallback((_, meta) => {
        const micros = Math.round(meta.mediaTime * 1e6);
        seen.push(micros);
        if (shown(micros)) ok(); else wait();
      });
      wait();
    });
    const seeked = new Promise((ok) => video.addEventListener('seeked', ok, { once: true }));
    video.currentTime = (frame + 0.5) / fps;
    await within(seeked, 'seeked at ' + video.currentTime, video);
    await within(presented, () => 'frame ' + frame + ' presented (frames presented since the seek began: ' + seen.join(', ') + ' us)', video);
    const picture = new VideoFrame(video);
    try {
      if (!shown(picture.timestamp)) throw failed('the presented frame has timestamp ' + picture.timestamp + ' us, not frame ' + frame + ' at ' + start + ' us', video);
      return { timestamp: picture.timestamp, pixels: pixels(picture, video.videoWidth, video.videoHeight, points) };
    } finally {
      picture.close();
    }
  };
  const readImage = async (img, points) => {
    if (!img.complete) await within(new Promise((ok, fail) => { img.addEventListener('load', ok, { once: true }); img.addEventListener('error', () => fail(new Error('image error')), { once: true }); }), 'image load');
    await img.decode();
    if (!img.naturalWidth) throw new Error('image did not decode');
    return pixels(img, img.naturalWidth, img.naturalHeight, points);
  };
  window.fb = { openVideo, ready, readVideo, readImage };
})();`;

/** The type of `window.fb` in a page opened with `openPage`, for `page.evaluate` callbacks. */
export interface PageHelpers {
  openVideo(src: string): Promise<HTMLVideoElementLike>;
  ready(video: HTMLVideoElementLike): Promise<HTMLVideoElementLike>;
  readVideo(video: HTMLVideoElementLike, at: { fps: number; frame: number; points: number[][] }): Promise<{ timestamp: number; pixels: number[][] }>;
  readImage(img: unknown, points: number[][]): Promise<number[][]>;
}

/** What the tests read off a page's video element (the project does not load the DOM types). */
export interface HTMLVideoElementLike {
  duration: number;
  videoWidth: number;
  videoHeight: number;
}

/** A new tab with `PAGE_HELPERS` installed, at `url`. */
export async function openPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.addInitScript({ content: PAGE_HELPERS });
  await page.goto(url);
  return page;
}

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  gif: 'image/gif',
  webp: 'image/webp',
  png: 'image/png',
  html: 'text/html; charset=utf-8',
};

/** Serves one directory on loopback, with byte ranges as media elements ask for them. */
export async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    readFile(join(dir, name)).then(
      (body) => {
        const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
        const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
        if (range) {
          const start = Number(range[1]);
          const end = range[2] ? Number(range[2]) : body.length - 1;
          res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${start}-${end}/${body.length}`, 'accept-ranges': 'bytes', 'content-length': end - start + 1 });
          res.end(body.subarray(start, end + 1));
        } else {
          res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': body.length });
          res.end(body);
        }
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Every channel of `actual` within `tolerance` of `expected`. */
export function assertPixel(actual: readonly number[], expected: readonly number[], tolerance: number, label = 'pixel'): void {
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? -999) - e)));
  assert.ok(worst <= tolerance, `${label} ${actual.join(',')} vs expected ${expected.join(',')} (off by ${worst}, allowed ${tolerance})`);
}

/** What a browser suite gets: a served directory and a running Chromium. */
export interface BrowserEnv {
  /** The served directory (created before the suite, removed after it). */
  dir: string;
  /** Its URL on loopback, without a trailing slash. */
  base: string;
  browser: Browser;
}

/**
 * Sets up a suite's browser: a temporary directory filled by `prepare`, served on loopback, and
 * Chromium; all torn down after the suite. Call it inside `describe`.
 */
export function useBrowser(prefix: string, prepare: (dir: string) => Promise<void> = async () => undefined): BrowserEnv {
  const env = {} as BrowserEnv;
  let server: Server | undefined;
  before(async () => {
    env.dir = await mkdtemp(join(tmpdir(), prefix));
    await prepare(env.dir);
    ({ server, url: env.base } = await serve(env.dir));
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(env.dir, { recursive: true, force: true });
  });
  return env;
}
