/**
 * The published declarations as a user's project sees them: built with the package's own build
 * config, installed into a consumer project that has neither node-av's nor `@napi-rs/canvas`'s
 * types (the canvas package is optional; node-av's types are not flipbook's API), and type-checked
 * there with `strict` and `skipLibCheck: false`, so every declaration file reachable from
 * `dist/index.d.ts` is checked, not only the consumer's code. And the exports map as a user's
 * require and import resolve it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, copyFile, mkdir, readFile, readdir, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, join, relative, sep } from 'node:path';
import { test } from 'node:test';

import { ROOT, finished } from './helpers/cli.js';
import { tempDir } from './helpers/temp.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const CONSUMER = `import {
  type DrawingContext2D,
  type OptionRef,
  type OptionStyle,
  type OutputResult,
  type Text,
  type VideoTrackInfo,
  type WarningHandler,
  animate,
  createWriter,
  isFlipbookError,
  probe,
  readFrames,
  stitch,
} from 'flipbook';

// The types of what the README's errors and warnings hand over (onWarning(message, text),
// error.factText, error.render(style)) can be named: they were not exported.
const said: Text[] = [];
const onWarning: WarningHandler = (message: string, text: Text) => void said.push(message, text);
const dashed: OptionStyle = ({ option }: OptionRef) => \`--\${option}\`;

export async function use(): Promise<number> {
  const stitched: OutputResult = await stitch(['frames/*.png'], 'movie.mp4', { fps: 30, fit: 'contain', codec: 'h265', crf: 28, onWarning });
  const writer = createWriter('out.webm', { width: 64, height: 48, fps: '30000/1001', codec: 'vp9' });
  await writer.write({ data: new Uint8Array(64 * 48 * 3), width: 64, height: 48, layout: 'rgb' });
  const written: OutputResult = await writer.close();
  const drawn = await animate(
    {
      width: 64,
      height: 48,
      data: ['a', 'b'],
      draw(ctx: DrawingContext2D, { datum, progress, canvas }) {
        const label: string = datum;
        ctx.fillStyle = 'white';
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        ctx.fillText(label, progress * 10, 20);
        const pixels: Uint8Array | Uint8ClampedArray = ctx.getImageData(0, 0, 1, 1).data;
        void pixels;
      },
    },
    'box.mp4',
    { overwrite: true },
  );
  let bytes = 0;
  for await (const frame of readFrames('movie.mp4', { fps: 5, width: 32, layout: 'gray' })) bytes += frame.data.byteLength;
  const info = await probe('movie.mp4');
  const video = info.streams.find((track): track is VideoTrackInfo => track.type === 'video');
  try {
    await stitch('missing/*.png', 'x.mp4');
  } catch (error) {
    if (isFlipbookError(error)) bytes += error.code.length + error.render(dashed).length;
  }
  return stitched.frames + written.frames + drawn.frames + bytes + (video?.width ?? 0);
}
`;

/**
 * dist/ as `npm run build` left it, when that build is newer than every source file (so after
 * `npm ci`, as in CI): its declarations are the ones that would be published. Otherwise undefined.
 */
async function freshDist(): Promise<string | undefined> {
  const dist = join(ROOT, 'dist');
  const built = await stat(join(dist, 'index.d.ts')).catch(() => undefined);
  if (!built) return undefined;
  const src = join(ROOT, 'src');
  for (const file of await readdir(src, { recursive: true })) {
    if (file.endsWith('.ts') && (await stat(join(src, file))).mtimeMs > built.mtimeMs) return undefined;
  }
  return realpath(dist);
}

function tsc(args: string[], cwd: string) {
  return finished(spawn(process.execPath, [TSC, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
}

test('the published declarations type-check in a strict project without node-av or @napi-rs/canvas, and expose neither nor @internal', async (t) => {
  const dir = await tempDir(t, 'flipbook-types-');
  const pkg = join(dir, 'node_modules', 'flipbook');
  await mkdir(join(dir, 'node_modules', '@types'), { recursive: true });
  await mkdir(pkg, { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  // Node's types, as any Node project has them; nothing else of flipbook's node_modules.
  await symlink(join(ROOT, 'node_modules', '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');

  const dist = await freshDist();
  if (dist) {
    await cp(dist, join(pkg, 'dist'), { recursive: true, filter: (from) => from.endsWith('.d.ts') || !/\.\w+$/.test(basename(from)) });
  } else {
    // Sources changed since the last build: the same declarations, built here. --noCheck: without
    // checking the sources' bodies again (`npm run typecheck` does that); half the time.
    const build = await tsc(['-p', join(ROOT, 'tsconfig.build.json'), '--emitDeclarationOnly', '--noCheck', '--declarationMap', 'false', '--outDir', join(pkg, 'dist')], ROOT);
    assert.equal(build.code, 0, `building the declarations: ${build.stdout}${build.stderr}`);
  }
  t.diagnostic(dist ? 'declarations from dist/ (built after every source change)' : 'declarations built from the sources');

  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      // The strictest settings a user's project may have: the declarations must hold under them too.
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
      files: ['use.ts'],
    }),
  );
  await writeFile(join(dir, 'use.ts'), CONSUMER);

  const check = await tsc(['-p', dir, '--listFiles'], dir);
  const diagnostics = check.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
  assert.deepEqual(diagnostics, [], 'the consumer project type-checks with skipLibCheck: false');
  assert.equal(check.code, 0, `tsc exit code: ${check.stdout}${check.stderr}`);

  // --listFiles: every file the program read, so every declaration reachable from index.d.ts.
  const published = check.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((file) => file.startsWith(pkg + sep) || file.startsWith(`${pkg}/`));
  const names = published.map((file) => relative(join(pkg, 'dist'), file).split(sep).join('/'));
  assert.ok(names.includes('index.d.ts'), `index.d.ts is among the files read: ${names.join(', ')}`);
  assert.ok(names.includes('animate/drawing-context.d.ts') && names.includes('read/read-frames.d.ts'), `the used modules are read: ${names.join(', ')}`);
  for (const file of published) {
    const text = await readFile(file, 'utf8');
    const name = relative(pkg, file);
    assert.doesNotMatch(text, /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"]node-av(?:\/[^'"]*)?['"]/, `${name} imports no node-av module`);
    assert.doesNotMatch(text, /['"]@napi-rs\/canvas['"]/, `${name} imports nothing of @napi-rs/canvas`);
    assert.doesNotMatch(text, /@internal/, `${name} declares nothing marked @internal`);
  }
});

test("the exports map: the entry and flipbook/package.json resolve (tools find the package's folder, and its examples, by it); other paths stay private", async (t) => {
  const dir = await tempDir(t, 'flipbook-exports-');
  const pkg = join(dir, 'node_modules', 'flipbook');
  await mkdir(join(pkg, 'dist'), { recursive: true });
  await copyFile(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  await writeFile(join(pkg, 'dist', 'index.js'), '');
  await writeFile(join(pkg, 'dist', 'errors.js'), '');
  const require = createRequire(join(dir, 'consumer.js'));
  assert.equal(require.resolve('flipbook'), join(pkg, 'dist', 'index.js'));
  // It said ERR_PACKAGE_PATH_NOT_EXPORTED.
  assert.equal(require.resolve('flipbook/package.json'), join(pkg, 'package.json'));
  assert.throws(() => require.resolve('flipbook/dist/errors.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
});
