import { type AudioResult, type AudioSpec, probeMedia } from '../engine/index.js';
import { FlipbookError, type Text, isFlipbookError, text, opt } from '../errors.js';
import { type ResolvedAudioOptions, audioCodecFor } from '../options/audio-options.js';
import type { OutputFormat } from '../options/output-formats.js';

/** The hint of every error about the music file. */
const MUSIC_HINT = 'Pass a music file: mp3, wav, m4a, aac, ogg, opus or flac';

export interface AudioPlan extends AudioSpec {
  /**
   * Seconds of the music file itself (as its header says); Infinity when it does not say (a
   * concat list): the music then ends where it ends, or at the video's end.
   */
  sourceDuration: number;
}

/**
 * Settles the music before anything is encoded: the output must carry audio, the file must
 * hold an audio stream, and the fit decides where the audio ends. For `extend` it also says
 * how many seconds the video must grow (the last picture is held that much longer).
 */
export async function planAudio(options: ResolvedAudioOptions, format: OutputFormat, videoSeconds: number): Promise<{ audio: AudioPlan; extendBy: number }> {
  const audio = await probeAudio(options, format);
  const { end, extendBy } = fitAudio(audio, videoSeconds);
  return { audio: { ...audio, end }, extendBy };
}

/**
 * The music checked (the output carries audio, the file holds an audio stream) and its length
 * read, without an end yet: the frame writer learns the video's length only at close and then
 * asks fitAudio.
 */
export async function probeAudio(options: ResolvedAudioOptions, format: OutputFormat): Promise<AudioPlan> {
  const codec = audioCodecFor(format);
  let info;
  try {
    info = await probeMedia(options.file, { countFrames: false, allowPlaylists: options.allowPlaylists });
  } catch (error) {
    if (!isFlipbookError(error)) throw error;
    // A playlist refused: its own option and hint (allowPlaylists) say what to do.
    const playlist = error.option === 'allowPlaylists';
    throw new FlipbookError(error.code, text`${error.factText} (${opt('audio')})`, {
      file: options.file,
      option: playlist ? 'allowPlaylists' : 'audio',
      hint: playlist && error.hintText !== undefined ? error.hintText : MUSIC_HINT,
      cause: error,
    });
  }
  const track = info.audio[0];
  if (!track) {
    throw new FlipbookError('INVALID_INPUT', text`${options.file} has no audio stream (${opt('audio')})`, { file: options.file, option: 'audio', hint: MUSIC_HINT });
  }
  // Unknown (a concat list says no length): it was taken as 0 s, and a --jobs run, which sets the
  // music's end before it starts, wrote none of it.
  const sourceDuration = track.duration ?? info.duration ?? Number.POSITIVE_INFINITY;
  return { file: options.file, codec, fit: options.fit, offset: options.offset, volume: options.volume, fade: options.fade, end: undefined, sourceDuration, allowPlaylists: options.allowPlaylists };
}

/**
 * Where the music ends for a video of `videoSeconds`: trim at the video's end or the track's,
 * whichever comes first; loop and pad at the video's end; extend at the track's end, the video
 * growing by `extendBy` seconds to meet it.
 */
export function fitAudio(audio: Pick<AudioPlan, 'fit' | 'offset' | 'sourceDuration'>, videoSeconds: number): { end: number; extendBy: number } {
  const audioEnd = audio.offset + audio.sourceDuration;
  // A length not known cannot be extended to: the video keeps its own.
  if (audio.fit === 'extend' && !Number.isFinite(audioEnd)) return { end: videoSeconds, extendBy: 0 };
  if (audio.fit === 'extend') return { end: Math.max(0, audioEnd), extendBy: Math.max(0, audioEnd - videoSeconds) };
  if (audio.fit === 'trim') return { end: Math.max(0, Math.min(videoSeconds, audioEnd)), extendBy: 0 };
  return { end: videoSeconds, extendBy: 0 };
}

/**
 * What to say of the music once written, for every path that writes it (one piece, segments
 * joined, animate in segments): placed where none of it is heard (an offset past its end or past
 * the video's), or not read to its end (AudioResult.readError).
 */
export function musicWarnings(audio: Pick<AudioPlan, 'file' | 'offset' | 'sourceDuration'>, result: AudioResult | undefined, videoSeconds: number): Text[] {
  const warnings: Text[] = [];
  if (result?.readError) warnings.push(text`The music ${audio.file} could not be read to its end (${result.readError}): the video has what was read before`);
  if (audio.offset + audio.sourceDuration <= 0) {
    warnings.push(text`The music ${audio.file} ends before the video starts (${opt('audioOffset', audio.offset)} s, ${audio.sourceDuration.toFixed(2)} s of music): none of it is heard`);
  } else if (audio.offset >= videoSeconds) {
    warnings.push(text`The music ${audio.file} starts after the video ends (${opt('audioOffset', audio.offset)} s, a ${videoSeconds.toFixed(2)} s video): none of it is heard`);
  }
  return warnings;
}
