/**
 * What every benchmark shares: where things are, running a command, timing it with GNU time
 * (so both sides are counted the same way, start-up included), medians, and the built package.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS = join(ROOT, 'bench', 'results');
export const FFMPEG = '/usr/bin/ffmpeg';
export const FFPROBE = '/usr/bin/ffprobe';
export const GNU_TIME = '/usr/bin/time';
export const MB = 1024 * 1024;

export interface BenchOptions {
  runs: number;
  log: (line: string) => void;
}

export interface Sample {
  /** Seconds. */
  wall: number;
  /** User + system CPU seconds of the child and what it waited for. */
  cpu: number;
  /** Peak resident set size, bytes. */
  rss: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Runs a command to its end; rejects with its stderr when it fails. */
export function run(command: string, args: readonly string[], { cwd = ROOT, env = process.env }: RunOptions = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout: stdout.trim(), stderr: stderr.trim() });
      else reject(new Error(`${command} ${args.slice(0, 8).join(' ')}... failed (${signal ?? `exit ${code}`}):\n${stderr.trim().slice(-2000)}`));
    });
  });
}

/** Runs a command under GNU time: its wall clock, CPU time and peak RSS, and its stdout. */
export async function timed(command: string, args: readonly string[], options: RunOptions = {}): Promise<Sample & { stdout: string }> {
  const report = join(os.tmpdir(), `flipbook-bench-${process.pid}-${Date.now()}.time`);
  try {
    const { stdout } = await run(GNU_TIME, ['-f', '%e %U %S %M', '-o', report, command, ...args], options);
    const [wall, user, sys, kb] = (await readFile(report, 'utf8')).trim().split(/\s+/).slice(-4).map(Number);
    if ([wall, user, sys, kb].some((n) => n === undefined || Number.isNaN(n))) throw new Error(`Cannot read GNU time's report for ${command}`);
    return { wall: wall ?? NaN, cpu: (user ?? 0) + (sys ?? 0), rss: (kb ?? 0) * 1024, stdout };
  } finally {
    await rm(report, { force: true });
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** The median of each measurement on its own. */
export function medianSample(samples: readonly Sample[]): Sample {
  return { wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)), rss: median(samples.map((s) => s.rss)) };
}

export function mb(bytes: number): string {
  return `${Math.round(bytes / MB)} MB`;
}

export function describe(s: Sample): string {
  return `wall ${s.wall.toFixed(2)} s, CPU ${s.cpu.toFixed(2)} s, peak RSS ${mb(s.rss)}`;
}

/** Fails with the install line when the reference tools are missing. */
export function requireTools(what: string, tools: readonly string[] = [FFMPEG, GNU_TIME]): void {
  const install: Record<string, string> = { [FFMPEG]: 'ffmpeg', [FFPROBE]: 'ffmpeg', [GNU_TIME]: 'time' };
  const missing = tools.filter((tool) => !existsSync(tool));
  if (missing.length) {
    throw new Error(`The ${what} benchmark needs ${missing.join(' and ')}: apt-get install -y ${[...new Set(missing.map((t) => install[t] ?? t))].join(' ')}`);
  }
}

/** dist/ (the package as users run it), rebuilt first when any file in src/ is newer. */
export async function builtFlipbook(log: (line: string) => void): Promise<{ bin: string; index: string }> {
  const bin = join(ROOT, 'dist', 'cli', 'flipbook.js');
  const index = join(ROOT, 'dist', 'index.js');
  const built = existsSync(bin) && existsSync(index) ? Math.min((await stat(bin)).mtimeMs, (await stat(index)).mtimeMs) : 0;
  let newest = 0;
  for (const file of await readdir(join(ROOT, 'src'), { recursive: true })) {
    if (file.endsWith('.ts')) newest = Math.max(newest, (await stat(join(ROOT, 'src', file))).mtimeMs);
  }
  if (newest > built) {
    log('Building flipbook (dist/ is older than src/)...');
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')]);
    await run(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs')]);
    if (!existsSync(bin)) throw new Error('The build did not produce dist/cli/flipbook.js');
  }
  return { bin, index };
}

/**
 * `dir`/f_00001.png ... PNG frames of ffmpeg's testsrc2, made once (into a partial folder renamed
 * when complete) and reused by every later run.
 */
export async function testsrcFrames(dir: string, { width, height, fps, frames }: { width: number; height: number; fps: number; frames: number }, log: (line: string) => void): Promise<string> {
  if (existsSync(join(dir, `f_${String(frames).padStart(5, '0')}.png`))) return dir;
  log(`Generating ${frames} PNG frames of ${width}x${height} into ${relative(ROOT, dir)} (once)...`);
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await run(FFMPEG, ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=${fps}`, '-frames:v', String(frames), join(partial, 'f_%05d.png')]);
  await rm(dir, { recursive: true, force: true });
  await rename(partial, dir);
  return dir;
}
