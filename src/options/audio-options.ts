import type { AudioCodec, AudioFit } from '../engine/index.js';
import { FlipbookError, invalidOption, text, opt } from '../errors.js';
import { resolveAllowPlaylists } from './input-options.js';
import type { OutputFormat } from './output-formats.js';
import { parseChoice, parseDuration, isGiven } from './values.js';

export const AUDIO_FITS: readonly AudioFit[] = ['trim', 'loop', 'pad', 'extend'];

/** Music files flipbook takes, by extension (FFmpeg reads them by content anyway). */
export const AUDIO_EXTENSIONS: readonly string[] = ['.mp3', '.wav', '.m4a', '.aac', '.ogg', '.opus', '.flac'];

/** The audio codec each container carries; an output format not listed here refuses music. */
const AUDIO_CODEC_BY_CONTAINER: Readonly<Record<string, AudioCodec>> = {
  mp4: 'aac',
  mov: 'aac',
  matroska: 'aac',
  webm: 'opus',
};

/** The music options of stitch and the frame writer. */
export interface AudioOptions {
  /**
   * A music file (mp3, wav, m4a, aac, ogg, opus, flac) muxed beside the video: AAC in MP4, MOV
   * and MKV, Opus in WebM; GIF, WebP and APNG refuse it. The frame writer probes it at the
   * first frame, so a missing or silent file fails before anything is written.
   */
  audio?: string;
  /**
   * How the music meets the video's length. Default `trim`: cut at the video's end (a shorter
   * track just ends); `loop`: repeat it to the video's end; `pad`: silence after it to the
   * video's end; `extend`: hold the last picture until the music ends. The frame writer learns
   * the video's length only at close(), and fits the music then: trim cuts there, loop and pad
   * stop there, extend holds the last frame longer there.
   */
  audioFit?: AudioFit;
  /**
   * Fade the music out over this long before it ends (`"1s"`). Default none. The frame writer
   * keeps the encoded music this far behind its frames until close() says where the end is.
   */
  audioFade?: number | string;
  /** Where the music starts in the video (`"2s"`); negative skips into the track (`"-10s"`). Default 0. */
  audioOffset?: number | string;
  /** Gain: `0.5`, `"50%"`, `"-6dB"`. Default 1. */
  volume?: number | string;
  /**
   * The music file may be a concat script or an HLS/DASH playlist of local files (refused by
   * default; no network or protocol even then). Default false.
   */
  allowPlaylists?: boolean;
}

export interface ResolvedAudioOptions {
  file: string;
  fit: AudioFit;
  fade: number;
  offset: number;
  volume: number;
  allowPlaylists: boolean;
}

/** Validates the music options; undefined when no `audio` is given. */
export function resolveAudioOptions(options: AudioOptions): ResolvedAudioOptions | undefined {
  if (!isGiven(options.audio)) {
    for (const name of ['audioFit', 'audioFade', 'audioOffset', 'volume'] as const) {
      if (isGiven(options[name])) throw invalidOption(name, text`an audio file (${opt('audio')}) to go with it`, options[name], text`Pass ${opt('audio', 'track.mp3')}`);
    }
    return undefined;
  }
  if (typeof options.audio !== 'string') throw invalidOption('audio', 'the path of a music file', options.audio);
  return {
    file: options.audio,
    fit: isGiven(options.audioFit) ? parseChoice(options.audioFit, 'audioFit', AUDIO_FITS) : 'trim',
    fade: isGiven(options.audioFade) ? parseDuration(options.audioFade, 'audioFade', { allowZero: true }) : 0,
    offset: isGiven(options.audioOffset) ? parseSignedDuration(options.audioOffset, 'audioOffset') : 0,
    volume: isGiven(options.volume) ? parseVolume(options.volume) : 1,
    allowPlaylists: resolveAllowPlaylists(options),
  };
}

function parseSignedDuration(value: unknown, option: string): number {
  if (typeof value === 'number') return Math.sign(value) * parseDuration(Math.abs(value), option, { allowZero: true });
  if (typeof value === 'string' && value.trim().startsWith('-')) return -parseDuration(value.trim().slice(1), option, { allowZero: true });
  return parseDuration(value, option, { allowZero: true });
}

/** A gain: `0.5`, `"150%"`, `"-6dB"` (0 to 10 times). */
export function parseVolume(value: unknown, option = 'volume'): number {
  const expected = 'a volume such as 0.5, "150%" or "-6dB" (0 to 10 times)';
  let gain: number | undefined;
  if (typeof value === 'number') gain = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    const db = /^([+-]?\d+(?:\.\d+)?)\s*dB$/i.exec(text);
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
    if (db) gain = 10 ** (Number(db[1]) / 20);
    else if (percent) gain = Number(percent[1]) / 100;
    else if (/^\d+(\.\d+)?$/.test(text)) gain = Number(text);
  }
  if (gain === undefined || !Number.isFinite(gain) || gain < 0 || gain > 10) throw invalidOption(option, expected, value);
  return Math.round(gain * 1e6) / 1e6;
}

/** The audio codec for an output format, or an error saying that this output takes no music. */
export function audioCodecFor(format: OutputFormat): AudioCodec {
  const codec = format.kind === 'video' ? AUDIO_CODEC_BY_CONTAINER[format.container] : undefined;
  if (!codec) {
    throw new FlipbookError('UNSUPPORTED_OUTPUT', `A ${format.extension} file cannot carry audio`, {
      option: 'audio',
      // The option as a reference: the library says audio, the command line --audio.
      hint: text`Music goes into ${Object.keys(AUDIO_CODEC_BY_CONTAINER)
        .map((c) => (c === 'matroska' ? '.mkv' : `.${c}`))
        .join(', ')}; leave out ${opt('audio')} for ${format.extension}`,
    });
  }
  return codec;
}
