import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inspect } from 'node:util';

import { type HtmlOptions, formatSize, htmlMedia } from './to-html.js';

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
  /** `'tslab'` when tslab's display API showed it already. */
  readonly shownBy: 'tslab' | undefined;
  /** Deno's kernel: the media bundle of the cell's output. */
  [JUPYTER_DISPLAY](): { 'text/html': string; 'text/plain': string };
  /** Elsewhere (a REPL, console.log): the path and the size. */
  toString(): string;
}

interface TslabModule {
  display?: { html?: (html: string) => void };
}

/**
 * How tslab is found. @internal A test replaces `requireTslab` to simulate the tslab kernel.
 * Inside tslab, `require('tslab')` resolves to the running kernel's module.
 */
export const notebookHooks: { requireTslab: () => TslabModule | undefined } = {
  requireTslab: () => {
    for (const base of [import.meta.url, join(process.cwd(), 'notebook.js')]) {
      try {
        return createRequire(base)('tslab') as TslabModule;
      } catch {
        // Not here; try the next place, or there is no tslab.
      }
    }
    return undefined;
  },
};

/**
 * Shows a video or animation in a TypeScript notebook: `await display('movie.mp4')`.
 * Deno's kernel renders the returned object as HTML (through `Symbol.for('Jupyter.display')`);
 * in tslab it is shown through tslab's display API; elsewhere the object prints as its path
 * and size. The options are toHTML's. flipbook itself writes nothing to the terminal.
 */
export async function display(file: string, options: HtmlOptions = {}): Promise<Displayed> {
  const media = await htmlMedia(file, options);
  const text = `${media.file} (${media.type.mime}, ${formatSize(media.bytes)}${media.embedded ? '' : ', linked'})`;
  let shownBy: 'tslab' | undefined;
  const tslab = notebookHooks.requireTslab();
  if (typeof tslab?.display?.html === 'function') {
    try {
      tslab.display.html(media.html);
      shownBy = 'tslab';
    } catch {
      // tslab is installed but this is not its kernel ("Not ready"): the object speaks for itself.
    }
  }
  return {
    file: media.file,
    mime: media.type.mime,
    bytes: media.bytes,
    embedded: media.embedded,
    html: media.html,
    shownBy,
    [JUPYTER_DISPLAY]: () => ({ 'text/html': media.html, 'text/plain': text }),
    toString: () => text,
    [inspect.custom]: () => text,
  } as Displayed;
}
