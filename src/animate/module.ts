import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { FlipbookError, invalidOption } from '../errors.js';
import { dynamicImport } from '../util/dynamic-import.js';
import type { AnimateSpec } from './animate.js';

/** What an animation module exports, as named exports or as its default export. */
export type AnimationModule = Pick<AnimateSpec, 'width' | 'height' | 'fps' | 'frames' | 'duration' | 'draw'>;

/**
 * Imports an animation module (`animate({ module: './draw.mjs' })`, `flipbook render`): it
 * exports `width`, `height`, `fps` (optional) and `draw(ctx, frame)`, and may export `frames` or
 * `duration`; as named exports or as the properties of its default export. Every worker of a
 * parallel run imports it itself, so draw() must draw each frame whole from its `index` (or
 * `t`): a worker starts in the middle, on a fresh canvas.
 */
export async function loadAnimationModule(path: string): Promise<AnimationModule> {
  if (typeof path !== 'string' || path === '') throw invalidOption('module', 'the path of a JavaScript module', path);
  const url = pathToFileURL(resolve(path)).href;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await dynamicImport(url)) as Record<string, unknown>;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((cause as Error).message).includes(resolve(path))) {
      throw new FlipbookError('INVALID_INPUT', `The animation module ${path} does not exist`, { file: path, option: 'module', cause });
    }
    throw new FlipbookError('INVALID_INPUT', `The animation module ${path} failed to load: ${(cause as Error).message ?? String(cause)}`, { file: path, option: 'module', cause });
  }
  const fallback = loaded.default;
  const source = typeof loaded.draw === 'function' || fallback === null || typeof fallback !== 'object' ? loaded : (fallback as Record<string, unknown>);
  if (typeof source.draw !== 'function') {
    throw new FlipbookError('INVALID_INPUT', `The animation module ${path} exports no draw function`, {
      file: path,
      option: 'module',
      hint: 'Export width, height, fps and draw(ctx, frame), as named exports or as the properties of the default export',
    });
  }
  const pick = <K extends keyof AnimationModule>(key: K): Partial<AnimationModule> => (source[key] === undefined ? {} : { [key]: source[key] } as Partial<AnimationModule>);
  const draw = source.draw as AnimationModule['draw'];
  // An exception in draw() names the module and the frame, in one piece and on every worker
  // alike (the exception itself is the error's cause; --verbose prints its stack).
  const named: AnimationModule['draw'] = async (ctx, frame) => {
    try {
      await draw.call(source, ctx, frame);
    } catch (cause) {
      throw new FlipbookError('INVALID_INPUT', `draw() in ${path} threw at frame ${frame.index}: ${cause instanceof Error ? cause.message : String(cause)}`, { file: path, option: 'module', cause });
    }
  };
  return { ...pick('width'), ...pick('height'), ...pick('fps'), ...pick('frames'), ...pick('duration'), draw: named } as AnimationModule;
}
