/**
 * Progress in a notebook cell, as notebook users expect it: one line (and a bar) that updates
 * in place while stitch, split or the frame writer runs, instead of nothing for a minute.
 */
import type { Progress } from '../options/output-options.js';
import { denoJupyter, notebookHooks } from './display.js';

export interface NotebookProgressOptions {
  /** What the line says first. Default `Frames`. */
  label?: string;
  /** Least time between two updates, in seconds (the last frame is always shown). Default 0.25. */
  interval?: number;
}

/** The line a progress shows: "Frames: 75/150 (50%), 61.2 fps, 1 s left" ("Frames (writing): ..." for an animation's pass). @internal */
export function progressLine(label: string, p: Progress): string {
  const done = p.total > 0 && p.frame >= p.total;
  const share = p.total > 0 ? ` (${Math.floor((100 * p.frame) / p.total)}%)` : '';
  const rest = done ? ` in ${p.elapsed.toFixed(1)} s` : `, ${p.fps.toFixed(1)} fps${p.eta === undefined ? '' : `, ${Math.ceil(p.eta)} s left`}`;
  // A GIF, WebP or APNG counts its frames in each pass: the line says which.
  const stage = p.stage === undefined ? '' : ` (${p.stage}${(p.attempt ?? 1) > 1 ? `, try ${p.attempt}` : ''})`;
  return `${label}${stage}: ${p.frame}/${p.total}${share}${rest}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An `onProgress` for a notebook: `await stitch(files, 'movie.mp4', { onProgress: notebookProgress() })`.
 * In Deno's Jupyter kernel and in tslab it shows one line with a bar in the cell's output
 * and updates it in place (a display with an id, then `update_display_data`); elsewhere it
 * does nothing (flipbook never writes to a terminal; the CLI has its own bar).
 */
export function notebookProgress(options: NotebookProgressOptions = {}): (progress: Progress) => void {
  const label = options.label ?? 'Frames';
  const interval = (options.interval ?? 0.25) * 1000;
  const deno = denoJupyter();
  let tslab: { html?: (html: string) => void } | undefined;
  if (!deno) {
    try {
      tslab = notebookHooks.requireTslab()?.newDisplay?.();
    } catch {
      // tslab is installed but this is not its kernel: nothing to show to.
    }
  }
  if (!deno && typeof tslab?.html !== 'function') return () => undefined;
  const id = `flipbook-progress-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  let shown = false;
  let last = 0;
  // Updates go out in order: each waits for the one before (Deno's display is asynchronous).
  let queue: Promise<void> = Promise.resolve();
  return (progress) => {
    const now = performance.now();
    const done = progress.total > 0 && progress.frame >= progress.total;
    if (shown && !done && now - last < interval) return;
    last = now;
    const line = progressLine(label, progress);
    const html = `<div><progress value="${progress.frame}" max="${Math.max(progress.total, 1)}" style="width:240px;vertical-align:middle"></progress> <code>${escapeHtml(line)}</code></div>`;
    const update = shown;
    shown = true;
    if (deno) {
      queue = queue.then(() => deno.display({ 'text/html': html, 'text/plain': line }, { raw: true, display_id: id, ...(update ? { update: true } : {}) })).catch(() => undefined);
    } else {
      try {
        tslab?.html?.(html);
      } catch {
        // The kernel stopped taking output: progress is not worth failing the run for.
      }
    }
  };
}
