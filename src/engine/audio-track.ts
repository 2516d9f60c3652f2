import { Codec, CodecContext, Dictionary, Filter, FilterGraph, FilterInOut, Frame, Packet, Rational, avChannelLayoutDefault, avChannelLayoutDescribe, avGetSampleFmtName } from 'node-av/lib';
import type { FilterContext, FormatContext, Stream } from 'node-av/lib';
import { AV_CODEC_FLAG_GLOBAL_HEADER, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP, AVFMT_GLOBALHEADER, AVDISCARD_ALL, AVMEDIA_TYPE_AUDIO, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { FF_ENCODER_AAC, FF_ENCODER_LIBOPUS } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import { openMedia } from './media-input.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

export type AudioCodec = 'aac' | 'opus';
export type AudioFit = 'trim' | 'loop' | 'pad' | 'extend';

/** A music track to encode beside the video: where it comes from and how it is fitted. */
export interface AudioSpec {
  file: string;
  codec: AudioCodec;
  fit: AudioFit;
  /** Seconds where the track starts in the video; negative skips into the track. */
  offset: number;
  /** Linear gain (1 unchanged). */
  volume: number;
  /** Seconds of fade-out at the end (0 none). */
  fade: number;
  /** Seconds where the audio ends (the video's end; undefined: where the track ends). */
  end: number | undefined;
}

export interface AudioResult {
  codec: AudioCodec;
  /** Seconds of audio written. */
  duration: number;
  sampleRate: number;
  channels: number;
}

const ENCODERS = { aac: FF_ENCODER_AAC, opus: FF_ENCODER_LIBOPUS } as const;
const BIT_RATE = 128_000;

/**
 * The audio half of the muxer: decode the track, fit it with one filter graph (skip or delay,
 * volume, loop by re-reading, pad, trim, fade, resample to the encoder's format, frame_size
 * chunks by asetnsamples), encode, and hand the packets to the muxer's interleaving. The
 * video encoder pumps it up to each picture's time, so the two streams interleave as written.
 */
export class AudioTrack {
  readonly spec: AudioSpec;
  private readonly input: FormatContext;
  private readonly inputStream: Stream;
  private readonly decoder: CodecContext;
  private readonly encoder: CodecContext;
  private readonly output: FormatContext;
  private readonly stream: Stream;
  private graph: FilterGraph | undefined;
  private source: FilterContext | undefined;
  private sink: FilterContext | undefined;
  private readonly packet = new Packet();
  private readonly outPacket = new Packet();
  private readonly frame = new Frame();
  /** Samples fed to the graph (its input clock) and written to the encoder (its output clock). */
  private fed = 0;
  private encoded = 0;
  private fedThisPass = 0;
  private inputDone = false;
  private graphDone = false;
  private closed = false;

  private constructor(spec: AudioSpec, input: FormatContext, inputStream: Stream, decoder: CodecContext, encoder: CodecContext, output: FormatContext, stream: Stream) {
    this.spec = spec;
    this.input = input;
    this.inputStream = inputStream;
    this.decoder = decoder;
    this.encoder = encoder;
    this.output = output;
    this.stream = stream;
    this.packet.alloc();
    this.outPacket.alloc();
    this.frame.alloc();
  }

  /** Opens the track and adds its stream to `output`; call before the header is written. */
  static async open(spec: AudioSpec, output: FormatContext): Promise<AudioTrack> {
    const { format: input } = await openMedia(spec.file);
    const decoder = new CodecContext();
    const encoder = new CodecContext();
    try {
      const index = input.findBestStream(AVMEDIA_TYPE_AUDIO);
      const inputStream = input.streams?.[index];
      if (index < 0 || !inputStream) throw new FlipbookError('INVALID_INPUT', `${spec.file} has no audio stream`, { file: spec.file, option: 'audio', hint: 'Pass a music file (mp3, wav, m4a, aac, ogg, opus, flac)' });
      for (const other of input.streams ?? []) if (other.index !== index) other.discard = AVDISCARD_ALL;
      const decoderCodec = Codec.findDecoder(inputStream.codecpar.codecId);
      if (!decoderCodec) throw new FlipbookError('INVALID_INPUT', `${spec.file}: no decoder for its audio`, { file: spec.file, option: 'audio' });
      decoder.allocContext3(decoderCodec);
      check(decoder.parametersToContext(inputStream.codecpar), 'read the audio parameters', { file: spec.file });
      decoder.pktTimebase = inputStream.timeBase;
      const ret = await decoder.open2(decoderCodec, null);
      if (ret < 0) throw new FlipbookError('INVALID_INPUT', `Cannot decode the audio of ${spec.file}: ${ffmpegMessage(ret)}`, { file: spec.file, option: 'audio' });

      const name = ENCODERS[spec.codec];
      const encoderCodec = Codec.findEncoderByName(name);
      if (!encoderCodec) throw new FlipbookError('UNSUPPORTED_OUTPUT', `This FFmpeg build has no ${name} encoder`, { option: 'audio' });
      encoder.allocContext3(encoderCodec);
      const rates = encoderCodec.supportedSamplerates ?? [];
      const rate = decoder.sampleRate > 0 && (rates.length === 0 || rates.includes(decoder.sampleRate)) ? decoder.sampleRate : 48000;
      const channels = Math.min(2, Math.max(1, decoder.channelLayout.nbChannels || 2));
      encoder.sampleRate = spec.codec === 'opus' ? 48000 : rate;
      // aac takes planar float, libopus interleaved float or s16: the encoder's own first choice.
      const formats = encoderCodec.sampleFormats ?? [];
      encoder.sampleFormat = formats.includes(AV_SAMPLE_FMT_FLTP) ? AV_SAMPLE_FMT_FLTP : (formats.find((f) => f === AV_SAMPLE_FMT_FLT) ?? formats[0] ?? AV_SAMPLE_FMT_FLTP);
      encoder.channelLayout = avChannelLayoutDefault(channels);
      encoder.timeBase = new Rational(1, encoder.sampleRate);
      encoder.bitRate = BigInt(BIT_RATE);
      if ((output.oformat?.flags ?? 0) & AVFMT_GLOBALHEADER) encoder.setFlags(AV_CODEC_FLAG_GLOBAL_HEADER);
      const opened = await encoder.open2(encoderCodec, Dictionary.fromObject({}));
      if (opened < 0) throw new FlipbookError('ENGINE', `Cannot open the ${name} encoder: ${ffmpegMessage(opened)}`, { option: 'audio' });
      const stream = output.newStream(null);
      check(stream.codecpar.fromContext(encoder), 'copy the audio encoder parameters');
      stream.timeBase = encoder.timeBase;
      return new AudioTrack(spec, input, inputStream, decoder, encoder, output, stream);
    } catch (error) {
      decoder.freeContext();
      encoder.freeContext();
      await input.closeInput();
      throw error;
    }
  }

  get sampleRate(): number {
    return this.encoder.sampleRate;
  }

  /** Seconds encoded so far. */
  get duration(): number {
    return this.encoded / this.encoder.sampleRate;
  }

  result(): AudioResult {
    return { codec: this.spec.codec, duration: this.duration, sampleRate: this.encoder.sampleRate, channels: this.encoder.channelLayout.nbChannels };
  }

  /** Encodes until `seconds` of audio are written, or the audio ends. */
  async pump(seconds: number): Promise<void> {
    while (!this.graphDone && this.duration < seconds) await this.step();
  }

  /** Encodes the rest and flushes the encoder. */
  async finish(): Promise<AudioResult> {
    while (!this.graphDone) await this.step();
    check(await this.encoder.sendFrame(null), 'flush the audio encoder');
    await this.drainPackets();
    return this.result();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.graph?.free();
    this.decoder.freeContext();
    this.encoder.freeContext();
    this.packet.free();
    this.outPacket.free();
    this.frame.free();
    await this.input.closeInput();
  }

  /** Moves the pipeline by one decoded frame (or one end-of-input), then drains the graph. */
  private async step(): Promise<void> {
    const decoded = await this.decodeOne();
    if (decoded) {
      await this.ensureGraph(decoded);
      decoded.pts = BigInt(this.fed);
      this.fed += decoded.nbSamples;
      this.fedThisPass += decoded.nbSamples;
      check(await this.source!.buffersrcAddFrame(decoded), 'feed the audio filters');
      decoded.free();
    } else {
      if (!this.source) throw new FlipbookError('INVALID_INPUT', `${this.spec.file} holds no decodable audio`, { file: this.spec.file, option: 'audio' });
      check(await this.source.buffersrcAddFrame(null), 'end the audio filters');
    }
    await this.drainGraph(!decoded);
  }

  /** The next decoded frame, looping back to the start for `loop`; null at the end. */
  private async decodeOne(): Promise<Frame | null> {
    for (;;) {
      const out = new Frame();
      out.alloc();
      const ret = await this.decoder.receiveFrame(out);
      if (ret >= 0) return out;
      out.free();
      if (ret === EOF) {
        if (this.spec.fit === 'loop' && this.fedThisPass > 0) {
          this.fedThisPass = 0;
          this.inputDone = false;
          check(await this.input.seekFrame(this.inputStream.index, 0n, AVSEEK_FLAG_BACKWARD), 'rewind the audio', { file: this.spec.file });
          this.decoder.flushBuffers();
          continue;
        }
        return null;
      }
      if (ret !== EAGAIN) check(ret, 'decode the audio', { file: this.spec.file });
      if (this.inputDone) return null;
      const read = await this.input.readFrame(this.packet);
      if (read === EOF || read < 0) {
        // A damaged tail ends the music where the damage starts.
        this.inputDone = true;
        check(await this.decoder.sendPacket(null), 'flush the audio decoder');
        continue;
      }
      if (this.packet.streamIndex === this.inputStream.index) {
        const sent = await this.decoder.sendPacket(this.packet);
        if (sent < 0 && sent !== EAGAIN) check(sent, 'decode the audio', { file: this.spec.file });
      }
      this.packet.unref();
    }
  }

  private async ensureGraph(first: Frame): Promise<void> {
    if (this.graph) return;
    const { spec } = this;
    const rate = this.encoder.sampleRate;
    const layout = avChannelLayoutDescribe(first.channelLayout.nbChannels ? first.channelLayout : this.decoder.channelLayout) ?? 'stereo';
    const inFormat = avGetSampleFmtName(first.format as never) ?? 'fltp';
    const filters: string[] = [];
    if (spec.offset < 0) filters.push(`atrim=start=${-spec.offset}`, 'asetpts=PTS-STARTPTS');
    if (spec.volume !== 1) filters.push(`volume=${spec.volume}`);
    filters.push(`aresample=${rate}`, `aformat=sample_fmts=${avGetSampleFmtName(this.encoder.sampleFormat) ?? 'fltp'}:sample_rates=${rate}:channel_layouts=${avChannelLayoutDescribe(this.encoder.channelLayout) ?? 'stereo'}`);
    if (spec.offset > 0) filters.push(`adelay=delays=${Math.round(spec.offset * rate)}S:all=1`);
    if (spec.fit === 'pad') filters.push('apad');
    filters.push('asetpts=N/SR/TB');
    if (spec.end !== undefined) filters.push(`atrim=end_sample=${Math.round(spec.end * rate)}`);
    if (spec.fade > 0 && spec.end !== undefined) filters.push(`afade=t=out:st=${Math.max(0, spec.end - spec.fade)}:d=${spec.fade}`);
    // Fixed-size frames for the encoder (AAC takes 1024 samples, Opus 960); the last is short.
    if (this.encoder.frameSize > 0) filters.push(`asetnsamples=n=${this.encoder.frameSize}:p=0`);
    const description = filters.join(',');

    const graph = new FilterGraph();
    graph.alloc();
    try {
      const abuffer = Filter.getByName('abuffer');
      const abuffersink = Filter.getByName('abuffersink');
      if (!abuffer || !abuffersink) throw new FlipbookError('ENGINE', 'This FFmpeg build lacks the audio buffer filters');
      const args = `time_base=1/${first.sampleRate}:sample_rate=${first.sampleRate}:sample_fmt=${inFormat}:channel_layout=${layout}`;
      const source = graph.createFilter(abuffer, 'in', args);
      const sink = graph.createFilter(abuffersink, 'out', null);
      if (!source || !sink) throw new FlipbookError('ENGINE', 'Cannot create the audio filter ends');
      const outputs = FilterInOut.createList([{ name: 'in', filterCtx: source, padIdx: 0 }]);
      const inputs = FilterInOut.createList([{ name: 'out', filterCtx: sink, padIdx: 0 }]);
      try {
        check(graph.parsePtr(description, inputs, outputs), `set up the audio filters "${description}"`);
      } finally {
        inputs?.free();
        outputs?.free();
      }
      check(await graph.config(), `configure the audio filters "${description}"`);
      this.graph = graph;
      this.source = source;
      this.sink = sink;
    } catch (error) {
      graph.free();
      throw error;
    }
  }

  private async drainGraph(ended: boolean): Promise<void> {
    for (;;) {
      const ret = await this.sink!.buffersinkGetFrame(this.frame);
      if (ret === EAGAIN) {
        if (ended) this.graphDone = true;
        return;
      }
      if (ret === EOF) {
        this.graphDone = true;
        return;
      }
      check(ret, 'filter the audio');
      this.frame.pts = BigInt(this.encoded);
      this.encoded += this.frame.nbSamples;
      check(await this.encoder.sendFrame(this.frame), 'encode the audio');
      this.frame.unref();
      await this.drainPackets();
    }
  }

  private async drainPackets(): Promise<void> {
    for (;;) {
      const ret = await this.encoder.receivePacket(this.outPacket);
      if (ret === EAGAIN || ret === EOF) return;
      check(ret, 'encode the audio');
      this.outPacket.streamIndex = this.stream.index;
      this.outPacket.rescaleTs(this.encoder.timeBase, this.stream.timeBase);
      check(await this.output.interleavedWriteFrame(this.outPacket), 'write the audio');
    }
  }
}
