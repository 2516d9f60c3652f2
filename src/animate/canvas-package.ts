/**
 * `@napi-rs/canvas`, the optional peer dependency animate() draws on: loaded on first use,
 * and when it is missing, an error that says how to install it.
 */
import type { Canvas } from '@napi-rs/canvas';

import { FlipbookError } from '../errors.js';
import { dynamicImport } from '../util/dynamic-import.js';

export const CANVAS_PACKAGE = '@napi-rs/canvas';

type CanvasPackage = typeof import('@napi-rs/canvas');

/**
 * How the package is imported. @internal A test replaces `load` to simulate a machine
 * without it; nothing else should.
 */
export const canvasPackage: { load: () => Promise<CanvasPackage> } = {
  load: () => dynamicImport(CANVAS_PACKAGE) as Promise<CanvasPackage>,
};

/** A new canvas of `@napi-rs/canvas`, or the MISSING_PACKAGE error saying how to install it. */
export async function createCanvas(width: number, height: number): Promise<Canvas> {
  let mod: CanvasPackage;
  try {
    mod = await canvasPackage.load();
  } catch (cause) {
    throw missingCanvas(cause);
  }
  return mod.createCanvas(width, height);
}

/**
 * The MISSING_PACKAGE error in the words of `user`, what draws on the canvas (`flipbook render`
 * for the command, whose user never called animate()), when the package does not load here;
 * undefined when it does. Tried only once a run has failed for it: nothing is loaded twice on the
 * way to a result.
 */
export async function canvasMissingFor(user: string): Promise<FlipbookError | undefined> {
  try {
    await canvasPackage.load();
    return undefined;
  } catch (cause) {
    return missingCanvas(cause, user);
  }
}

function missingCanvas(cause: unknown, user = 'animate()'): FlipbookError {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const notInstalled = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  const reason = notInstalled ? 'is not installed' : `could not be loaded (${cause instanceof Error ? cause.message : String(cause)})`;
  return new FlipbookError('MISSING_PACKAGE', `${user} draws on ${CANVAS_PACKAGE}, an optional peer dependency of flipbook, which ${reason}`, {
    hint: `Install it beside flipbook: npm install ${CANVAS_PACKAGE} (its prebuilt binary for ${process.platform}-${process.arch} comes from npm)`,
    cause,
  });
}
