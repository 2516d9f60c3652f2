import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { formatBytes } from '../util/format.js';
import { type HtmlOptions, htmlMedia } from './to-html.js';

/** The symbol Deno's Jupyter kernel calls for a rich display of a cell's value. */
export const JUPYTER_DISPLAY = Symbol.for('Jupyter.display');

/** A video or animation ready for a notebook cell. */
export interface Displayed {
  readonly file: string;
  readonly mime: string;
  readonly bytes: number;
  readonly embedded: boolean;
  /** The toHTML snippet. */
  readonly html: string;
  /** The kernel whose display API showed it already (`undefined`: not in a notebook). */
  readonly shownBy: 'deno' | 'tslab' | undefined;
  /** Deno's kernel: the media bundle of the cell's value (the text alone once shown). */
  [JUPYTER_DISPLAY](): { 'text/html'?: string; 'text/plain': string };
  /** Elsewhere (a REPL, console.log): the path and the size. */
  toString(): string;
}

interface TslabDisplay {
  html?: (html: string) => void;
  text?: (text: string) => void;
}

interface TslabModule {
  display?: TslabDisplay;
  /** A display that overwrites its one entry each time (display_id and update_display_data). */
  newDisplay?: () => TslabDisplay;
}

/** What Deno's Jupyter kernel offers as `Deno.jupyter` (undefined outside the kernel). */
interface DenoJupyter {
  display(bundle: Record<string, string>, options: { raw: true; update?: boolean; display_id?: string }): Promise<void>;
}

/** `Deno.jupyter` when this runs in Deno's Jupyter kernel. @internal */
export function denoJupyter(): DenoJupyter | undefined {
  const jupyter = (globalThis as { Deno?: { jupyter?: Partial<DenoJupyter> } }).Deno?.jupyter;
  return typeof jupyter?.display === 'function' ? (jupyter as DenoJupyter) : undefined;
}

/**
 * How tslab is found. @internal A test replaces `requireTslab` to simulate the tslab kernel.
 * Inside tslab, `require('tslab')` resolves to the running kernel's module: from flipbook's
 * own folder or the notebook's when tslab is installed beside it, else from the kernel's own
 * command (`tslab kernel`, the process's main module), as when tslab is installed globally.
 */
export const notebookHooks: { requireTslab: () => TslabModule | undefined } = {
  requireTslab: () => {
    const require = createRequire(import.meta.url);
    const main = require.main?.filename;
    const places: [string, string][] = [
      [import.meta.url, 'tslab'],
      [join(process.cwd(), 'notebook.js'), 'tslab'],
      // tslab's command is <package>/bin/tslab: its package is '..' from there.
      ...(main && /[\\/]tslab[\\/]bin[\\/]tslab$/.test(main) ? [[main, '..'] as [string, string]] : []),
    ];
    for (const [base, name] of places) {
      try {
        return createRequire(base)(name) as TslabModule;
      } catch {
        // Not here; try the next place, or there is no tslab.
      }
    }
    return undefined;
  },
};

/**
 * Shows a video or animation in a TypeScript notebook: `await display('movie.mp4')`, in the
 * output of the cell that calls it, as IPython's display() does. In Deno's kernel through
 * `Deno.jupyter.display`, in tslab through its display API. The returned object prints as the
 * path and size (in Deno's kernel, through `Symbol.for('Jupyter.display')`; elsewhere, as
 * in a REPL, through its toString). The options are toHTML's. flipbook itself writes nothing
 * to the terminal.
 *
 * Deno's kernel is shown to during the call, not through the cell's value: the kernel can
 * report a cell finished before it sends the cell's value, and a client that runs notebooks
 * headless (nbconvert, papermill) then saves the cell without it.
 */
export async function display(file: string, options: HtmlOptions = {}): Promise<Displayed> {
  const media = await htmlMedia(file, options);
  const text = `${media.file} (${media.type.mime}, ${formatBytes(media.bytes)}${media.embedded ? '' : ', linked'})`;
  let shownBy: 'deno' | 'tslab' | undefined;
  const deno = denoJupyter();
  if (deno) {
    await deno.display({ 'text/html': media.html, 'text/plain': text }, { raw: true });
    shownBy = 'deno';
  } else {
    const tslab = notebookHooks.requireTslab();
    if (typeof tslab?.display?.html === 'function') {
      try {
        tslab.display.html(media.html);
        shownBy = 'tslab';
      } catch {
        // tslab is installed but this is not its kernel ("Not ready"): the object speaks for itself.
      }
    }
  }
  return {
    file: media.file,
    mime: media.type.mime,
    bytes: media.bytes,
    embedded: media.embedded,
    html: media.html,
    shownBy,
    [JUPYTER_DISPLAY]: () => (shownBy ? { 'text/plain': text } : { 'text/html': media.html, 'text/plain': text }),
    toString: () => text,
    [inspect.custom]: () => text,
  } as Displayed;
}
