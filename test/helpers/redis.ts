/**
 * A real Redis for the queue tests: Debian's redis-server on a loopback port picked at random
 * (a free one, asked of the kernel, then given to redis-server: it takes no `--port 0`), with
 * no persistence, in a temporary directory, stopped when the suite ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_SERVER = '/usr/bin/redis-server';

/** `false` when redis-server is there; otherwise the reason to skip with (under CI=true: a failure, .ci/run installs it). */
export function redisSkipReason(): string | false {
  if (existsSync(REDIS_SERVER)) return false;
  if (process.env.CI) throw new Error(`${REDIS_SERVER} is missing: .ci/run installs Debian's redis-server for this test`);
  return `${REDIS_SERVER} not installed (apt-get install -y redis-server)`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts redis-server and resolves once it accepts connections (a port taken meanwhile: another is tried). */
export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flipbook-redis-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ready = await new Promise<boolean>((resolve) => {
      let out = '';
      const timer = setTimeout(() => resolve(false), 5000);
      child.stdout?.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.on('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (ready) {
      child.stdout?.resume();
      return { url: `redis://127.0.0.1:${port}`, port, stop: () => stop(child, dir) };
    }
    await stop(child, undefined);
    if (attempt === 3) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on a free port in ${attempt} tries`);
    }
  }
}

async function stop(child: ChildProcess, dir: string | undefined): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
}
