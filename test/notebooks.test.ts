/**
 * The notebooks in notebooks/ run in real kernels, headless, through Debian's nbconvert: the
 * moviepy-style slideshow in Deno's Jupyter kernel, the matplotlib-style crossfade in tslab (the
 * two run side by side). Each executed notebook is checked cell by cell: no error, the progress
 * line at its end, the summary printed, and the video's HTML bundle, whose embedded video is
 * decoded (size, frame count, duration, the crossfade's first and last colours) and then
 * played in Chromium.
 *
 * Deno's kernel can send a cell's `idle` before the cell's outputs, and nbclient then saves the
 * cell without them (test/helpers/ordered_execute.py says how, and how the barrier there makes
 * every printed or displayed output arrive without waiting on a clock). A cell's value
 * (execute_result) is sent later still by Deno, so nothing here relies on it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ROOT } from './helpers/cli.js';
import { chromiumSkipReason, launchChromium } from './helpers/browser.js';
import { paint } from './helpers/images.js';
import { type Cell, type CellOutput, type Notebook, type NotebookEnv, executeNotebook, joined, notebookSkipReason, setUpNotebooks } from './helpers/notebook.js';
import { writePng } from './helpers/png.js';
import { assertColour, meanColour, readVideo } from './helpers/video.js';

const skip = notebookSkipReason() || chromiumSkipReason();
const PRINTING_CELLS = 20;

/** The outputs of the notebook's code cells, in order. */
function codeOutputs(notebook: Notebook): CellOutput[][] {
  return notebook.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs ?? []);
}

function assertNoError(notebook: Notebook, label: string): void {
  for (const [i, outputs] of codeOutputs(notebook).entries()) {
    for (const o of outputs) {
      assert.ok(o.output_type !== 'error' && !(o.output_type === 'stream' && o.name === 'stderr'), `${label}, code cell ${i}: ${o.ename ?? ''} ${o.evalue ?? joined(o.text)}`);
    }
  }
}

function stdout(outputs: CellOutput[]): string {
  return outputs.filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => joined(o.text)).join('');
}

/** The one HTML output holding a <video>, and its embedded file's bytes. */
function videoOutput(outputs: CellOutput[], label: string): { html: string; bytes: Buffer } {
  const videos = outputs.map((o) => joined(o.data?.['text/html'])).filter((h) => h.includes('<video'));
  assert.equal(videos.length, 1, `${label}: one <video> bundle, found ${videos.length} in ${JSON.stringify(outputs).slice(0, 400)}`);
  const html = videos[0] ?? '';
  const uri = /src="data:video\/mp4;base64,([A-Za-z0-9+/=]+)"/.exec(html);
  assert.ok(uri?.[1], `${label}: the video is embedded as a data URI: ${html.slice(0, 200)}`);
  return { html, bytes: Buffer.from(uri[1], 'base64') };
}

/** The progress line's last state, as nbclient keeps it (update_display_data replaces in place). */
function progressText(outputs: CellOutput[]): string {
  return outputs.map((o) => joined(o.data?.['text/plain']) + joined(o.data?.['text/html'])).find((t) => t.includes('<progress') || t.includes('%')) ?? '';
}

describe('notebooks in real kernels (nbconvert)', { skip, timeout: 240_000 }, () => {
  let dir: string;
  let nb: NotebookEnv;
  const runs: Record<string, { executed: Notebook; seconds: number }> = {};
  const [A, B]: [number, number, number][] = [
    [220, 120, 40],
    [40, 110, 210],
  ];
  const a = A!;
  const b = B!;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flipbook-notebooks-'));
    nb = await setUpNotebooks(dir);
    // Two "photos" of another shape than the video (4:3 into 16:9: readImage's cover crops).
    const first = await writePng(join(dir, 'warm.png'), paint(200, 150, (x, y) => [a[0] - (x >> 4), a[1] + (y >> 4), a[2]]));
    const second = await writePng(join(dir, 'cool.png'), paint(200, 150, (x, y) => [b[0] + (y >> 4), b[1], b[2] - (x >> 4)]));
    // The slideshow, then twenty cells that only print, in one run of Deno's kernel: without the
    // barrier some of the printing cells come back empty (measured: 17 cells in 60 had output
    // after idle). One kernel and one nbconvert fewer than running them apart.
    const shipped = JSON.parse(await readFile(join(ROOT, 'notebooks', 'slideshow.ipynb'), 'utf8')) as Notebook;
    shipped.cells.push(
      ...Array.from({ length: PRINTING_CELLS }, (_, i) => ({ cell_type: 'code', source: `console.log("cell ${i}");`, metadata: {}, outputs: [], execution_count: null }) as Cell),
    );
    const slideshow = executeNotebook(nb, shipped, 'deno', [`const frames = ${JSON.stringify(join(ROOT, 'sample', 'frames'))};`, 'const fps = 4;', "const output = 'slideshow.mp4';"].join('\n'), 'slideshow-deno');
    const crossfade = executeNotebook(
      nb,
      'crossfade.ipynb',
      'tslab',
      [`const first = ${JSON.stringify(first)};`, `const second = ${JSON.stringify(second)};`, "const output = 'crossfade.mp4';", 'const width = 160;', 'const height = 90;', 'const frames = 150;', 'const fps = 25;'].join('\n'),
      'crossfade-tslab',
    );
    // Side by side: each kernel mostly starts up (Deno compiles, tslab type-checks).
    [runs.slideshow, runs.crossfade] = await Promise.all([slideshow, crossfade]);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("Deno's kernel loses no cell's output under nbconvert (the barrier after each cell)", () => {
    const outputs = codeOutputs(runs.slideshow!.executed).slice(-PRINTING_CELLS).map(stdout);
    const lost = outputs.flatMap((text, i) => (text === `cell ${i}\n` ? [] : [`${i}: ${JSON.stringify(text)}`]));
    assert.deepEqual(lost, [], `cells whose printed line is missing or wrong: ${lost.join('; ')}`);
  });

  it("moviepy's ImageSequenceClip(files, fps=4).ipython_display(width=360) in Deno's kernel: 12 frames, 3 s, shown 360 wide", async () => {
    const { executed, seconds } = runs.slideshow!;
    assertNoError(executed, 'slideshow');
    const [, stitchCell = [], displayCell = []] = codeOutputs(executed);
    assert.match(stdout(stitchCell), /^12 frames, 320x180, 3 s$/m, 'the summary the stitch cell prints');
    assert.match(progressText(stitchCell), /Frames: 12\/12 \(100%\)/, `the progress line at its end: ${JSON.stringify(stitchCell).slice(0, 300)}`);
    const { html, bytes } = videoOutput(displayCell, 'slideshow');
    assert.match(html, /width="360"/, 'shown 360 pixels wide');
    const file = join(dir, 'slideshow-embedded.mp4');
    await writeFile(file, bytes);
    const back = await readVideo(file);
    assert.deepEqual([back.video.width, back.video.height, back.frames.length, back.duration], [320, 180, 12, 3], 'the embedded video: size, frames, seconds');
    assert.ok(seconds < 120, `ran in ${seconds.toFixed(1)} s`);
  });

  it('the matplotlib crossfade in tslab: readImage, a*(1-t)+b*t, 150 frames at 25 fps', async () => {
    const { executed, seconds } = runs.crossfade!;
    assertNoError(executed, 'crossfade');
    const [, readCell = [], writeCell = [], displayCell = []] = codeOutputs(executed);
    assert.match(stdout(readCell), /^160x90 rgb, 43200 bytes each$/m, 'readImage gave the asked size');
    assert.match(stdout(writeCell), /^150 frames, 160x90, 6 s$/m, 'the writer summary');
    assert.match(progressText(writeCell), /Crossfade: 150\/150 \(100%\)/, `the progress line at its end: ${JSON.stringify(writeCell).slice(0, 300)}`);
    const { bytes } = videoOutput(displayCell, 'crossfade');
    const file = join(dir, 'crossfade-embedded.mp4');
    await writeFile(file, bytes);
    const back = await readVideo(file);
    assert.deepEqual([back.video.width, back.video.height, back.frames.length, back.duration], [160, 90, 150, 6], 'the embedded video: size, frames, seconds');
    const middle = { x: 60, y: 30, width: 40, height: 30 };
    // The photos' middle colours (the gradients move them by about 6 levels there).
    assertColour(meanColour(back.frames[0]!, middle), [a[0] - 6, a[1] + 4, a[2]], 'first frame: the first photo', 10);
    assertColour(meanColour(back.frames[149]!, middle), [b[0] + 4, b[1], b[2] - 6], 'last frame: the second photo', 10);
    assertColour(meanColour(back.frames[75]!, middle), [(a[0] + b[0]) / 2 - 1, (a[1] + b[1]) / 2 + 2, (a[2] + b[2]) / 2 - 3], 'middle frame: the blend', 10);
    assert.ok(seconds < 120, `ran in ${seconds.toFixed(1)} s`);
  });

  it('both executed players play in Chromium', async () => {
    const browser = await launchChromium();
    try {
      for (const [name, run, size] of [
        ['slideshow', runs.slideshow!, [320, 180, 3]],
        ['crossfade', runs.crossfade!, [160, 90, 6]],
      ] as const) {
        // The display cell: the last of the shipped notebook's (the slideshow's printing cells follow it).
        const { html } = videoOutput(codeOutputs(run.executed)[name === 'slideshow' ? 2 : 3] ?? [], name);
        const page = join(dir, `${name}.html`);
        await writeFile(page, `<!doctype html><html><body>${html}</body></html>`);
        const tab = await browser.newPage();
        try {
          await tab.goto(`file://${page}`);
          const state = (await tab.evaluate(`(async () => {
            const v = document.querySelector('video');
            const started = performance.now();
            while (v.currentTime < 0.3 && performance.now() - started < 20000) await new Promise((r) => setTimeout(r, 50));
            return { time: v.currentTime, paused: v.paused, width: v.videoWidth, height: v.videoHeight, duration: v.duration, error: v.error && v.error.code };
          })()`)) as { time: number; paused: boolean; width: number; height: number; duration: number; error: number | null };
          assert.equal(state.error, null, `${name}: no media error`);
          assert.ok(state.time >= 0.3 && !state.paused, `${name} plays by itself (autoplay, muted): currentTime ${state.time}`);
          assert.deepEqual([state.width, state.height, state.duration], size, `${name}: size and duration in the browser`);
        } finally {
          await tab.close();
        }
      }
    } finally {
      await browser.close();
    }
  });
});
