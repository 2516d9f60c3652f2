import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface HasAfter {
  after(fn: () => Promise<void> | void): void;
}

/** A fresh directory, removed when the test (or suite) `t` ends. */
export async function tempDir(t: HasAfter, prefix = 'flipbook-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The names in `dir`, sorted, including dot files (temporary outputs start with a dot). */
export async function listDir(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** Temporary files a run left behind in `dir`. */
export async function leftoverParts(dir: string): Promise<string[]> {
  return (await listDir(dir)).filter((name) => name.endsWith('.flipbook.part'));
}
