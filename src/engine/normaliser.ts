import { FlipbookError } from '../errors.js';
import { type ChainTarget, buildFilterChain } from './filter-chain.js';
import { SimpleGraph } from './filter-graph.js';
import { Picture } from './picture.js';

/** How many differently shaped inputs keep a graph ready (sizes and formats seldom vary). */
const CACHED_GRAPHS = 4;

/**
 * The normalise stage: one picture in, one picture out in the target size and pixel format.
 * A filter graph is built for each distinct input shape (size, pixel format, colour,
 * orientation) and kept, least recently used first out, for the next pictures of that shape.
 */
export class Normaliser {
  private readonly target: ChainTarget;
  /** Each graph with the count of pictures it has been fed, its own clock (see below). */
  private readonly graphs = new Map<string, { graph: SimpleGraph; pictures: bigint }>();

  constructor(target: ChainTarget) {
    this.target = target;
  }

  /** Takes ownership of `input` (releases it) and returns the normalised picture. */
  async process(input: Picture, orientation: number): Promise<Picture> {
    try {
      const { frame } = input;
      const key = `${frame.width}x${frame.height}/${frame.format}/${frame.colorRange}/${frame.colorSpace}/${orientation}`;
      let entry = this.graphs.get(key);
      if (entry) {
        this.graphs.delete(key);
      } else {
        const description = buildFilterChain(
          { width: frame.width, height: frame.height, pixelFormat: input.pixelFormat, hasAlpha: input.hasAlpha, orientation },
          this.target,
        );
        const graph = await SimpleGraph.create(description, {
          width: frame.width,
          height: frame.height,
          format: frame.format,
          colorRange: frame.colorRange,
          colorSpace: frame.colorSpace,
          timeBase: { num: 1, den: 1 },
        });
        if (this.graphs.size >= CACHED_GRAPHS) {
          const [oldest] = this.graphs.keys();
          if (oldest !== undefined) {
            this.graphs.get(oldest)?.graph.free();
            this.graphs.delete(oldest);
          }
        }
        entry = { graph, pictures: 0n };
      }
      this.graphs.set(key, entry);
      // Each graph counts its own pictures one a second from 0, the clock of the background it
      // draws alpha onto; a shared count would start a new graph late and return background
      // frames alone. Real timestamps are the encoder's business.
      frame.pts = entry.pictures++;
      await entry.graph.push(frame);
      const out = await entry.graph.pull();
      if (!out) throw new FlipbookError('ENGINE', 'The normalise filter returned no picture');
      return new Picture(out);
    } finally {
      input.release();
    }
  }

  close(): void {
    for (const { graph } of this.graphs.values()) graph.free();
    this.graphs.clear();
  }
}
