import type { ImageDecoders, Picture } from '../engine/index.js';
import { FlipbookError, isFlipbookError, systemReason } from '../errors.js';
import { orderedAhead } from '../util/concurrency.js';
import type { PlannedImage } from './plan.js';
import type { ReadBuffers } from './read-buffers.js';

/** An image decoded, or why it could not be (a corrupt or unreadable file). */
export type Decoded = { frame: PlannedImage; picture: Picture } | { frame: PlannedImage; error: FlipbookError };

/**
 * Images decoded ahead of their consumer: two decodes in flight, one a core on the 2-core machine
 * we measure on. Each costs a decoder and its pictures: at 1080p, every one more adds some
 * 40 MB of peak memory (bench/RESULTS.md), and a third bought no speed.
 */
export const DECODE_AHEAD = 2;

/**
 * Reads and decodes `frames` in order, DECODE_AHEAD at a time on the thread pool, so decoding
 * overlaps whatever the consumer does with the previous picture. The consumer owns each
 * picture; one it does not take (it stopped early) is released.
 */
export function decodeAhead(frames: Iterable<PlannedImage>, decoders: ImageDecoders, buffers: ReadBuffers): AsyncGenerator<Decoded> {
  const decode = async (frame: PlannedImage): Promise<Decoded> => {
    try {
      const picture = await buffers.read(frame.file, (bytes) => decoders.decode(bytes, frame.type, frame.file, frame.position)).catch((cause: unknown) => {
        if (isFlipbookError(cause)) throw cause;
        throw new FlipbookError('INVALID_INPUT', `Cannot read ${frame.file} (input ${frame.position}): ${systemReason(cause)}`, { file: frame.file, position: frame.position, cause });
      });
      return { frame, picture };
    } catch (error) {
      if (isFlipbookError(error)) return { frame, error };
      throw error;
    }
  };
  return orderedAhead(frames, DECODE_AHEAD, decode, (d) => {
    if ('picture' in d) d.picture.release();
  });
}
