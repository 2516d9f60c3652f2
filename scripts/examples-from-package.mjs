#!/usr/bin/env node
/**
 * The examples as a user runs them: `npm pack`, the tarball installed into an empty project
 * (offline, from the npm cache that this repository's install filled), then every example in
 * node_modules/flipbook/examples run there with tsx, and each video it writes checked with the
 * installed command (`npx flipbook info --json`: its frame count and size). An example that
 * needs a file the package lacks, imports from outside the package, or prints a usage message
 * without one fails here.
 *
 *   node scripts/examples-from-package.mjs [--no-build]
 *
 * --no-build packs dist/ as it is (.ci/run: `npm ci` has just built it); otherwise
 * `npm run build` runs first. The empty project's lockfile is cut from this repository's, so
 * `npm ci --offline` needs no registry metadata, only the cached tarballs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** What the empty project installs beside flipbook: the canvas the examples draw with, and tsx to run TypeScript. */
const EXTRA = ['@napi-rs/canvas', 'tsx'];

const started = performance.now();
const say = (line) => process.stdout.write(`examples-from-package: ${line}\n`);
const run = (command, args, cwd, env = {}) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });

/** Stops the run: thrown, so that the temporary project is removed before the exit code is set. */
class Failure extends Error {}
function fail(message) {
  throw new Failure(message);
}

/** The lockfile entries an install of `roots` needs, at the paths this repository's lockfile gives them. */
function lockClosure(lock, roots) {
  const packages = lock.packages;
  const picked = new Map();
  const visit = (name, from) => {
    // Node's lookup: the nearest node_modules up from the package that depends on it.
    for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
      const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (packages[path]) {
        if (picked.has(path)) return;
        picked.set(path, packages[path]);
        const entry = packages[path];
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(dep, path);
        for (const [dep, meta] of Object.entries(entry.peerDependenciesMeta ?? {})) if (!meta.optional) visit(dep, path);
        return;
      }
      if (!dir) return;
    }
  };
  for (const name of roots) visit(name, '');
  return picked;
}

const work = mkdtempSync(join(tmpdir(), 'flipbook-examples-'));
try {
  if (!process.argv.includes('--no-build')) {
    say('building (npm run build)');
    run('npm', ['run', 'build', '--silent'], ROOT);
  }
  if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'dist/cli/flipbook.js'))) fail('dist/ is not built: run npm run build');
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT))[0];
  say(`packed ${packed.filename}: ${packed.entryCount} files, ${(packed.size / 1e6).toFixed(2)} MB`);
  const leaked = packed.files.map((f) => f.path).filter((p) => p.startsWith('src/') || p.startsWith('sample/') || p.endsWith('.map'));
  if (leaked.length) fail(`the package holds files it should not: ${leaked.join(', ')}`);

  // The empty project: flipbook from the tarball, and a lockfile cut from this repository's.
  const app = join(work, 'app');
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const versions = Object.fromEntries(EXTRA.map((name) => [name, lock.packages[`node_modules/${name}`]?.version]));
  for (const [name, version] of Object.entries(versions)) if (!version) fail(`${name} is not in package-lock.json`);
  const dependencies = { flipbook: `file:../${packed.filename}`, ...versions };
  const closure = lockClosure(lock, [...Object.keys(manifest.dependencies), ...EXTRA]);
  const appLock = {
    name: 'app',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', dependencies },
      'node_modules/flipbook': {
        version: manifest.version,
        resolved: `file:../${packed.filename}`,
        integrity: packed.integrity,
        license: manifest.license,
        dependencies: manifest.dependencies,
        bin: manifest.bin,
        engines: manifest.engines,
        peerDependencies: manifest.peerDependencies,
        peerDependenciesMeta: manifest.peerDependenciesMeta,
      },
      ...Object.fromEntries([...closure].map(([path, entry]) => [path, { ...entry, dev: undefined, devOptional: undefined, peer: undefined }])),
    },
  };
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies }, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(appLock, null, 2));
  // --ignore-scripts: node-av's postinstall would download an ffmpeg command it does not need.
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  say(`installed into an empty project (${closure.size + 1} packages, offline)`);

  const examples = readdirSync(join(app, 'node_modules/flipbook/examples')).filter((f) => f.endsWith('.ts')).sort();
  const expected = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts')).sort();
  if (examples.join() !== expected.join()) fail(`the package ships ${examples.join(', ')}, the repository has ${expected.join(', ')}`);

  /** Runs an example from the installed package; returns its output, or fails with what it printed. */
  const example = (name, args, { status = 0 } = {}) => {
    let out;
    let code = 0;
    try {
      out = run(process.execPath, ['--import', 'tsx', `node_modules/flipbook/examples/${name}`, ...args], app);
    } catch (error) {
      if (typeof error.status !== 'number') throw error;
      code = error.status;
      out = `${error.stdout}${error.stderr}`;
    }
    if (code !== status) fail(`${name} ${args.join(' ')} exited ${code}, expected ${status}:\n${out}`);
    return out;
  };

  /** A video written by an example: its frame count and size, from the installed command. */
  const check = (file, frames, width, height) => {
    const info = JSON.parse(run('npx', ['--no-install', 'flipbook', 'info', '--json', file], app));
    const video = info.streams.find((s) => s.type === 'video');
    if (video?.frames !== frames || video.width !== width || video.height !== height) {
      fail(`${file}: ${video?.frames} frames ${video?.width}x${video?.height}, expected ${frames} frames ${width}x${height}`);
    }
    say(`  ${file}: ${frames} frames, ${width}x${height}`);
  };

  // The plot first: crossfade-photos takes two of its frames as photos.
  for (const name of [...examples].sort((a, b) => Number(b === 'plot.ts') - Number(a === 'plot.ts'))) {
    const t0 = performance.now();
    if (name === 'crossfade.ts') {
      example(name, ['crossfade.mp4']);
      check('crossfade.mp4', 150, 320, 180);
      const usage = example(name, ['x.mp4', 'only-one.png'], { status: 2 });
      if (!usage.includes('usage:')) fail(`crossfade.ts with one picture printed no usage: ${usage}`);
    } else if (name === 'crossfade-photos.ts') {
      const usage = example(name, [], { status: 2 });
      if (!usage.includes('usage:')) fail(`crossfade-photos.ts without photos printed no usage: ${usage}`);
      // Two photos: frames of the plot, taken with the installed command.
      run('npx', ['--no-install', 'flipbook', 'split', 'plot.mp4', '-o', 'photos/', '--frame-numbers', '30,110', '-q'], app);
      example(name, ['photos/frame_000001.png', 'photos/frame_000002.png', 'crossfade-photos.mp4']);
      check('crossfade-photos.mp4', 150, 640, 360);
    } else if (name === 'plot.ts') {
      example(name, ['plot.mp4']);
      check('plot.mp4', 120, 640, 360);
    } else if (name === 'frame-stats.ts') {
      const usage = example(name, [], { status: 2 });
      if (!usage.includes('usage:')) fail(`frame-stats.ts without a video printed no usage: ${usage}`);
      // The plot's frames: its red curve grows, so the share printed each second does too.
      const out = example(name, ['plot.mp4']);
      const shares = [...out.matchAll(/#d62728 ([\d.]+)%/g)].map((m) => Number(m[1]));
      if (!out.includes('120 frames read') || shares.length < 4 || !(shares.at(-1) > 3 * shares[0])) fail(`frame-stats.ts plot.mp4 printed:\n${out}`);
      say(`  frame-stats.ts: 120 frames, red ${shares[0]}% at the start, ${shares.at(-1)}% at the end`);
    } else if (name === 'video-to-gif.ts') {
      const usage = example(name, [], { status: 2 });
      if (!usage.includes('usage:')) fail(`video-to-gif.ts without a video printed no usage: ${usage}`);
      // The plot's 4 s at 30 fps, as a GIF of 10 fps and 320 px.
      example(name, ['plot.mp4', 'plot.gif', '10', '320']);
      check('plot.gif', 40, 320, 180);
    } else if (name === 'slideshow.ts') {
      example(name, ['.']);
      check('slideshow-1fps.mp4', 6, 320, 180);
      check('slideshow-3fps.mp4', 6, 320, 180);
    } else {
      fail(`${name} is an example this script does not know: add how to run and check it`);
    }
    say(`${name}: ok in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  say(`all ${examples.length} examples ran from the installed package in ${((performance.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  process.stderr.write(`examples-from-package: FAILED: ${error instanceof Failure ? error.message : (error.stack ?? error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
