import { Codec, CodecContext, Dictionary, Frame, Packet, Rational, avChannelLayoutDefault, avChannelLayoutDescribe, avGetSampleFmtName } from 'node-av/lib';
import type { FormatContext, Stream } from 'node-av/lib';
import { AV_CODEC_FLAG_GLOBAL_HEADER, AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP, AVFMT_GLOBALHEADER, AVDISCARD_ALL, AVMEDIA_TYPE_AUDIO, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { FF_ENCODER_AAC, FF_ENCODER_LIBOPUS } from 'node-av/constants';

import { FlipbookError } from '../errors.js';
import { AudioGraph } from './audio-graph.js';
import { openMedia } from './media-input.js';
import { EAGAIN, EOF, check, ffmpegMessage } from './runtime.js';

export type AudioCodec = 'aac' | 'opus';
export type AudioFit = 'trim' | 'loop' | 'pad' | 'extend';

/** A music track to encode beside the video: where it comes from and how it is fitted. */
export interface AudioSpec {
  file: string;
  /** The file may be a concat script or a playlist (local files only). */
  allowPlaylists?: boolean;
  codec: AudioCodec;
  fit: AudioFit;
  /** Seconds where the track starts in the video; negative skips into the track. */
  offset: number;
  /** Linear gain (1 unchanged). */
  volume: number;
  /** Seconds of fade-out at the end (0 none). */
  fade: number;
  /** Seconds of the music file, when known: with `pad`, the fade-out ends where the music does. */
  sourceDuration?: number;
  /**
   * Seconds where the audio ends (the video's end, or the track's for extend). Undefined: told
   * at finish() (the frame writer learns the video's length only at close); until then the
   * encoded audio keeps `fade` seconds behind the pictures, so that the cut and the fade-out
   * can still be made.
   */
  end: number | undefined;
}

export interface AudioResult {
  codec: AudioCodec;
  /** Seconds of audio written. */
  duration: number;
  sampleRate: number;
  channels: number;
  /** Why reading the music stopped before its end (a damaged tail, an entry of a list it could not open), if it did. */
  readError?: string;
}

const ENCODERS = { aac: FF_ENCODER_AAC, opus: FF_ENCODER_LIBOPUS } as const;
const BIT_RATE = 128_000;

/**
 * The audio half of the muxer: decode the track, fit it with one filter graph (skip or delay,
 * volume, loop by re-reading, pad, trim, fade, resample to the encoder's format, frame_size
 * chunks by asetnsamples), encode, and hand the packets to the muxer's interleaving. The
 * video encoder pumps it up to each picture's time, so the two streams interleave as written.
 * @internal engine use only.
 */
export class AudioTrack {
  /** Why reading stopped before the end, if it did. */
  private readError: string | undefined;
  readonly spec: AudioSpec;
  private readonly input: FormatContext;
  private readonly inputStream: Stream;
  private readonly decoder: CodecContext;
  private readonly encoder: CodecContext;
  private readonly output: FormatContext;
  private readonly stream: Stream;
  private graph: AudioGraph | undefined;
  private readonly packet = new Packet();
  private readonly outPacket = new Packet();
  private readonly frame = new Frame();
  /** Samples fed to the graph (its input clock), out of it, and written to the encoder (its output clock). */
  private fed = 0;
  private produced = 0;
  private encoded = 0;
  /** Without an end: filtered frames not yet encoded, the last `fade` seconds (pts: their first sample). */
  private readonly held: Frame[] = [];
  private fedThisPass = 0;
  private inputDone = false;
  /** The end of the input was fed to the graph. */
  private graphFed = false;
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
    const { format: input } = await openMedia(spec.file, { allowPlaylists: spec.allowPlaylists === true });
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
    return { codec: this.spec.codec, duration: this.duration, sampleRate: this.encoder.sampleRate, channels: this.encoder.channelLayout.nbChannels, ...(this.readError ? { readError: this.readError } : {}) };
  }

  /** Encodes until `seconds` of audio are written, or the audio ends (without an end, `fade` seconds less). */
  async pump(seconds: number): Promise<void> {
    if (this.spec.end !== undefined) {
      while (!this.graphDone && this.duration < seconds) await this.step();
      return;
    }
    const until = seconds * this.sampleRate;
    while (!this.graphDone && this.produced < until) await this.step(until);
    // The end is at least where both the pictures and the music have come so far.
    await this.encodeHeld(Math.min(seconds * this.sampleRate, this.produced) - this.spec.fade * this.sampleRate);
  }

  /**
   * Encodes the rest and flushes the encoder. Without an end in the spec, `end` (seconds) is
   * where the audio stops: the rest is cut there and faded out before it.
   */
  async finish(end?: number): Promise<AudioResult> {
    if (this.spec.end === undefined) await this.finishHeld(end);
    while (!this.graphDone) await this.step();
    check(await this.encoder.sendFrame(null), 'flush the audio encoder');
    await this.drainPackets();
    return this.result();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.graph?.free();
    for (const frame of this.held.splice(0)) frame.free();
    this.decoder.freeContext();
    this.encoder.freeContext();
    this.packet.free();
    this.outPacket.free();
    this.frame.free();
    await this.input.closeInput();
  }

  /**
   * Moves the pipeline by one decoded frame (or the end of the input), then drains the graph,
   * up to `until` samples: without an end, apad's silence never stops by itself.
   */
  private async step(until = Number.POSITIVE_INFINITY): Promise<void> {
    const decoded = this.graphFed ? null : await this.decodeOne();
    if (decoded) {
      await this.ensureGraph(decoded);
      decoded.pts = BigInt(this.fed);
      this.fed += decoded.nbSamples;
      this.fedThisPass += decoded.nbSamples;
      await this.graph!.feed(decoded);
      decoded.free();
    } else if (!this.graphFed) {
      if (!this.graph) throw new FlipbookError('INVALID_INPUT', `${this.spec.file} holds no decodable audio`, { file: this.spec.file, option: 'audio' });
      this.graphFed = true;
      await this.graph.feed(null);
    }
    await this.drainGraph(until);
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
        // A damaged tail ends the music where the damage starts (said in the result).
        if (read !== EOF) this.readError ??= ffmpegMessage(read);
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
    filters.push(`aresample=${rate}`);
    // adelay takes planar samples only: before aformat, or Opus (interleaved) would get planar.
    if (spec.offset > 0) filters.push(`adelay=delays=${Math.round(spec.offset * rate)}S:all=1`);
    const out = this.encodedFormat;
    filters.push(`aformat=sample_fmts=${out.sampleFormat}:sample_rates=${rate}:channel_layouts=${out.channelLayout}`);
    // pad: the fade-out ends where the music does, before the silence added after it (at the
    // video's end it faded that silence, and the music stopped unfaded). Known from the start when
    // the music's length is; the fade at the end (ending) still applies where the video is shorter.
    const musicEnd = spec.offset + (spec.sourceDuration ?? Number.POSITIVE_INFINITY);
    const padFade = spec.fit === 'pad' && spec.fade > 0 && Number.isFinite(musicEnd) && musicEnd > 0 ? Math.min(spec.fade, musicEnd) : 0;
    if (padFade > 0) filters.push('asetpts=N/SR/TB', `afade=t=out:st=${musicEnd - padFade}:d=${padFade}`);
    if (spec.fit === 'pad') filters.push('apad');
    filters.push('asetpts=N/SR/TB');
    if (spec.end !== undefined) filters.push(`atrim=end_sample=${Math.round(spec.end * rate)}`);
    filters.push(...this.ending(spec.end));
    this.graph = await AudioGraph.open(filters.join(','), { sampleRate: first.sampleRate, sampleFormat: inFormat, channelLayout: layout });
  }

  /** The encoder's sample format and channel layout, by FFmpeg's names. */
  private get encodedFormat(): { sampleFormat: string; channelLayout: string } {
    return { sampleFormat: avGetSampleFmtName(this.encoder.sampleFormat) ?? 'fltp', channelLayout: avChannelLayoutDescribe(this.encoder.channelLayout) ?? 'stereo' };
  }

  /** The last filters: the fade-out before `end` (seconds; undefined: none yet), then frames of the encoder's size. */
  private ending(end: number | undefined): string[] {
    const { fade } = this.spec;
    const filters: string[] = [];
    if (fade > 0 && end !== undefined) {
      // A fade longer than the audio is shortened to it: it ends silent (a 10 s fade on 3 s of
      // audio ended 3 dB down).
      const length = Math.min(fade, end);
      if (length > 0) filters.push(`afade=t=out:st=${end - length}:d=${length}`);
    }
    // Fixed-size frames for the encoder (AAC takes 1024 samples, Opus 960); the last is short.
    if (this.encoder.frameSize > 0) filters.push(`asetnsamples=n=${this.encoder.frameSize}:p=0`);
    return filters;
  }

  private async drainGraph(until: number): Promise<void> {
    while (this.produced < until) {
      const got = await this.graph!.take(this.frame);
      if (got !== 'frame') {
        if (got === 'end' || this.graphFed) this.graphDone = true;
        return;
      }
      this.frame.pts = BigInt(this.produced);
      this.produced += this.frame.nbSamples;
      if (this.spec.end === undefined) {
        const copy = this.frame.clone();
        this.frame.unref();
        if (!copy) throw new FlipbookError('ENGINE', 'Cannot keep an audio frame');
        this.held.push(copy);
      } else {
        await this.encode(this.frame);
      }
    }
  }

  /** Encodes `frame` (samples that follow those encoded) and unreferences it. */
  private async encode(frame: Frame): Promise<void> {
    frame.pts = BigInt(this.encoded);
    this.encoded += frame.nbSamples;
    check(await this.encoder.sendFrame(frame), 'encode the audio');
    frame.unref();
    await this.drainPackets();
  }

  /** Encodes the held frames that end by sample `limit`. */
  private async encodeHeld(limit: number): Promise<void> {
    for (let frame = this.held[0]; frame && Number(frame.pts) + frame.nbSamples <= limit; frame = this.held[0]) {
      this.held.shift();
      try {
        await this.encode(frame);
      } finally {
        frame.free();
      }
    }
  }

  /** Without an end in the spec: the music up to `end` seconds, the held rest cut there and faded out through a last graph. */
  private async finishHeld(end: number | undefined): Promise<void> {
    if (end === undefined && (this.spec.fit === 'loop' || this.spec.fit === 'pad')) throw new FlipbookError('ENGINE', `Audio fit ${this.spec.fit} needs the end of the video`);
    const rate = this.sampleRate;
    const wanted = end === undefined ? Number.POSITIVE_INFINITY : Math.round(end * rate);
    while (!this.graphDone && this.produced < wanted) await this.step(wanted);
    this.graphDone = true;
    const last = Math.min(wanted, this.produced);
    const first = this.held[0];
    if (!first) return;
    const start = Number(first.pts);
    const filters = [`atrim=end_sample=${Math.max(0, last - start)}`, ...this.ending(last / rate)];
    const tail = await AudioGraph.open(filters.join(','), { sampleRate: rate, ...this.encodedFormat });
    try {
      let open = true;
      for (let frame = this.held.shift(); frame; frame = this.held.shift()) {
        try {
          open &&= await tail.feed(frame);
        } finally {
          frame.free();
        }
        while ((await tail.take(this.frame)) === 'frame') await this.encode(this.frame);
      }
      if (open) await tail.feed(null);
      while ((await tail.take(this.frame)) === 'frame') await this.encode(this.frame);
    } finally {
      tail.free();
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
