/**
 * Bundles the command line into one file, dist/cli/flipbook.js (the package's `bin`): flipbook's
 * modules and its pure-JavaScript dependencies (commander, cli-progress, tinyglobby, image-size,
 * exifreader, signal-exit, and node-av's JavaScript) in one module; node-av's native binary and
 * the optional @napi-rs/canvas stay where npm installed them. One file instead of about 320
 * saves Node's module loader time at every start: 0.19 s -> 0.13 s for a two-image stitch with
 * flipbook's modules bundled, and a further 53 ms of CPU (0.31 -> 0.26 s for `--version`, 20
 * runs each) with node-av's. The entry, dist/cli/flipbook.js, is only bin.ts and the stderr
 * guard (a few kB); it loads the command, dist/cli/flipbook-command.cjs, unless it runs it as a
 * guarded child: a guarded `--version` then costs 0.43 s of CPU instead of 0.53 (7 runs each;
 * unguarded: the same 0.3 s either way).
 *
 * The command is CommonJS (dist/cli/flipbook-command.cjs) so that it can be compiled with V8's
 * code cache (Node 20 caches no ES module): the entry loads it through src/cli/cached-command.ts,
 * and the build makes the cache (flipbook-command.cjs.v8-cache) by running the command once on
 * three of the shipped sample frames into a GIF, the job whose JavaScript costs the most.
 *
 * `node scripts/bundle-cli.mjs [outfile]`; run by `npm run build` after tsc.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function bundleCli(outfile = `${ROOT}dist/cli/flipbook.js`) {
  // The command, and the segment worker it forks for --jobs (src/segments/pool.ts looks for
  // ../segments/worker.js beside the command): one file each, started as fast as the other.
  // The entry alone first (the stderr guard, src/cli/stderr-guard.ts: a parent that only runs the
  // command as its child need not parse the rest), then the command beside it, imported by name.
  await bundle(`${ROOT}src/cli/bin.ts`, outfile, [commandBeside]);
  await bundle(`${ROOT}src/cli/run.ts`, join(dirname(outfile), COMMAND_FILE), [importThroughLoader], 'cjs');
  await bundle(`${ROOT}src/segments/worker.ts`, join(dirname(outfile), '..', 'segments', 'worker.js'));
  // The GIF writer's coder threads (src/engine/gif-coder-pool.ts looks for ../engine/gif-coder-worker.js beside the command).
  await bundle(`${ROOT}src/engine/gif-coder-worker.ts`, join(dirname(outfile), '..', 'engine', 'gif-coder-worker.js'));
  makeCodeCache(outfile);
  return outfile;
}

/**
 * V8's code cache of the command (see src/cli/cached-command.ts): the command run once, with
 * WRITE_CODE_CACHE_ENV set, on three of the shipped sample frames into a GIF in a temporary
 * folder. The cache holds what that run compiled; a start of any other command still gains its
 * share (the options, the inputs, the output are the same code).
 */
function makeCodeCache(entry) {
  const dir = mkdtempSync(join(tmpdir(), 'flipbook-code-cache-'));
  try {
    const frames = ['frame_1.png', 'frame_2.png', 'frame_3.png'].map((name) => join(ROOT, 'sample', 'frames', name));
    execFileSync(process.execPath, [entry, 'stitch', ...frames, '-o', join(dir, 'warm.gif'), '--fps', '2', '--quiet'], {
      env: { ...process.env, FLIPBOOK_WRITE_CODE_CACHE: '1', FLIPBOOK_GUARD_STDERR: '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * node-av's JavaScript (some 200 modules) is bundled too: loading it module by module took about
 * 80 ms of CPU at every start. Its native binary stays where npm put it: node-av's binding loader
 * looks for it from its own location (`import.meta.url`, then `createRequire` of it), so that
 * location is given back to it as the installed node-av's `dist/lib/binding.js`, resolved from
 * the bundle the way any import of node-av would be.
 */
const nodeAvBinding = {
  name: 'node-av-binding',
  setup(build) {
    build.onLoad({ filter: /node-av[\\/]dist[\\/]lib[\\/]binding\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) throw new Error(`${args.path} no longer locates the binary from import.meta.url: revisit scripts/bundle-cli.mjs`);
      const where = [
        "import { createRequire as nodeAvCreateRequire } from 'node:module';",
        "import { pathToFileURL as nodeAvPathToFileURL } from 'node:url';",
        "const nodeAvBindingUrl = nodeAvPathToFileURL(nodeAvCreateRequire(import.meta.url).resolve('node-av').replace(/index\\.js$/, 'lib/binding.js')).href;",
      ].join('\n');
      return { contents: `${where}\n${source.replaceAll('import.meta.url', 'nodeAvBindingUrl')}`, loader: 'js' };
    });
  },
};

/**
 * The CommonJS command's `import()`s go through its loader (src/util/dynamic-import.ts): a script
 * compiled with a code cache can run none in Node 20 (V8 drops the host options `import()` needs
 * with the cache). The bundle is checked to hold no other.
 */
const importThroughLoader = {
  name: 'import-through-loader',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/]util[\\/]dynamic-import\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const hook = /export const DYNAMIC_IMPORT_HOOK = '([^']+)';/.exec(source)?.[1];
      if (!hook) throw new Error(`${args.path} no longer names DYNAMIC_IMPORT_HOOK: revisit scripts/bundle-cli.mjs`);
      const contents = [
        `export const DYNAMIC_IMPORT_HOOK = ${JSON.stringify(hook)};`,
        'export function dynamicImport(specifier) {',
        '  return globalThis[Symbol.for(DYNAMIC_IMPORT_HOOK)](specifier);',
        '}',
      ].join('\n');
      return { contents, loader: 'js' };
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      const output = await readFile(build.initialOptions.outfile, 'utf8');
      const left = /[^\w.$]import\(/.exec(output);
      if (left) throw new Error(`${build.initialOptions.outfile} holds an import() outside src/util/dynamic-import.ts, which fails there: ${output.slice(left.index - 60, left.index + 60)}`);
    });
  },
};

/** The command's bundle, beside the entry's. */
const COMMAND_FILE = 'flipbook-command.cjs';

/** The entry's `import('./run.js')` is the loader of the command's bundle beside it (src/cli/cached-command.ts), not the command. */
const commandBeside = {
  name: 'command-beside',
  setup(build) {
    build.onResolve({ filter: /^\.\/run\.js$/ }, () => ({ path: `${ROOT}src/cli/cached-command.ts` }));
  },
};

async function bundle(entry, outfile, extraPlugins = [], format = 'esm') {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    // @xmldom/xmldom: exifreader's XMP parser, never reached (flipbook reads the orientation alone).
    // bullmq and ioredis: loaded only by --queue and `flipbook worker` (a dynamic import), left out
    // so that every other command does not parse them at start-up.
    external: ['@napi-rs/canvas', '@xmldom/xmldom', 'bullmq', 'ioredis'],
    plugins: [nodeAvBinding, ...extraPlugins],
    // CommonJS dependencies (commander) require Node's built-ins: give the ES module a require.
    // A CommonJS bundle has one, and its modules' import.meta.url is the bundle's own URL.
    ...(format === 'esm'
      ? { banner: { js: "import { createRequire as flipbookCreateRequire } from 'node:module'; const require = flipbookCreateRequire(import.meta.url);" } }
      : { banner: { js: "const flipbookBundleUrl = require('node:url').pathToFileURL(__filename).href;" }, define: { 'import.meta.url': 'flipbookBundleUrl' } }),
    logLevel: 'warning',
  });
}

// Run as a command (argv[1] may be a link to this file, as in the tests' compiled mirror).
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) await bundleCli(process.argv[2]);
