import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

import { DYNAMIC_IMPORT_HOOK } from '../util/dynamic-import.js';

/**
 * The published command's loader, in the bundle only: scripts/bundle-cli.mjs puts it in place of
 * run.js in the entry (dist/cli/flipbook.js). The command itself is the CommonJS bundle beside it,
 * compiled with V8's code cache made by the build (a run of the command whose compiled functions
 * are saved): a start then skips parsing the 1.3 MB bundle and compiling the functions a job
 * calls. Measured (interleaved, medians): a 1-frame GIF 0.30 -> 0.26 s, `--version` 0.16 -> 0.14 s
 * (see bench/RESULTS.md, "Start-up: V8's code cache"). A cache made by another Node or V8 is
 * turned down by V8 itself (it checks the version, the flags and the source), and the bundle is
 * then compiled as it would be without one. The bundle's `import()`s are this module's (see
 * src/util/dynamic-import.ts).
 */

/** The command's bundle, beside the entry. */
export const COMMAND_FILE = 'flipbook-command.cjs';
/** Its code cache, beside it. */
export const CODE_CACHE_FILE = `${COMMAND_FILE}.v8-cache`;
/** Set to 1 by the build's warm-up run (scripts/bundle-cli.mjs): the cache is written after the command ends. */
export const WRITE_CODE_CACHE_ENV = 'FLIPBOOK_WRITE_CODE_CACHE';

/** A CommonJS module's source as Node wraps it, on the module's first line: line numbers in stack traces stay the bundle's. */
export function wrapCommonJs(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

interface Command {
  run(): Promise<void>;
}

/** Loads the command beside this file and runs it; writes the code cache after it when asked. */
export async function run(): Promise<void> {
  const file = fileURLToPath(new URL(`./${COMMAND_FILE}`, import.meta.url));
  // The bundle's import()s, made here (see src/util/dynamic-import.ts).
  (globalThis as Record<symbol, unknown>)[Symbol.for(DYNAMIC_IMPORT_HOOK)] = (specifier: string) => import(specifier);
  const cacheFile = fileURLToPath(new URL(`./${CODE_CACHE_FILE}`, import.meta.url));
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache (a build that made none): compiled as it would be without one.
  }
  const script = new vm.Script(wrapCommonJs(readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} as Command };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dirname(file));
  await module.exports.run();
  if (process.env[WRITE_CODE_CACHE_ENV] === '1') {
    // After the run: the cache then holds every function the run compiled, not only the top level.
    const partial = `${cacheFile}.${process.pid}.part`;
    writeFileSync(partial, script.createCachedData());
    renameSync(partial, cacheFile);
  }
}
