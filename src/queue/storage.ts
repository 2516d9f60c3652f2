import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';

/**
 * Where segment files live between the worker that renders them and the coordinator that joins
 * them. Names are flat (`[A-Za-z0-9._-]`, made by segmentName), never paths. One
 * implementation today, a directory every machine mounts (DirectoryStorage); object storage
 * can follow behind the same five calls.
 */
export interface SegmentStorage {
  /**
   * Stores `name` whole or not at all: `write` fills a local temporary file (whose name ends
   * in the same extension as `name`, so a writer that picks the container by extension picks
   * the right one), which becomes `name` only after `write` resolves and `commit` (if given)
   * agrees. On any failure the temporary file is removed and nothing is stored.
   */
  put<T>(name: string, write: (file: string) => Promise<T>, commit?: () => Promise<boolean>): Promise<{ stored: boolean; value: T }>;
  exists(name: string): Promise<boolean>;
  /** A local path from which `name` can be read (a directory: the file itself). */
  readPath(name: string): Promise<string>;
  /** Removes `name`; a missing one is not an error. */
  remove(name: string): Promise<void>;
  /** The names that belong to a job: those starting with `prefix`, and temporary ones (dots before it). */
  list(prefix: string): Promise<string[]>;
}

/** A stored name, or a temporary one (leading dots: ours, and a renderer's own temporary name beside it). */
const NAME = /^\.{0,2}[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Temporary names start with a dot and end with `.part` before the extension. */
export function temporaryName(name: string): string {
  const ext = extname(name);
  return `.${name.slice(0, name.length - ext.length)}.${randomBytes(4).toString('hex')}.part${ext}`;
}

/** A shared directory as segment storage. */
export class DirectoryStorage implements SegmentStorage {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  private path(name: string): string {
    if (!NAME.test(name)) throw new Error(`Not a segment name: ${JSON.stringify(name)}`);
    return join(this.dir, name);
  }

  async put<T>(name: string, write: (file: string) => Promise<T>, commit?: () => Promise<boolean>): Promise<{ stored: boolean; value: T }> {
    const target = this.path(name);
    await mkdir(this.dir, { recursive: true });
    const temporary = join(this.dir, temporaryName(name));
    try {
      const value = await write(temporary);
      if (commit && !(await commit())) {
        await rm(temporary, { force: true });
        return { stored: false, value };
      }
      await rename(temporary, target);
      return { stored: true, value };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(this.path(name))).isFile();
    } catch {
      return false;
    }
  }

  async readPath(name: string): Promise<string> {
    return this.path(name);
  }

  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => n.replace(/^\.{1,2}/, '').startsWith(prefix)).sort();
  }
}
