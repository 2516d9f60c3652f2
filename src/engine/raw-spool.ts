import { type FileHandle, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';

import { AV_PIX_FMT_RGBA } from 'node-av/constants';
import { Frame } from 'node-av/lib';

import { FlipbookError, systemReason } from '../errors.js';
import { Picture } from './picture.js';
import { check } from './runtime.js';
import { prefetch } from '../util/prefetch.js';

/**
 * RGBA pictures of one size stored as they are, row after row, in a file, and read back in
 * order as often as asked. No encoding: writing and reading cost a copy each, done by the file
 * system on node's thread pool, where FFV1 cost some 9 ms to encode and 3 ms to decode a
 * 640x360 frame on the main work. The price is disk space (width x height x 4 bytes a frame),
 * so the animation spool stores raw only up to a budget and FFV1 beyond it.
 */
export class RawSpool {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** What errors call the file. */
  private readonly name: string;
  private readonly handle: FileHandle;
  /** Rows of a picture whose FFmpeg rows are padded, packed here before writing. */
  private packed: Buffer | undefined;
  private count = 0;
  private closed = false;

  private constructor(file: string, width: number, height: number, name: string, handle: FileHandle) {
    this.file = file;
    this.width = width;
    this.height = height;
    this.name = name;
    this.handle = handle;
  }

  /** `name`: what errors call the spool (it says whose frames it holds). */
  static async open(file: string, width: number, height: number, name?: string): Promise<RawSpool> {
    let handle: FileHandle;
    try {
      handle = await open(file, 'w');
    } catch (cause) {
      // A temporary folder that cannot be written (a read-only /tmp, TMPDIR elsewhere) said as
      // such, not as a bare EACCES.
      const inTemporaryFolder = dirname(resolve(file)) === resolve(tmpdir());
      throw new FlipbookError('IO', `Cannot create ${name ?? file}: ${systemReason(cause)}`, { file, cause, ...(inTemporaryFolder ? { hint: 'Set TMPDIR to a folder flipbook can write to' } : {}) });
    }
    return new RawSpool(file, width, height, name ?? file, handle);
  }

  /** Bytes of one picture. */
  get frameBytes(): number {
    return this.width * this.height * 4;
  }

  /** Pictures stored. */
  get frames(): number {
    return this.count;
  }

  /** Stores an RGBA picture of the spool's size (the caller keeps it). */
  async write(picture: Picture): Promise<void> {
    const { frame } = picture;
    const plane = frame.data?.[0];
    const linesize = frame.linesize[0];
    if (!plane || linesize === undefined || picture.pixelFormat !== 'rgba' || frame.width !== this.width || frame.height !== this.height) {
      throw new FlipbookError('ENGINE', `The raw spool takes RGBA pictures of ${this.width}x${this.height}, not ${picture.pixelFormat} of ${frame.width}x${frame.height}`);
    }
    const row = this.width * 4;
    let bytes: Uint8Array = plane.subarray(0, row * this.height);
    if (linesize !== row) {
      const packed = (this.packed ??= Buffer.allocUnsafe(this.frameBytes));
      for (let y = 0; y < this.height; y++) packed.set(plane.subarray(y * linesize, y * linesize + row), y * row);
      bytes = packed;
    }
    try {
      await this.handle.write(bytes, 0, bytes.length, this.count * this.frameBytes);
    } catch (cause) {
      throw new FlipbookError('IO', `Cannot write ${this.name}: ${systemReason(cause)}`, { file: this.name, cause });
    }
    this.count++;
  }

  /** Closes the file for writing (the pictures stay readable). */
  async finish(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  /** The pictures in order, each new (the receiver releases it). */
  read(): AsyncGenerator<Picture> {
    return readRawPictures(this.file, this.width, this.height, 0, this.count, this.name);
  }
}

/**
 * Pictures [first, first + count) of a raw spool file (RawSpool's, written by this process or
 * another: a segment of a GIF rendered in parallel), in order, each new (the receiver releases it).
 */
export function readRawPictures(file: string, width: number, height: number, first: number, count: number, name = file): AsyncGenerator<Picture> {
  // One picture read ahead: the next read runs while the caller works on this one (a GIF's
  // second pass maps it: 300 pictures of 640x360, 5.5 s against 5.7 s).
  return prefetch(readEach(file, width, height, first, count, name), 1, (picture) => picture.release());
}

/**
 * Frames a spool's reader keeps for its next pictures: a picture released goes back here and
 * is read into again, instead of each picture taking new memory (here fresh memory costs some
 * 3 ms a MB in page faults at first touch: 2.7 ms for a 640x360 picture).
 */
class FramePool {
  private readonly frames: Frame[] = [];
  private closed = false;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  /** A frame of the spool's size whose memory only this reader holds: a kept one, or a new one. */
  take(): Frame {
    for (let frame = this.frames.pop(); frame; frame = this.frames.pop()) {
      // Still referenced elsewhere (an encoder that keeps its input, say): not to be written.
      if (frame.isWritable) return frame;
      frame.free();
    }
    const frame = new Frame();
    frame.alloc();
    frame.format = AV_PIX_FMT_RGBA;
    frame.width = this.width;
    frame.height = this.height;
    const ret = frame.getBuffer(0);
    if (ret < 0) frame.free();
    check(ret, 'allocate a frame');
    return frame;
  }

  /** Takes a frame back (freed when the pool is closed or holds enough). */
  give(frame: Frame): void {
    if (this.closed || this.frames.length >= POOLED_FRAMES) frame.free();
    else this.frames.push(frame);
  }

  close(): void {
    this.closed = true;
    for (const frame of this.frames.splice(0)) frame.free();
  }
}

/** Frames a reader keeps: the one read ahead, the one in use and one being released. */
const POOLED_FRAMES = 3;

/** A spooled picture whose frame goes back to its reader's pool when released (once: a second release does nothing). */
class SpooledPicture extends Picture {
  private released = false;

  constructor(
    frame: Frame,
    private readonly pool: FramePool,
  ) {
    super(frame);
  }

  override release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.give(this.frame);
  }
}

async function* readEach(file: string, width: number, height: number, first: number, count: number, name: string): AsyncGenerator<Picture> {
  const frameBytes = width * height * 4;
  const handle = await open(file, 'r');
  const pool = new FramePool(width, height);
  const row = width * 4;
  let scratch: Buffer | undefined;
  try {
    for (let i = first; i < first + count; i++) {
      let picture: Picture | undefined = new SpooledPicture(pool.take(), pool);
      try {
        const { frame } = picture;
        const plane = frame.data?.[0];
        const linesize = frame.linesize[0];
        if (!plane || linesize === undefined) throw new FlipbookError('ENGINE', 'FFmpeg returned a frame without pixel memory');
        const position = i * frameBytes;
        if (linesize === row) {
          await readFully(handle, plane, frameBytes, position, name);
        } else {
          scratch ??= Buffer.allocUnsafe(frameBytes);
          await readFully(handle, scratch, frameBytes, position, name);
          for (let y = 0; y < height; y++) plane.set(scratch.subarray(y * row, (y + 1) * row), y * linesize);
        }
        const out = picture;
        picture = undefined;
        yield out;
      } finally {
        picture?.release();
      }
    }
  } finally {
    pool.close();
    await handle.close();
  }
}

async function readFully(handle: FileHandle, into: Uint8Array, length: number, position: number, name: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(into, done, length - done, position + done);
    if (bytesRead === 0) throw new FlipbookError('ENGINE', `${name} ended before its frames did`, { file: name });
    done += bytesRead;
  }
}
