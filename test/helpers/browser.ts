/**
 * Headless Chromium for the playback tests: Debian's /usr/bin/chromium driven by
 * playwright-core (no browser download), and a loopback HTTP server for the pages and media.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * `false` when Chromium is there; otherwise the reason to skip with. Under CI=true a missing
 * Chromium throws instead: .ci/run installs it, so its absence there is a failure.
 */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for this test`);
  return `${CHROMIUM} not installed (apt-get install -y chromium)`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true });
}

const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  gif: 'image/gif',
  webp: 'image/webp',
  png: 'image/png',
  html: 'text/html; charset=utf-8',
};

/** Serves one directory on loopback, with byte ranges as media elements ask for them. */
export async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    readFile(join(dir, name)).then(
      (body) => {
        const type = TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';
        const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
        if (range) {
          const start = Number(range[1]);
          const end = range[2] ? Number(range[2]) : body.length - 1;
          res.writeHead(206, { 'content-type': type, 'content-range': `bytes ${start}-${end}/${body.length}`, 'accept-ranges': 'bytes', 'content-length': end - start + 1 });
          res.end(body.subarray(start, end + 1));
        } else {
          res.writeHead(200, { 'content-type': type, 'accept-ranges': 'bytes', 'content-length': body.length });
          res.end(body);
        }
      },
      () => {
        res.writeHead(404);
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Every channel of `actual` within `tolerance` of `expected`. */
export function assertPixel(actual: readonly number[], expected: readonly number[], tolerance: number, label = 'pixel'): void {
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? -999) - e)));
  assert.ok(worst <= tolerance, `${label} ${actual.join(',')} vs expected ${expected.join(',')} (off by ${worst}, allowed ${tolerance})`);
}

/** What a browser suite gets: a served directory and a running Chromium. */
export interface BrowserEnv {
  /** The served directory (created before the suite, removed after it). */
  dir: string;
  /** Its URL on loopback, without a trailing slash. */
  base: string;
  browser: Browser;
}

/**
 * Sets up a suite's browser: a temporary directory filled by `prepare`, served on loopback, and
 * Chromium; all torn down after the suite. Call it inside `describe`.
 */
export function useBrowser(prefix: string, prepare: (dir: string) => Promise<void> = async () => undefined): BrowserEnv {
  const env = {} as BrowserEnv;
  let server: Server | undefined;
  before(async () => {
    env.dir = await mkdtemp(join(tmpdir(), prefix));
    await prepare(env.dir);
    ({ server, url: env.base } = await serve(env.dir));
    env.browser = await launchChromium();
  });
  after(async () => {
    await env.browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await rm(env.dir, { recursive: true, force: true });
  });
  return env;
}
