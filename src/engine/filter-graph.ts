import { Filter, FilterGraph, FilterInOut, Frame, Rational } from 'node-av/lib';
import type { FilterContext } from 'node-av/lib';

import { FlipbookError } from '../errors.js';
import { EAGAIN, EOF, check } from './runtime.js';

/** The input side of a graph: what the frames fed to it look like. */
export interface GraphInput {
  width: number;
  height: number;
  format: number;
  colorRange: number;
  colorSpace: number;
  timeBase: { num: number; den: number };
}

/**
 * A filter graph with one input `[in]` and one output `[out]`, built from an FFmpeg filter
 * description.
 */
export class SimpleGraph {
  private readonly graph: FilterGraph;
  private readonly source: FilterContext;
  private readonly sink: FilterContext;

  private constructor(graph: FilterGraph, source: FilterContext, sink: FilterContext) {
    this.graph = graph;
    this.source = source;
    this.sink = sink;
  }

  static async create(description: string, input: GraphInput): Promise<SimpleGraph> {
    const graph = new FilterGraph();
    graph.alloc();
    try {
      const bufferFilter = Filter.getByName('buffer');
      const sinkFilter = Filter.getByName('buffersink');
      if (!bufferFilter || !sinkFilter) throw new FlipbookError('ENGINE', 'This FFmpeg build lacks the buffer filters');
      const source = graph.allocFilter(bufferFilter, 'in');
      if (!source) throw new FlipbookError('ENGINE', 'Cannot allocate the filter source');
      check(
        source.buffersrcParametersSet({
          width: input.width,
          height: input.height,
          format: input.format as never,
          timeBase: new Rational(input.timeBase.num, input.timeBase.den),
          sampleAspectRatio: new Rational(1, 1),
          colorRange: input.colorRange as never,
          colorSpace: input.colorSpace as never,
        }),
        'configure the filter source',
      );
      check(source.init(null), 'initialise the filter source');
      const sink = graph.createFilter(sinkFilter, 'out', null);
      if (!sink) throw new FlipbookError('ENGINE', 'Cannot create the filter sink');
      const outputs = FilterInOut.createList([{ name: 'in', filterCtx: source, padIdx: 0 }]);
      const inputs = FilterInOut.createList([{ name: 'out', filterCtx: sink, padIdx: 0 }]);
      try {
        check(graph.parsePtr(description, inputs, outputs), `set up the filters "${description}"`);
      } finally {
        inputs?.free();
        outputs?.free();
      }
      check(await graph.config(), `configure the filters "${description}"`);
      return new SimpleGraph(graph, source, sink);
    } catch (error) {
      graph.free();
      throw error;
    }
  }

  /** Feeds a frame (null: end of input). The graph takes a reference; the caller keeps its frame. */
  async push(frame: Frame | null): Promise<void> {
    check(await this.source.buffersrcAddFrame(frame), 'feed a filter');
  }

  /** The next output frame, or null when the graph needs more input (or has ended). */
  async pull(): Promise<Frame | null> {
    const out = new Frame();
    out.alloc();
    const ret = await this.sink.buffersinkGetFrame(out);
    if (ret === EAGAIN || ret === EOF) {
      out.free();
      return null;
    }
    if (ret < 0) {
      out.free();
      check(ret, 'filter a frame');
    }
    return out;
  }

  free(): void {
    this.graph.free();
  }
}
