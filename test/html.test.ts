/**
 * toHTML, display and `flipbook html`: the element and MIME type come from the file's real
 * container (its first bytes), small files are embedded and large ones linked with the reason
 * said, notebooks get their display hooks, and the command writes a page under the usual
 * overwrite rules. (Playback of these snippets in Chromium: html-playback.test.ts.)
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';

import { DEFAULT_EMBED_LIMIT, FlipbookError, JUPYTER_DISPLAY, createWriter, display, toHTML } from '../src/index.js';
import { notebookHooks } from '../src/html/display.js';
import { formatBytes } from '../src/util/format.js';
import { sniffMediaType } from '../src/html/media-type.js';
import { progressLine } from '../src/html/notebook-progress.js';
import { runCli } from './helpers/cli.js';
import { solid } from './helpers/images.js';
import { encodePng } from './helpers/png.js';
import { listDir, tempDir } from './helpers/temp.js';

/** A short solid video written by flipbook itself. */
async function video(file: string, frames = 5): Promise<string> {
  const writer = createWriter(file, { width: 64, height: 48, fps: 10, preset: 'ultrafast' });
  for (let i = 0; i < frames; i++) await writer.write(solid(64, 48, [200, 50, 50]).data, { layout: 'rgb' });
  await writer.close();
  return file;
}

/** A PNG with an acTL chunk after its header: an APNG to a sniffer. */
function apng(): Buffer {
  const png = encodePng(solid(4, 4, [0, 0, 0]));
  const actl = Buffer.from([0, 0, 0, 8, ...Buffer.from('acTL'), 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([png.subarray(0, 33), actl, png.subarray(33)]);
}

describe('sniffing the real container', () => {
  const cases: [string, Uint8Array, string | undefined][] = [
    ['MP4 (ftyp isom)', Buffer.from('\0\0\0\x20ftypisom\0\0\x02\0', 'latin1'), 'video/mp4'],
    ['MOV (ftyp qt)', Buffer.from('\0\0\0\x14ftypqt  \0\0\x02\0', 'latin1'), 'video/quicktime'],
    ['old MOV (moov first)', Buffer.from('\0\0\0\x08moov', 'latin1'), 'video/quicktime'],
    ['WebM (EBML, DocType webm)', Buffer.from('\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm', 'latin1'), 'video/webm'],
    ['Matroska', Buffer.from('\x1a\x45\xdf\xa3\xa3\x42\x82\x88matroska', 'latin1'), 'video/x-matroska'],
    ['GIF89a', Buffer.from('GIF89a\x01\0\x01\0', 'latin1'), 'image/gif'],
    ['WebP', Buffer.from('RIFF\x24\0\0\0WEBPVP8X', 'latin1'), 'image/webp'],
    ['APNG', apng(), 'image/apng'],
    ['PNG', encodePng(solid(4, 4, [0, 0, 0])), 'image/png'],
    ['text', Buffer.from('hello, world'), undefined],
  ];
  for (const [name, bytes, mime] of cases) {
    it(`${name} -> ${mime ?? 'unknown'}`, () => assert.equal(sniffMediaType(bytes)?.mime, mime));
  }
});

describe('toHTML', () => {
  let dir: string;
  let mp4: string;
  after(() => rm(dir, { recursive: true, force: true }));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-html-'));
    mp4 = await video(join(dir, 'clip.mp4'));
  });

  it('embeds a small MP4 in a <video> as a base64 data URI', async () => {
    const html = await toHTML(mp4, { width: 320 });
    const bytes = await readFile(mp4);
    assert.equal(
      html,
      `<video width="320" autoplay loop muted playsinline controls preload="auto" style="max-width:100%;height:auto"><source src="data:video/mp4;base64,${bytes.toString('base64')}" type="video/mp4">Your browser cannot play this MP4 video (clip.mp4).</video>`,
    );
  });

  it('takes the MIME type from the bytes, not the extension', async () => {
    const misnamed = join(dir, 'really-an-mp4.webm');
    await copyFile(mp4, misnamed);
    assert.match(await toHTML(misnamed), /^<video [^>]*><source src="data:video\/mp4;base64,[^"]+" type="video\/mp4">/);
    const gif = join(dir, 'anim.png');
    await writeFile(gif, Buffer.from('GIF89a\x01\0\x01\0\0\0\0;', 'latin1'));
    assert.match(await toHTML(gif, { embed: 'never' }), /<img src="anim\.png|<img src="file:/);
  });

  it('links a file above the embed limit, or with embed: "never", and says why', async () => {
    const bytes = (await readFile(mp4)).length;
    const over = await toHTML(mp4, { embedLimit: bytes - 1, href: 'media/clip.mp4', autoplay: false, controls: false });
    assert.match(over, /^<!-- flipbook: clip\.mp4 \(MP4, [\d.]+ kB\) is linked, not embedded: [\d.]+ kB is above the embed limit of [\d.]+ kB \(embedLimit\) -->\n/);
    assert.match(over, /<video loop muted playsinline preload="auto" style="max-width:100%;height:auto"><source src="media\/clip\.mp4" type="video\/mp4">/);
    const never = await toHTML(mp4, { embed: 'never', href: 'clip.mp4' });
    assert.match(never, /is linked, not embedded: embed: 'never' was asked -->/);
    assert.match(await toHTML(mp4, { embed: 'always', embedLimit: 10 }), /src="data:video\/mp4;base64,/, "'always' ignores the limit");
    assert.equal(DEFAULT_EMBED_LIMIT, 20_000_000);
  });

  it('links by a relative path as given, and escapes names', async (t) => {
    const odd = join(await tempDir(t), 'a "quoted" & <odd> name.mp4');
    await copyFile(mp4, odd);
    const html = await toHTML(odd, { embed: 'never' });
    assert.match(html, /<source src="file:\/\/\/[^"]*a%20%22quoted%22%20&amp;%20%3Codd%3E%20name\.mp4" type="video\/mp4">/);
    assert.match(html, /\(a &quot;quoted&quot; &amp; &lt;odd&gt; name\.mp4\)/);
  });

  it('uses <img> for animations, with the width and height given', async () => {
    const file = join(dir, 'anim.apng');
    await writeFile(file, apng());
    assert.match(await toHTML(file, { width: 100, height: 50 }), /^<img src="data:image\/apng;base64,[^"]+" width="100" height="50" alt="anim\.apng" style="max-width:100%">$/);
  });

  it('refuses what is not a video or animation, and bad options', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'not a video');
    await assert.rejects(toHTML(text), (error: FlipbookError) => {
      assert.equal(error.code, 'INVALID_INPUT');
      assert.match(error.message, /notes\.mp4 is not a video or animation a page can show: its first bytes are not MP4, MOV, WebM, GIF, WebP or PNG\/APNG/);
      return true;
    });
    await assert.rejects(toHTML(join(dir, 'missing.mp4')), { code: 'INVALID_INPUT', message: `Cannot open ${join(dir, 'missing.mp4')}: no such file. Check the path` });
    // A directory opens for reading on Linux: it said only "EISDIR: illegal operation on a directory, read".
    await assert.rejects(toHTML(dir), { code: 'INVALID_INPUT', file: dir, message: `Cannot open ${dir}: it is a directory. Give the path of a file` });
    await assert.rejects(toHTML(mp4, { embed: 'sometimes' as never }), { code: 'INVALID_OPTION', message: 'Expected one of auto, always, never for embed but received "sometimes"' });
    await assert.rejects(toHTML(mp4, { embedLimit: 'lots' }), { code: 'INVALID_OPTION', option: 'embedLimit' });
    await assert.rejects(toHTML(mp4, { width: -1 }), { code: 'INVALID_OPTION', option: 'width' });
  });
});

describe('display', () => {
  let dir: string;
  let mp4: string;
  after(() => rm(dir, { recursive: true, force: true }));
  const requireTslab = notebookHooks.requireTslab;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-html-'));
    mp4 = await video(join(dir, 'clip.mp4'));
  });
  after(() => {
    notebookHooks.requireTslab = requireTslab;
  });

  it('gives Deno\'s kernel an HTML bundle and prints as its path and size elsewhere', async () => {
    notebookHooks.requireTslab = () => undefined;
    const shown = await display(mp4, { width: 200 });
    const bundle = shown[JUPYTER_DISPLAY]();
    assert.equal(JUPYTER_DISPLAY, Symbol.for('Jupyter.display'));
    assert.equal(bundle['text/html'], await toHTML(mp4, { width: 200 }));
    const size = (await readFile(mp4)).length;
    const text = `${mp4} (video/mp4, ${formatBytes(size)})`;
    assert.equal(bundle['text/plain'], text);
    assert.equal(String(shown), text);
    assert.equal(inspect(shown), text);
    assert.equal(shown.shownBy, undefined);
  });

  it('shows through tslab\'s display API inside tslab, and not when tslab is not running', async () => {
    const shownHtml: string[] = [];
    notebookHooks.requireTslab = () => ({ display: { html: (html: string) => shownHtml.push(html) } });
    const shown = await display(mp4);
    assert.equal(shown.shownBy, 'tslab');
    assert.deepEqual(shownHtml, [shown.html]);
    notebookHooks.requireTslab = () => ({
      display: {
        html: () => {
          throw new Error('Not ready');
        },
      },
    });
    assert.equal((await display(mp4)).shownBy, undefined);
  });

  it('finds tslab where a notebook kernel has it, beside the notebook (the working directory), and shows through it', async (t) => {
    const notebook = await tempDir(t, 'flipbook-notebook-');
    await mkdir(join(notebook, 'node_modules', 'tslab'), { recursive: true });
    await writeFile(join(notebook, 'node_modules', 'tslab', 'package.json'), JSON.stringify({ name: 'tslab', main: 'index.js' }));
    await writeFile(join(notebook, 'node_modules', 'tslab', 'index.js'), 'const shown = [];\nmodule.exports = { shown, display: { html: (html) => shown.push(html) } };\n');
    const cwd = process.cwd();
    notebookHooks.requireTslab = requireTslab;
    process.chdir(notebook);
    try {
      const shown = await display(mp4);
      assert.equal(shown.shownBy, 'tslab', 'display() went through the tslab it found');
      const fake = createRequire(join(notebook, 'notebook.js'))('tslab') as { shown: string[] };
      assert.deepEqual(fake.shown, [shown.html], 'that tslab was given the snippet');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('notebook progress', () => {
  it('names the pass of a GIF, WebP or APNG, whose frames each pass counts from 1 again', () => {
    const at = { fps: 48, eta: 0.5, elapsed: 1.5 };
    assert.equal(progressLine('Frames', { ...at, frame: 24, total: 48 }), 'Frames: 24/48 (50%), 48.0 fps, 1 s left');
    assert.equal(progressLine('Frames', { ...at, frame: 48, total: 48, stage: 'spooling', attempt: 1 }), 'Frames (spooling): 48/48 (100%) in 1.5 s');
    assert.equal(progressLine('Frames', { ...at, frame: 12, total: 48, stage: 'writing', attempt: 1 }), 'Frames (writing): 12/48 (25%), 48.0 fps, 1 s left');
    assert.equal(progressLine('Frames', { ...at, frame: 12, total: 48, stage: 'palette', attempt: 2 }), 'Frames (palette, try 2): 12/48 (25%), 48.0 fps, 1 s left');
  });
});

describe('flipbook html', () => {
  let dir: string;
  let clip: string;
  after(() => rm(dir, { recursive: true, force: true }));
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-html-'));
    clip = await video(join(dir, 'clip.mp4'));
  });

  it('writes a self-contained page beside the video, and refuses to overwrite it', async () => {
    const first = await runCli(['html', clip, '--width', '360']);
    assert.equal(first.code, 0, first.stderr);
    const page = join(dir, 'clip.html');
    assert.equal(first.stdout, `Wrote ${page}: ${clip} embedded, MP4 ${formatBytes((await readFile(clip)).length)}; page ${formatBytes((await readFile(page)).length)}\n`);
    const html = await readFile(page, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<title>clip\.mp4<\/title>/);
    assert.ok(html.includes(await toHTML(clip, { width: 360 })), 'the page holds toHTML\'s snippet');
    const again = await runCli(['html', clip]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `flipbook: error: The output ${page} already exists. Pass --overwrite to replace it\n`);
    assert.equal((await runCli(['html', clip, '-y', '-q'])).code, 0, '--overwrite replaces it');
    assert.deepEqual(await listDir(dir), ['clip.html', 'clip.mp4']);
  });

  it('links with --embed never by a path relative to the page, with --json', async () => {
    const result = await runCli(['html', clip, '-o', join(dir, 'pages', 'linked.html'), '--embed', 'never', '--no-autoplay', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const done = JSON.parse(result.stdout.trim()) as Record<string, unknown>;
    assert.equal(done.event, 'done');
    assert.equal(done.embedded, false);
    assert.equal(done.mime, 'video/mp4');
    const page = await readFile(join(dir, 'pages', 'linked.html'), 'utf8');
    assert.match(page, /<video loop muted playsinline controls preload="auto" style="max-width:100%;height:auto"><source src="\.\.\/clip\.mp4" type="video\/mp4">/);
    // The page is the library's output: its comment names the library's option; the command's own words name the flag.
    assert.match(page, /embed: 'never' was asked/);
    assert.equal(done.linkedBecause, '--embed never was asked');
  });

  it('says why a file is linked with its flags: --embed never, --embed-limit', async () => {
    const never = await runCli(['html', clip, '-o', join(dir, 'never.html'), '--embed', 'never']);
    assert.equal(never.code, 0, never.stderr);
    assert.match(never.stdout, /: .*clip\.mp4 linked \(--embed never was asked\), MP4 /);
    const over = await runCli(['html', clip, '-o', join(dir, 'over.html'), '--embed-limit', '1kB']);
    assert.equal(over.code, 0, over.stderr);
    assert.match(over.stdout, /: .*clip\.mp4 linked \([\d.]+ kB is above the embed limit of 1\.00 kB \(--embed-limit\)\), MP4 /);
    assert.match(await readFile(join(dir, 'over.html'), 'utf8'), /is above the embed limit of 1\.00 kB \(embedLimit\) -->/);
  });

  it('a missing file says so, and to check the path', async () => {
    const missing = join(dir, 'nonexist.mp4');
    const result = await runCli(['html', missing]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `flipbook: error: Cannot open ${missing}: no such file. Check the path\n`);
  });

  it('a file where the page\'s folder should be is named, with the way out', async () => {
    const result = await runCli(['html', clip, '-o', join(clip, 'page.html')]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `flipbook: error: Cannot create the output directory ${clip}: a file of that name is in the way. Choose another output directory, or move the file\n`);
  });

  it('a bad --embed is a usage error', async () => {
    const result = await runCli(['html', clip, '--embed', 'sometimes']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Allowed choices are auto, always, never/);
  });
});
