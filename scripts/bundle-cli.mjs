/**
 * Bundles the command line into one file, dist/cli/flipbook.js (the package's `bin`): flipbook's
 * modules and its pure-JavaScript dependencies (commander, cli-progress, tinyglobby, image-size,
 * exifreader, signal-exit) in one module, node-av and the optional @napi-rs/canvas left as imports (they
 * load native binaries). One file instead of about 120 saves Node's module loader about 60 ms of
 * the command's start-up (0.19 s -> 0.13 s for a two-image stitch), which every run pays.
 *
 * `node scripts/bundle-cli.mjs [outfile]`; run by `npm run build` after tsc.
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function bundleCli(outfile = `${ROOT}dist/cli/flipbook.js`) {
  // The command, and the segment worker it forks for --jobs (src/segments/pool.ts looks for
  // ../segments/worker.js beside the command): one file each, started as fast as the other.
  await bundle(`${ROOT}src/cli/bin.ts`, outfile);
  await bundle(`${ROOT}src/segments/worker.ts`, join(dirname(outfile), '..', 'segments', 'worker.js'));
  return outfile;
}

async function bundle(entry, outfile) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // @xmldom/xmldom: exifreader's XMP parser, never reached (flipbook reads the orientation alone).
    // bullmq and ioredis: loaded only by --queue and `flipbook worker` (a dynamic import), left out
    // so that every other command does not parse them at start-up.
    external: ['node-av', '@napi-rs/canvas', '@xmldom/xmldom', 'bullmq', 'ioredis'],
    // CommonJS dependencies (commander) require Node's built-ins: give the ES module a require.
    banner: { js: "import { createRequire as flipbookCreateRequire } from 'node:module'; const require = flipbookCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
}

// Run as a command (argv[1] may be a link to this file, as in the tests' compiled mirror).
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) await bundleCli(process.argv[2]);
