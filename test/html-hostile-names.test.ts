/**
 * A file's name is never read as markup: `flipbook html` and toHTML put the name in a comment,
 * an attribute, the player's fallback text and the page title, and the path in a URL. Files named
 * to break out of each (`--->`, `--!>`, quotes, `<img onerror>`, `<svg onload>`) and with
 * characters URLs treat specially (`&`, `?`, `#`, `%`, spaces, non-ASCII) are written into
 * pages that headless Chromium opens: no handler runs (each would set `window.pwned`), the page
 * holds exactly one media element and no other, and the named file itself loads and plays.
 */
import assert from 'node:assert/strict';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { createWriter, toHTML } from '../src/index.js';
import { chromiumSkipReason, useBrowser } from './helpers/browser.js';
import { runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';

const WIDTH = 64;
const HEIGHT = 48;

/** Each name tries another way out; the suffix is the container the file really is. */
const NAMES = [
  'x---><img src=x onerror=window.pwned=1>.mp4',
  '--!><img src=x onerror=window.pwned=2> <!-- x.gif',
  `q" onerror="window.pwned=3" x='a' & ? # % 20 é 日本.gif`,
  '<svg onload=window.pwned=4> %41%2F?a=b#c.mp4',
];

/**
 * What the page did: whether anything ran, which elements it holds, its title and comments,
 * and whether its one video or image loaded (a video up to canplay, with its duration).
 */
const PROBE = `(async () => {
  const media = document.querySelectorAll('video, img');
  const extra = document.querySelectorAll('svg, script, iframe, object, embed').length;
  const comments = [];
  const walker = document.createTreeWalker(document, NodeFilter.SHOW_COMMENT);
  while (walker.nextNode()) comments.push(walker.currentNode.data);
  const result = { pwned: window.pwned ?? null, media: media.length, extra, title: document.title, comments, loaded: false, duration: 0, width: 0 };
  const element = media[0];
  if (!element) return result;
  if (element.tagName === 'VIDEO') {
    if (element.readyState < 3) await new Promise((ok, fail) => { element.addEventListener('canplay', ok, { once: true }); element.querySelector('source').addEventListener('error', () => fail(new Error('video source error')), { once: true }); setTimeout(() => fail(new Error('video timeout')), 10000); });
    Object.assign(result, { loaded: true, duration: element.duration, width: element.videoWidth });
  } else {
    if (!element.complete) await new Promise((ok, fail) => { element.onload = ok; element.onerror = () => fail(new Error('image error')); });
    Object.assign(result, { loaded: element.naturalWidth > 0, width: element.naturalWidth });
  }
  return { ...result, pwned: window.pwned ?? null };
})()`;

interface Probe {
  pwned: unknown;
  media: number;
  extra: number;
  title: string;
  comments: string[];
  loaded: boolean;
  duration: number;
  width: number;
}

describe('hostile file names in HTML, in headless Chromium', { skip: chromiumSkipReason() }, () => {
  const env = useBrowser('flipbook-html-names-', async (dir) => {
    for (const ext of ['mp4', 'gif']) {
      const writer = createWriter(join(dir, `plain.${ext}`), { width: WIDTH, height: HEIGHT, fps: 10, ...(ext === 'gif' ? {} : { preset: 'ultrafast' }) });
      for (let i = 0; i < 10; i++) await writer.write(solid(WIDTH, HEIGHT, [200, 50, 50]).data, { layout: 'rgb' });
      await writer.close();
    }
    for (const name of NAMES) await copyFile(join(dir, `plain.${name.slice(-3)}`), join(dir, name));
  });

  // One tab for the suite (closed with the browser): each page is a new document in it
  // (window.pwned starts unset), without the cost of a new tab's renderer each time.
  let tab: Page | undefined;

  async function open(url: string): Promise<Probe> {
    tab ??= await env.browser.newPage();
    await tab.goto(url);
    // Let any handler that markup could have set up (image errors, svg onload) run first.
    await tab.waitForTimeout(200);
    return (await tab.evaluate(PROBE)) as Probe;
  }

  function check(probe: Probe, name: string, linked: boolean): void {
    assert.equal(probe.pwned, null, `a handler ran for ${JSON.stringify(name)}`);
    assert.equal(probe.media, 1, `one video or image on the page for ${JSON.stringify(name)}`);
    assert.equal(probe.extra, 0, `no svg, script or frame on the page for ${JSON.stringify(name)}`);
    assert.ok(probe.loaded, `${JSON.stringify(name)} loaded`);
    assert.equal(probe.width, WIDTH);
    if (name.endsWith('.mp4')) assert.ok(Math.abs(probe.duration - 1) < 0.001, `duration ${probe.duration}`);
    if (linked) {
      assert.equal(probe.comments.length, 1, `one comment: ${JSON.stringify(probe.comments)}`);
      const shown = probe.comments[0]?.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') ?? '';
      assert.ok(shown.startsWith(` flipbook: ${name} (`), `the comment names the file: ${JSON.stringify(probe.comments[0])}`);
    }
  }

  for (const name of NAMES) {
    for (const embed of ['never', 'always'] as const) {
      it(`flipbook html --embed ${embed} ${JSON.stringify(name)}`, async () => {
        const result = await runCli(['html', '--embed', embed, '-q', '-y', '--', name], { cwd: env.dir });
        assert.equal(result.code, 0, result.stderr);
        const page = `${basename(name, name.slice(-4))}.html`;
        const html = await readFile(join(env.dir, page), 'utf8');
        assert.equal(html.includes('<img src=x'), false, 'the name is escaped in the page');
        const probe = await open(`${env.base}/${encodeURIComponent(page)}`);
        check(probe, name, embed === 'never');
        assert.equal(probe.title, name, 'the title is the file name, as text');
      });
    }

    it(`toHTML linked by its file: URL ${JSON.stringify(name)}`, async () => {
      const snippet = await toHTML(join(env.dir, name), { embed: 'never' });
      const page = join(env.dir, `library-${NAMES.indexOf(name)}.html`);
      await writeFile(page, `<!doctype html><html><body>${snippet}</body></html>`);
      check(await open(pathToFileURL(page).href), name, true);
    });
  }
});
