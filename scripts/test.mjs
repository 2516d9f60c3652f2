/**
 * `npm test` and `npm run test:unit`: compiles the tests once (scripts/build-tests.mjs, about
 * 0.7 s) and runs them as JavaScript with Node's own runner (scripts/run-files.mjs), two files at a
 * time, the slowest first, the quick ones together in one process.
 *
 *   node scripts/test.mjs                      every test file
 *   node scripts/test.mjs --unit               test/unit/ alone (seconds)
 *   node scripts/test.mjs test/gif.test.ts ... the named files (npm test -- test/gif.test.ts)
 *   node scripts/test.mjs --list               the order the files would start in, nothing run
 *
 * One Chromium serves every browser test (a Playwright browser server started here, its address in
 * FLIPBOOK_TEST_CHROMIUM; test/helpers/browser.ts connects to it), instead of one start per file.
 *
 * One file alone also runs from its source: `node --import tsx --test test/gif.test.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL, fileURLToPath } from 'node:url';
import process from 'node:process';
import { buildTests } from './build-tests.mjs';

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const named = args.filter((a) => !a.startsWith('--'));
const options = args.filter((a) => a.startsWith('--') && a !== '--unit' && a !== '--list');

const mirror = await buildTests();
const inFolder = (folder) => readdirSync(join(mirror, folder)).filter((n) => n.endsWith('.test.js')).sort().map((n) => `${folder}/${n}`);
const all = named.length > 0 ? named.map((f) => f.replace(/\.ts$/, '.js')) : [...(unit ? [] : inFolder('test')), ...inFolder('test/unit')];
// The slowest files first (scripts/test-weights.json, measured by scripts/test-weights.mjs): with
// two at a time, a long file that starts last keeps one core idle until it ends. A file without a
// weight (a new one) counts as 2 s.
const { seconds: weights } = JSON.parse(readFileSync(new URL('./test-weights.json', import.meta.url), 'utf8'));
const weight = (file) => weights[file.replace(/\.js$/, '.ts')] ?? 2;
// Files that take under QUICK seconds alone run together in one process (a generated file that
// imports them all): starting Node, the library and FFmpeg costs each file some 0.45 s of CPU,
// more than many of them test (the 36 files under 1.5 s: 28.5 s wall and 32.7 s CPU one by one,
// 13.2 s and 12.8 s together). A file that measures its own process (its memory, its open files)
// says `npm test: a process of its own` and keeps one. Named files always run on their own.
const QUICK = 3.3;
const ALONE = 'npm test: a process of its own';
const quick =
  named.length > 0
    ? []
    : all.filter((file) => file.replace(/\.js$/, '.ts') in weights && weight(file) <= QUICK && !readFileSync(join(mirror, file.replace(/\.js$/, '.ts')), 'utf8').includes(ALONE));
const files = all.filter((file) => !quick.includes(file));
if (quick.length > 1) {
  writeFileSync(join(mirror, 'quick-files.test.js'), quick.map((file) => `import './${file}';\n`).join(''));
  files.push('quick-files.test.js');
  weights['quick-files.test.ts'] = quick.reduce((sum, file) => sum + weight(file) - 0.45, 0);
} else {
  files.push(...quick);
}
files.sort((a, b) => weight(b) - weight(a));
if (args.includes('--list')) {
  // The order the files start in, with the seconds each is expected to take; nothing is run.
  for (const file of files) process.stdout.write(`${weight(file).toFixed(1).padStart(6)} s  ${file}\n`);
  process.exit(0);
}

// The same executable and flags as test/helpers/browser.ts (CHROMIUM, CHROMIUM_FLAGS).
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
let browser;
if (existsSync(CHROMIUM)) {
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
  } catch (error) {
    // Each browser test file then launches its own, and says why if that fails too.
    process.stderr.write(`scripts/test.mjs: no shared Chromium (${error instanceof Error ? error.message.split('\n')[0] : error}); each browser test launches its own\n`);
  }
}

// Two files at a time on this 2-core machine; FLIPBOOK_TEST_CONCURRENCY changes it.
const CONCURRENCY = Number(process.env.FLIPBOOK_TEST_CONCURRENCY ?? 2);
const child = spawn(process.execPath, ['--enable-source-maps', fileURLToPath(new URL('./run-files.mjs', import.meta.url)), `--concurrency=${CONCURRENCY}`, ...options, ...files], {
  cwd: mirror,
  stdio: 'inherit',
  env: { ...process.env, ...(browser ? { FLIPBOOK_TEST_CHROMIUM: browser.wsEndpoint() } : {}) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  await browser?.close();
  process.exit(code ?? (signal ? 1 : 0));
});
