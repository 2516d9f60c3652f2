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
  protected readonly graph: FilterGraph;
  protected readonly source: FilterContext;
  protected readonly sink: FilterContext;

  /** From a configured graph and its input and output ends. */
  protected constructor(graph: FilterGraph, source: FilterContext, sink: FilterContext) {
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
      await configureGraph(graph, description, source, sink);
      return new SimpleGraph(graph, source, sink);
    } catch (error) {
      graph.free();
      throw error;
    }
  }

  /**
   * Feeds a frame (null: end of input). The buffer source moves the frame's buffers into the
   * graph and leaves `frame` empty (no AV_BUFFERSRC_FLAG_KEEP_REF): push a clone to keep it.
   */
  async push(frame: Frame | null): Promise<void> {
    check(await this.source.buffersrcAddFrame(frame), 'feed a filter');
  }

  /** The next output frame, or null when the graph needs more input (or has ended). */
  pull(): Promise<Frame | null> {
    return pullFrame(this.sink, 'filter a frame');
  }

  free(): void {
    this.graph.free();
  }
}

/** Puts `description` between a graph's source `[in]` and its sink `[out]`, and configures the graph. */
export async function configureGraph(graph: FilterGraph, description: string, source: FilterContext, sink: FilterContext, what = 'filters'): Promise<void> {
  const outputs = FilterInOut.createList([{ name: 'in', filterCtx: source, padIdx: 0 }]);
  const inputs = FilterInOut.createList([{ name: 'out', filterCtx: sink, padIdx: 0 }]);
  try {
    check(graph.parsePtr(description, inputs, outputs), `set up the ${what} "${description}"`);
  } finally {
    inputs?.free();
    outputs?.free();
  }
  check(await graph.config(), `configure the ${what} "${description}"`);
}

/** A graph input that counts pictures one a second (callers keep the real timestamps). */
export function pictureInput(frame: Frame): GraphInput {
  return { width: frame.width, height: frame.height, format: frame.format, colorRange: frame.colorRange, colorSpace: frame.colorSpace, timeBase: { num: 1, den: 1 } };
}

/** The input side of a graph as a cache key: a new graph is built when any of these change. */
export function graphKey(input: Pick<Frame, 'width' | 'height' | 'format' | 'colorRange' | 'colorSpace'>, extra = ''): string {
  return `${input.width}x${input.height}/${input.format}/${input.colorRange}/${input.colorSpace}/${extra}`;
}

/**
 * Graphs kept by the shape of their input, least recently used out first: sizes and pixel
 * formats seldom vary within a run, and building a graph costs more than running one.
 */
export class GraphCache<T extends { graph: SimpleGraph }> {
  private readonly entries = new Map<string, T>();
  private readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  async get(key: string, create: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = await create();
      if (this.entries.size >= this.size) {
        const [oldest] = this.entries.keys();
        if (oldest !== undefined) {
          this.entries.get(oldest)?.graph.free();
          this.entries.delete(oldest);
        }
      }
    }
    this.entries.set(key, entry);
    return entry;
  }

  clear(): void {
    for (const { graph } of this.entries.values()) graph.free();
    this.entries.clear();
  }
}

/** The next frame out of a buffer sink, or null when its graph needs more input (or has ended). */
export async function pullFrame(sink: FilterContext, doing: string): Promise<Frame | null> {
  const out = new Frame();
  out.alloc();
  const ret = await sink.buffersinkGetFrame(out);
  if (ret === EAGAIN || ret === EOF) {
    out.free();
    return null;
  }
  if (ret < 0) {
    out.free();
    check(ret, doing);
  }
  return out;
}
