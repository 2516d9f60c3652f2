/**
 * `npm test` and `npm run test:unit`: compiles the tests once (scripts/build-tests.mjs, about
 * 0.7 s) and runs them as JavaScript with Node's own runner, two files at a time.
 *
 *   node scripts/test.mjs                      every test file
 *   node scripts/test.mjs --unit               test/unit/ alone (seconds)
 *   node scripts/test.mjs test/gif.test.ts ... the named files (npm test -- test/gif.test.ts)
 *
 * One Chromium serves every browser test (a Playwright browser server started here, its address in
 * FLIPBOOK_TEST_CHROMIUM; test/helpers/browser.ts connects to it), instead of one start per file.
 *
 * One file alone also runs from its source: `node --import tsx --test test/gif.test.ts`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { buildTests } from './build-tests.mjs';

const args = process.argv.slice(2);
const unit = args.includes('--unit');
const named = args.filter((a) => !a.startsWith('--'));
const options = args.filter((a) => a.startsWith('--') && a !== '--unit');

const mirror = await buildTests();
const inFolder = (folder) => readdirSync(join(mirror, folder)).filter((n) => n.endsWith('.test.js')).sort().map((n) => `${folder}/${n}`);
const files = named.length > 0 ? named.map((f) => f.replace(/\.ts$/, '.js')) : [...(unit ? [] : inFolder('test')), ...inFolder('test/unit')];

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

const child = spawn(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', '--test-reporter=spec', ...options, ...files], {
  cwd: mirror,
  stdio: 'inherit',
  env: { ...process.env, ...(browser ? { FLIPBOOK_TEST_CHROMIUM: browser.wsEndpoint() } : {}) },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', async (code, signal) => {
  await browser?.close();
  process.exit(code ?? (signal ? 1 : 0));
});
