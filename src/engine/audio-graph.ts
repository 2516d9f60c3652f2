import { Filter, FilterGraph, type Frame } from 'node-av/lib';

import { FlipbookError } from '../errors.js';
import { SimpleGraph, configureGraph } from './filter-graph.js';
import { EAGAIN, EOF, check } from './runtime.js';

/** What the frames fed to an audio graph look like (FFmpeg's names). */
export interface AudioGraphInput {
  sampleRate: number;
  sampleFormat: string;
  channelLayout: string;
}

/**
 * An audio filter graph with one input `[in]` and one output `[out]`, from an FFmpeg filter
 * description; timestamps count samples of the input's rate. Its ends say when the graph has
 * ended on its own (a trim's end), which an audio track needs to know.
 */
export class AudioGraph extends SimpleGraph {
  static async open(description: string, input: AudioGraphInput): Promise<AudioGraph> {
    const graph = new FilterGraph();
    graph.alloc();
    try {
      const abuffer = Filter.getByName('abuffer');
      const abuffersink = Filter.getByName('abuffersink');
      if (!abuffer || !abuffersink) throw new FlipbookError('ENGINE', 'This FFmpeg build lacks the audio buffer filters');
      const args = `time_base=1/${input.sampleRate}:sample_rate=${input.sampleRate}:sample_fmt=${input.sampleFormat}:channel_layout=${input.channelLayout}`;
      const source = graph.createFilter(abuffer, 'in', args);
      const sink = graph.createFilter(abuffersink, 'out', null);
      if (!source || !sink) throw new FlipbookError('ENGINE', 'Cannot create the audio filter ends');
      await configureGraph(graph, description, source, sink, 'audio filters');
      return new AudioGraph(graph, source, sink);
    } catch (error) {
      graph.free();
      throw error;
    }
  }

  /** Feeds a frame, moving its samples into the graph (null: the end of the input); false once the graph has ended. */
  async feed(frame: Frame | null): Promise<boolean> {
    const ret = await this.source.buffersrcAddFrame(frame);
    if (ret === EOF) return false;
    check(ret, frame ? 'feed the audio filters' : 'end the audio filters');
    return true;
  }

  /** The next output frame into `frame`: `frame`, `again` (the graph needs more input) or `end` (it has ended). */
  async take(frame: Frame): Promise<'frame' | 'again' | 'end'> {
    const ret = await this.sink.buffersinkGetFrame(frame);
    if (ret === EAGAIN) return 'again';
    if (ret === EOF) return 'end';
    check(ret, 'filter the audio');
    return 'frame';
  }
}
