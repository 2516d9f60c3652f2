/**
 * `node scripts/test-weights.mjs`: runs every test file alone, one after another, and writes the
 * seconds each took (wall) to scripts/test-weights.json. `npm test` starts the slowest files first
 * (longest first is the classic rule for packing jobs on a few workers: the last file to finish is a
 * short one), so rerun this when files are added or change much. A quiet machine gives truer numbers;
 * the order only matters roughly.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { URL } from 'node:url';
import process from 'node:process';
import { buildTests } from './build-tests.mjs';

const mirror = await buildTests();
const files = ['test', 'test/unit'].flatMap((folder) =>
  readdirSync(join(mirror, folder)).filter((n) => n.endsWith('.test.js')).sort().map((n) => `${folder}/${n}`),
);
const seconds = {};
for (const file of files) {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=dot', file], { cwd: mirror, stdio: 'ignore' });
  const taken = Number(process.hrtime.bigint() - start) / 1e9;
  seconds[file.replace(/\.js$/, '.ts')] = Math.round(taken * 100) / 100;
  process.stdout.write(`${taken.toFixed(2)} s  ${file}\n`);
}
const sorted = Object.fromEntries(Object.entries(seconds).sort((a, b) => b[1] - a[1]));
const note =
  'Seconds each test file took alone (wall), written by scripts/test-weights.mjs; npm test starts the slowest first so that no long file starts last. Only an order: a stale or missing entry costs time, never a test.';
writeFileSync(new URL('./test-weights.json', import.meta.url), `${JSON.stringify({ '//': note, seconds: sorted }, null, 1)}\n`);
