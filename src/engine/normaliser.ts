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
  private readonly graphs = new Map<string, SimpleGraph>();
  private counter = 0n;

  constructor(target: ChainTarget) {
    this.target = target;
  }

  /** Takes ownership of `input` (releases it) and returns the normalised picture. */
  async process(input: Picture, orientation: number): Promise<Picture> {
    try {
      const { frame } = input;
      const key = `${frame.width}x${frame.height}/${frame.format}/${frame.colorRange}/${frame.colorSpace}/${orientation}`;
      let graph = this.graphs.get(key);
      if (graph) {
        this.graphs.delete(key);
      } else {
        const description = buildFilterChain(
          { width: frame.width, height: frame.height, pixelFormat: input.pixelFormat, hasAlpha: input.hasAlpha, orientation },
          this.target,
        );
        graph = await SimpleGraph.create(description, {
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
            this.graphs.get(oldest)?.free();
            this.graphs.delete(oldest);
          }
        }
      }
      this.graphs.set(key, graph);
      // The graph counts pictures one a second; real timestamps are the encoder's business.
      frame.pts = this.counter++;
      await graph.push(frame);
      const out = await graph.pull();
      if (!out) throw new FlipbookError('ENGINE', 'The normalise filter returned no picture');
      return new Picture(out);
    } finally {
      input.release();
    }
  }

  close(): void {
    for (const graph of this.graphs.values()) graph.free();
    this.graphs.clear();
  }
}
