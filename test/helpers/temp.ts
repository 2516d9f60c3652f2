import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface HasAfter {
  after(fn: () => Promise<void> | void): void;
}

/**
 * A fresh directory, removed when the test `t` ends. In a suite, create it in `before()` with
 * mkdtemp and remove it in `after()` instead: a hook's context runs `after` callbacks at the end
 * of the hook itself, so the directory would be gone before the tests run.
 */
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
