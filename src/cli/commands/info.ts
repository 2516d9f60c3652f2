import type { Command } from 'commander';

import type { AudioTrackInfo, MediaInfo, TrackInfo, VideoTrackInfo } from '../../engine/index.js';
import { type Fraction, formatFraction, fractionToNumber } from '../../options/values.js';
import { probe } from '../../read/probe.js';
import { formatBytes } from '../reporter.js';
import { plural } from '../../util/format.js';
import { type CommonOptions, runCommand } from '../run-command.js';
import { addCommonOptions } from './common.js';
import { ALLOW_PLAYLISTS_HELP } from './selection-flags.js';

interface InfoFlags extends CommonOptions {
  count?: boolean;
  allowPlaylists?: boolean;
}

export function registerInfo(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('info')
    .summary('describe a video: streams, sizes, frame rates, frame count')
    .description(
      'Describe a media file: container, duration, and every stream (codec, profile, pixel format, stored and shown size, exact frame rates such as 30000/1001, frame count, colour tags; audio codec, sample rate, channels). The video frames are counted by reading the file (no decoding), so the count is right even when the header lacks it or lies.',
    )
    .argument('<file>', 'the video (or any media file) to describe')
    .option('--no-count', 'trust the header\'s frame count instead of counting (faster on huge files) (default: count)')
    .option('--allow-playlists', ALLOW_PLAYLISTS_HELP, false);
  addCommonOptions(command);
  command.action(async (file: string, flags: InfoFlags) => {
    setExitCode(
      await runCommand(flags, async ({ reporter }) => {
        const info = await probe(file, { countFrames: flags.count !== false, allowPlaylists: flags.allowPlaylists === true });
        for (const warning of info.warnings) reporter.warning(warning);
        reporter.event('info', infoJson(info));
        reporter.info(describeInfo(info));
      }),
    );
  });
}

/** The info as JSON: fractions as "30000/1001" and "25/1" strings (as ffprobe writes them), absent values as null. */
export function infoJson(info: MediaInfo): Record<string, unknown> {
  const convert = (value: unknown): unknown => {
    if (value === undefined) return null;
    if (Array.isArray(value)) return value.map(convert);
    if (value && typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 2 && 'num' in value && 'den' in value) return `${(value as Fraction).num}/${(value as Fraction).den}`;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    }
    return value;
  };
  const { video: _video, audio: _audio, warnings: _warnings, ...rest } = info;
  return convert(rest) as Record<string, unknown>;
}

function rate(f: Fraction | undefined): string {
  if (!f) return '?';
  const n = fractionToNumber(f);
  return f.den === 1 ? String(f.num) : `${formatFraction(f)} (${Number(n.toFixed(3))})`;
}

function seconds(s: number | undefined): string {
  return s === undefined ? '?' : `${s.toFixed(3)} s`;
}

function describeVideo(v: VideoTrackInfo): string {
  const sar = v.sampleAspectRatio;
  const square = !sar || sar.num === sar.den || sar.num <= 0 ? undefined : `pixel aspect ${sar.num}:${sar.den}`;
  const why = [square, v.rotation ? `rotated ${v.rotation}°` : undefined].filter(Boolean).join(', ');
  const shown = v.displayWidth !== v.width || v.displayHeight !== v.height || v.rotation ? `, shown ${v.displayWidth}x${v.displayHeight} (${why})` : '';
  const count =
    v.frames === undefined
      ? 'frame count unknown'
      : `${plural(v.frames, 'frame')} (${v.frameCountSource}${v.headerFrames !== undefined && v.headerFrames !== v.frames ? `; the header says ${v.headerFrames}` : ''})`;
  const lines = [
    `  #${v.index} video: ${v.codec}${v.profile ? ` (${v.profile})` : ''}${v.attachedPicture ? ' cover picture' : ''}, ${v.pixelFormat} ${v.bitDepth}-bit${v.chroma ? ` ${v.chroma}` : ''}, ${v.width}x${v.height}${shown}`,
    `      ${rate(v.avgFrameRate)} fps average, ${rate(v.frameRate)} nominal${v.variableFrameRate ? ', variable frame rate' : ''}; ${count}; ${seconds(v.duration)}`,
    `      ${v.bitRate ? `${Math.round(v.bitRate / 1000)} kb/s, ` : ''}colour ${v.colorSpace}/${v.colorPrimaries}/${v.colorTransfer}, range ${v.colorRange}`,
  ];
  return lines.join('\n');
}

function describeAudio(a: AudioTrackInfo): string {
  const rate = a.sampleRate > 0 ? `${a.sampleRate} Hz` : 'sample rate unknown';
  const channels = a.channelLayout ?? (a.channels > 0 ? `${a.channels} channels` : 'channels unknown');
  return `  #${a.index} audio: ${a.codec}${a.profile ? ` (${a.profile})` : ''}, ${rate}, ${channels}${a.sampleFormat ? `, ${a.sampleFormat}` : ''}${a.bitRate ? `, ${Math.round(a.bitRate / 1000)} kb/s` : ''}${a.language && a.language !== 'und' ? `, ${a.language}` : ''}`;
}

function describeTrack(t: TrackInfo): string {
  if (t.type === 'video') return describeVideo(t);
  if (t.type === 'audio') return describeAudio(t);
  return `  #${t.index} ${t.type}: ${t.codec}`;
}

export function describeInfo(info: MediaInfo): string {
  const head = `${info.file}: ${info.containerLongName ?? info.container} (${info.container}), ${seconds(info.duration)}, ${formatBytes(info.size)}${info.bitRate ? `, ${Math.round(info.bitRate / 1000)} kb/s` : ''}`;
  return [head, ...info.streams.map(describeTrack)].join('\n');
}
