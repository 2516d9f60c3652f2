import { FlipbookError } from '../errors.js';
import { AVCOL_PRI_BT709, AVCOL_RANGE_MPEG, AVCOL_SPC_BT709, AVCOL_TRC_BT709 } from 'node-av/constants';

import { type ChainTarget, buildFilterChain, chainKeepsPixels } from './filter-chain.js';
import { GraphCache, SimpleGraph, graphKey, pictureInput } from './filter-graph.js';
import { Picture } from './picture.js';

/** How many differently shaped inputs keep a graph ready (sizes and formats seldom vary). */
const CACHED_GRAPHS = 4;

/**
 * The normalise stage: one picture in, one picture out in the target size and pixel format.
 * A filter graph is built for each distinct input shape (size, pixel format, colour,
 * orientation) and kept, least recently used first out, for the next pictures of that shape;
 * a picture the chain would leave as it is skips the graph.
 */
export class Normaliser {
  private readonly target: ChainTarget;
  /** Each graph with the count of pictures it has been fed, its own clock (see below). */
  private readonly graphs = new GraphCache<{ graph: SimpleGraph; pictures: bigint }>(CACHED_GRAPHS);

  constructor(target: ChainTarget) {
    this.target = target;
  }

  /**
   * Takes ownership of `input` and returns the normalised picture: `input` itself, tagged, when
   * the chain would keep its pixels (chainKeepsPixels), else a new picture (`input` released).
   */
  async process(input: Picture, orientation: number): Promise<Picture> {
    const { frame } = input;
    const source = { width: frame.width, height: frame.height, pixelFormat: input.pixelFormat, hasAlpha: input.hasAlpha, orientation };
    if (chainKeepsPixels(source, this.target)) {
      // The chain's setparams, without the graph.
      frame.colorSpace = AVCOL_SPC_BT709;
      frame.colorPrimaries = AVCOL_PRI_BT709;
      frame.colorTrc = AVCOL_TRC_BT709;
      frame.colorRange = AVCOL_RANGE_MPEG;
      return input;
    }
    try {
      const entry = await this.graphs.get(graphKey(frame, String(orientation)), async () => {
        const description = buildFilterChain(source, this.target);
        return { graph: await SimpleGraph.create(description, pictureInput(frame)), pictures: 0n };
      });
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
    this.graphs.clear();
  }
}
