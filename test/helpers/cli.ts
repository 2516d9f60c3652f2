/**
 * Runs the real command as a child process: the bundle the package ships (`npm run build` makes
 * it with scripts/bundle-cli.mjs), built here from the current sources once per source state and
 * shared by every test file. It starts in about 0.15 s, against about 1 s for `tsx src/cli/bin.ts`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
const BUNDLER = join(ROOT, 'scripts', 'bundle-cli.mjs');
/**
 * Laid out like dist/: `.test-cache/<hash>/cli/flipbook.js` and `.test-cache/<hash>/segments/worker.js`
 * (the --jobs worker). The bundle reads `../../package.json` (`.test-cache/package.json`, a copy),
 * and its `node-av` and `@napi-rs/canvas` imports resolve from the project's node_modules.
 */
const CACHE = join(ROOT, '.test-cache');

let bundled: string | undefined;

/** The command bundled from the sources as they are now (built on first use, then cached by content). */
export function cliBundle(): string {
  if (bundled) return bundled;
  const hash = createHash('sha256');
  for (const file of (readdirSync(SRC, { recursive: true }) as string[]).sort()) {
    if (!file.endsWith('.ts')) continue;
    hash.update(file).update(readFileSync(join(SRC, file)));
  }
  hash.update(readFileSync(BUNDLER));
  const dir = join(CACHE, hash.digest('hex').slice(0, 16));
  const file = join(dir, 'cli', 'flipbook.js');
  if (!existsSync(file)) {
    mkdirSync(CACHE, { recursive: true });
    copyFileSync(join(ROOT, 'package.json'), join(CACHE, 'package.json'));
    // Built in a folder of its own, then renamed: test files running at once never see half a bundle.
    const temporary = `${dir}.${process.pid}.tmp`;
    execFileSync(process.execPath, [BUNDLER, join(temporary, 'cli', 'flipbook.js')], { stdio: 'inherit' });
    try {
      renameSync(temporary, dir);
    } catch {
      // Another test file built the same bundle first.
      rmSync(temporary, { recursive: true, force: true });
    }
  }
  bundled = file;
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `flipbook ...args` with stdout and stderr piped (so, not a terminal); stdin is none, or an open file's descriptor. */
export function spawnCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: number } = {}): ChildProcess {
  return spawn(process.execPath, [cliBundle(), ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started command's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: number } = {}): Promise<CliResult> {
  return finished(spawnCli(args, options));
}

/** Non-empty lines of a text. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '');
}
