/**
 * The runner behind scripts/test.mjs: Node's own test runner (`run()` from node:test, the spec
 * reporter, the usual summary), with the files started in the order given. `node --test` sorts
 * its files by name, so it cannot start the slowest first. Run from the compiled mirror with
 * `--enable-source-maps`, which each test file's process inherits.
 *
 *   node --enable-source-maps scripts/run-files.mjs [--concurrency=N] [--test-name-pattern=RE] file...
 */
import { resolve } from 'node:path';
import process from 'node:process';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const args = process.argv.slice(2);
const value = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const unknown = args.filter((a) => a.startsWith('--') && !/^--(concurrency|test-name-pattern)=/.test(a));
if (unknown.length > 0) {
  process.stderr.write(`run-files: unknown option ${unknown.join(' ')} (known: --concurrency=N, --test-name-pattern=RE)\n`);
  process.exit(2);
}
const files = args.filter((a) => !a.startsWith('--')).map((f) => resolve(f));
const patterns = args.filter((a) => a.startsWith('--test-name-pattern=')).map((a) => new RegExp(a.slice('--test-name-pattern='.length)));

const stream = run({
  files,
  concurrency: Number(value('concurrency') ?? 2),
  ...(patterns.length > 0 ? { testNamePatterns: patterns } : {}),
});
// The exit code `node --test` gives: 1 when any test (or a whole file) failed.
stream.on('test:fail', (event) => {
  if (!event.todo) process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
