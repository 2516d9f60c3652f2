import { open } from 'node:fs/promises';

/**
 * Reads whole files into a few reused buffers. readFile makes a new buffer for every image,
 * garbage that the collector frees late: streaming 1080p PNGs, some 30 MB of it is waiting at
 * any moment. Here there are as many buffers as reads ever ran at once, each as large as the
 * largest file it held.
 */
export class ReadBuffers {
  private readonly idle: Buffer[] = [];

  /** Reads `file` and hands its bytes to `use`, which must be done with them when it settles. */
  async read<T>(file: string, use: (bytes: Buffer) => Promise<T>): Promise<T> {
    const slot = { buffer: this.idle.pop() ?? Buffer.alloc(0) };
    try {
      const length = await readInto(file, slot);
      return await use(slot.buffer.subarray(0, length));
    } finally {
      this.idle.push(slot.buffer);
    }
  }
}

/** Reads the whole file into `slot.buffer`, replacing it by a larger one when needed. */
async function readInto(file: string, slot: { buffer: Buffer }): Promise<number> {
  const handle = await open(file, 'r');
  try {
    // One byte more than the size, so that the read after the last byte says end of file.
    const { size } = await handle.stat();
    if (slot.buffer.length <= size) slot.buffer = Buffer.allocUnsafe(size + 1);
    let filled = 0;
    for (;;) {
      if (filled === slot.buffer.length) {
        // The file grew while being read: twice the room, keeping what was read.
        const bigger = Buffer.allocUnsafe(2 * filled);
        slot.buffer.copy(bigger, 0, 0, filled);
        slot.buffer = bigger;
      }
      const { bytesRead } = await handle.read(slot.buffer, filled, slot.buffer.length - filled, filled);
      if (bytesRead === 0) return filled;
      filled += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
